"""Price-sensitivity estimator: sklearn contract, recovery of known elasticities, flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression

from engine.demo import generate_sales
from models.pricing import PriceSensitivityModel, PricingSet

SMALL = {"n_regions": 1, "stores_per_region": 3, "n_products": 4, "n_weeks": 60}


def _truth_of(row: pd.Series, truth: dict) -> float:
    t = truth["sales"]
    if row["kind"] == "own":
        return t["own_elasticity"][row["product"]]
    if row["kind"] == "cross":
        return t["cross_elasticity"][row["product"]][row["cross_product"]]
    return t["competitor_elasticity"][row["product"]]


@pytest.mark.parametrize(
    "estimator",
    [
        PriceSensitivityModel(),
        PriceSensitivityModel(dml=False, pooling=False, fourier_order=1, controls=["x"]),
        PriceSensitivityModel(dml_learner=LinearRegression(), max_ci_width=1.5),
    ],
    ids=["default", "no-dml", "linear-dml"],
)
def test_sklearn_contract(estimator: PriceSensitivityModel) -> None:
    params = estimator.get_params(deep=False)
    twin = clone(estimator)
    assert twin.get_params(deep=False).keys() == params.keys()
    for key, value in params.items():
        if hasattr(value, "get_params"):
            assert type(twin.get_params(deep=False)[key]) is type(value)
        else:
            assert twin.get_params(deep=False)[key] == value
    assert not [k for k in vars(estimator) if k.endswith("_") and not k.startswith("_")]
    twin.set_params(min_obs=5)
    assert twin.min_obs == 5 and estimator.min_obs != 5
    sales, _ = generate_sales(3, **SMALL)
    sales["x"] = np.random.default_rng(0).normal(size=len(sales))
    fitted = twin.fit(sales)
    assert fitted is twin
    assert hasattr(fitted, "elasticities_") and hasattr(fitted, "fits_")
    assert not hasattr(estimator, "elasticities_")
    pred = fitted.predict(sales.head(50))
    assert pred.shape == (50,) and np.isfinite(pred).all()


def test_recovers_own_and_cross_elasticities(recovery_data: tuple[pd.DataFrame, dict]) -> None:
    sales, truth = recovery_data
    table = PriceSensitivityModel(dml=False).fit(sales).elasticities_
    table["truth"] = table.apply(_truth_of, axis=1, truth=truth)
    error = (table["elasticity"] - table["truth"]).abs()
    own, cross = table["kind"] == "own", table["kind"] == "cross"
    assert own.sum() == 4 and cross.sum() == 12
    assert error[own].max() < 0.1, table[own]
    assert error[cross].max() < 0.1, table[cross]
    assert table["plausible"].all()
    # the 95% intervals are honest: most cover the truth
    covered = (table["lo_95"] <= table["truth"]) & (table["truth"] <= table["hi_95"])
    assert covered.mean() >= 0.75


def test_predicts_held_out_log_units_better_than_no_price_model(
    recovery_data: tuple[pd.DataFrame, dict],
) -> None:
    sales, _ = recovery_data
    cut = sales["date"].sort_values().unique()[-13]
    train, test = sales[sales["date"] < cut], sales[sales["date"] >= cut]
    y = np.log(test["units"].clip(lower=1))
    with_price = PriceSensitivityModel(dml=False).fit(train).predict(test)
    without = PriceSensitivityModel(dml=False, include_prices=False).fit(train).predict(test)
    rmse = lambda p: float(np.sqrt(np.mean((y - p) ** 2)))  # noqa: E731
    assert rmse(with_price) < 0.8 * rmse(without)


def test_positive_own_elasticity_is_flagged_not_plausible() -> None:
    sales, _ = generate_sales(4, **SMALL)
    sales = sales.copy()
    # demand that rises with price for P01: the fit must report it, but not as usable
    p01 = sales["product"] == "P01"
    sales.loc[p01, "units"] = np.round(50 * (sales.loc[p01, "price"] / 3.0) ** 2).astype(int)
    table = PriceSensitivityModel(dml=False, pooling=False).fit(sales).elasticities_
    own = table[(table["kind"] == "own")].set_index("product")
    assert own.loc["P01", "elasticity"] > 0
    assert not own.loc["P01", "plausible"]
    model = PriceSensitivityModel(dml=False, pooling=False).fit(sales)
    pricing = PricingSet(model=model, current=pd.DataFrame(), keys=["region", "store", "product"])
    est, _, usable = pricing.matrix(["P01", "P02"])
    assert not usable[0, 0] and est[0, 0] == 0.0


def test_product_without_price_variation_borrows_from_its_category() -> None:
    sales, _ = generate_sales(5, n_regions=1, stores_per_region=4, n_products=4, n_weeks=80)
    sales = sales.copy()
    p04 = sales["product"] == "P04"
    sales.loc[p04, "price"] = sales.loc[p04, "price"].round(0).clip(lower=1) + 0.49
    fixed = sales.loc[p04].groupby("store")["price"].transform("first")
    noise = np.random.default_rng(1).choice([0.0, 0.01], p04.sum(), p=[0.97, 0.03])
    sales.loc[p04, "price"] = fixed + noise  # almost no variation: a very wide raw CI
    table = PriceSensitivityModel(dml=False).fit(sales).elasticities_
    own = table[table["kind"] == "own"].set_index("product")
    others = own.drop(index="P04")
    assert own.loc["P04", "pooled"]
    assert own.loc["P04", "se"] < own.loc["P04", "raw_se"]
    lo, hi = others["elasticity"].min() - 0.5, others["elasticity"].max() + 0.5
    assert lo <= own.loc["P04", "elasticity"] <= hi
    # well-measured products barely move
    assert (others["elasticity"] - others["raw_elasticity"]).abs().max() < 0.1


def test_dml_flags_a_confounded_estimate() -> None:
    rng = np.random.default_rng(0)
    markets, weeks = 12, 120
    z = rng.uniform(-2, 2, (markets, weeks))  # a demand driver the pricing team reacts to
    log_p = 1.0 + 0.3 * z**2 + rng.normal(0, 0.05, (markets, weeks))
    log_q = 5.0 - 2.0 * log_p + 0.9 * z**2 + rng.normal(0, 0.05, (markets, weeks))
    dates = pd.date_range("2024-01-01", periods=weeks, freq="7D")
    frame = pd.DataFrame(
        {
            "date": np.tile(dates, markets),
            "store": np.repeat([f"S{m}" for m in range(markets)], weeks),
            "product": "P01",
            "units": np.round(np.exp(log_q.ravel()) * 10),
            "price": np.exp(log_p.ravel()),
            "z": z.ravel(),
        }
    )
    table = PriceSensitivityModel(controls=["z"], fourier_order=0, trend=False).fit(frame)
    own = table.elasticities_.iloc[0]
    assert abs(own["dml_elasticity"] - (-2.0)) < abs(own["raw_elasticity"] - (-2.0))
    assert own["confounded"]
