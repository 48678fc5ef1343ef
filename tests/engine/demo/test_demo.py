"""Tests for the demo-data generator: shape, determinism, consistency and recoverable truth."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from engine import demo
from engine.core.contracts.leads import ACTIVITY_COUNTS
from engine.core.errors import LodestarError
from engine.demo import (
    generate_leads,
    generate_sales,
    true_conversion_probability,
    true_log_demand,
    write_demo_data,
)
from engine.demo.leads import EVENT_COLUMNS, LEAD_COLUMNS
from engine.demo.sales import SALES_COLUMNS

SMALL = {"n_regions": 2, "stores_per_region": 3, "n_products": 8, "n_weeks": 120}
TINY = {"n_regions": 2, "stores_per_region": 2, "n_products": 5, "n_weeks": 20, "n_leads": 300}


@pytest.fixture(scope="module")
def sales_default() -> tuple[pd.DataFrame, dict]:
    """Default-size sales, generated once for the module."""
    return generate_sales(seed=0)


@pytest.fixture(scope="module")
def sales_small() -> tuple[pd.DataFrame, dict]:
    """Reduced sales set (2 regions x 3 stores x 8 products x 120 weeks)."""
    return generate_sales(seed=1, **SMALL)


@pytest.fixture(scope="module")
def leads_default() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Default-size leads and events."""
    return generate_leads(seed=0)


def _fit_elasticities(sales: pd.DataFrame, truth: dict) -> pd.DataFrame:
    """Per-product OLS of log1p(units) on log prices, promo and store + week fixed effects."""
    t = truth["sales"]
    log_wide = np.log(sales.pivot(index=["store", "date"], columns="product", values="price"))
    rows = []
    for product, g in sales.groupby("product"):
        g = g.set_index(["store", "date"])
        others = list(t["cross_elasticity"][product])
        cols = [
            np.log(g["price"].to_numpy()),
            np.log(g["comp_price_rival"].to_numpy()),
            g["promo"].to_numpy(dtype=float),
        ]
        cols += [log_wide.loc[g.index, other].to_numpy() for other in others]
        stores = pd.get_dummies(g.index.get_level_values("store"), dtype=float).to_numpy()
        weeks = pd.get_dummies(g.index.get_level_values("date"), dtype=float).to_numpy()[:, 1:]
        design = np.column_stack([*cols, stores, weeks])
        beta = np.linalg.lstsq(design, np.log1p(g["units"].to_numpy()), rcond=None)[0]
        rows.append(("own", product, None, beta[0], t["own_elasticity"][product]))
        rows.append(("comp", product, None, beta[1], t["competitor_elasticity"][product]))
        rows.append(("promo", product, None, beta[2], t["promo_lift"]))
        for k, other in enumerate(others):
            rows.append(
                ("cross", product, other, beta[3 + k], t["cross_elasticity"][product][other])
            )
    fit = pd.DataFrame(rows, columns=["kind", "product", "other", "estimate", "truth"])
    fit["error"] = (fit["estimate"] - fit["truth"]).abs()
    return fit


# --- sales ---------------------------------------------------------------------------------


def test_sales_is_deterministic_for_a_seed() -> None:
    a, ta = generate_sales(seed=7, **SMALL)
    b, tb = generate_sales(seed=7, **SMALL)
    pd.testing.assert_frame_equal(a, b)
    assert ta == tb
    c, _ = generate_sales(seed=8, **SMALL)
    assert not a["units"].equals(c["units"])


def test_sales_shape_columns_and_dtypes(sales_default) -> None:
    sales, _ = sales_default
    assert list(sales.columns) == SALES_COLUMNS
    assert len(sales) == 3 * 8 * 12 * 160
    assert pd.api.types.is_datetime64_any_dtype(sales["date"])
    for col in ("units", "promo"):
        assert pd.api.types.is_integer_dtype(sales[col])
    for col in ("price", "cost", "comp_price_rival"):
        assert pd.api.types.is_float_dtype(sales[col])
    for col in ("region", "store", "product", "category"):
        assert sales[col].map(type).eq(str).all()
    assert set(sales["promo"].unique()) <= {0, 1}


def test_sales_dates_are_weekly_mondays_ending_at_end(sales_default) -> None:
    sales, _ = sales_default
    dates = pd.DatetimeIndex(sorted(sales["date"].unique()))
    assert len(dates) == 160
    assert (dates.dayofweek == 0).all()
    assert dates[-1] == pd.Timestamp("2026-11-16")
    assert (np.diff(dates.values) == np.timedelta64(7, "D")).all()


def test_sales_keys_are_unique(sales_default) -> None:
    sales, _ = sales_default
    assert not sales.duplicated(["store", "product", "date"]).any()
    assert sales["store"].nunique() == 24
    assert sales["product"].nunique() == 12


def test_sales_values_are_valid(sales_default) -> None:
    sales, truth = sales_default
    assert (sales["units"] >= 0).all()
    assert (sales["price"] > 0).all() and (sales["cost"] > 0).all()
    assert (sales["comp_price_rival"] > 0).all()
    assert np.allclose(sales["price"], sales["price"].round(2))
    assert 0.05 < sales["promo"].mean() < 0.15
    mean_price = sales.groupby("product")["price"].mean()
    mean_cost = sales.groupby("product")["cost"].mean()
    assert (mean_cost < mean_price).all()
    for product, cost in truth["sales"]["unit_cost"].items():
        assert cost == pytest.approx(mean_cost[product], abs=1e-3)
    typical = sales.groupby("product")["units"].median()
    assert typical.between(15, 400).all()


def test_promo_weeks_are_discounted(sales_default) -> None:
    sales, _ = sales_default
    key = ["store", "product"]
    relative = sales["price"] / sales.groupby(key)["price"].transform("median")
    assert relative[sales["promo"] == 1].mean() < relative[sales["promo"] == 0].mean() - 0.1


def test_stores_nest_in_regions_and_products_in_categories(sales_default) -> None:
    sales, truth = sales_default
    assert sales.groupby("store")["region"].nunique().eq(1).all()
    assert sales.groupby("product")["category"].nunique().eq(1).all()
    hierarchy = truth["sales"]["hierarchy"]
    store_region = sales.drop_duplicates("store").set_index("store")["region"].to_dict()
    product_cat = sales.drop_duplicates("product").set_index("product")["category"].to_dict()
    assert hierarchy["store"] == store_region
    assert hierarchy["product"] == product_cat
    assert sales.groupby("category")["product"].nunique().eq(4).all()


def test_sales_truth_has_documented_keys_and_ranges(sales_default) -> None:
    _, truth = sales_default
    t = truth["sales"]
    json.dumps(truth)
    for key in (
        "own_elasticity",
        "cross_elasticity",
        "competitor_elasticity",
        "unit_cost",
        "ref_price",
        "promo_lift",
        "holiday_lift",
        "trend_per_year",
        "seasonal_amplitude",
        "season_length",
        "keys",
        "hierarchy",
    ):
        assert key in t
    assert t["season_length"] == 52
    assert t["keys"] == ["region", "store", "product"]
    assert all(-3.0 <= v <= -1.2 for v in t["own_elasticity"].values())
    assert all(0.1 <= v <= 0.4 for v in t["competitor_elasticity"].values())
    assert all(0.15 <= v <= 0.35 for v in t["seasonal_amplitude"].values())
    category = t["hierarchy"]["product"]
    for product, others in t["cross_elasticity"].items():
        assert product not in others
        assert len(others) == 3
        for other, value in others.items():
            assert category[other] == category[product]
            assert 0.05 <= value <= 0.5


def test_units_scatter_around_true_log_demand(sales_default) -> None:
    sales, truth = sales_default
    mu = np.exp(true_log_demand(sales, truth))
    assert np.isfinite(mu).all()
    assert sales["units"].sum() / mu.sum() == pytest.approx(1.0, abs=0.01)
    by_product = sales.assign(mu=mu).groupby("product")[["units", "mu"]].sum()
    assert (by_product["units"] / by_product["mu"]).between(0.97, 1.03).all()


def test_true_log_demand_reflects_holidays_and_prices(sales_default) -> None:
    sales, truth = sales_default
    base = true_log_demand(sales, truth)
    dearer = sales.assign(price=sales["price"] * 1.1)
    # Raising every price by 10%: own effect plus same-category cross effects.
    t = truth["sales"]
    expected = sales["product"].map(
        lambda p: t["own_elasticity"][p] + sum(t["cross_elasticity"][p].values())
    )
    assert np.allclose(true_log_demand(dearer, truth) - base, expected * np.log(1.1))
    holiday = sales["date"].dt.strftime("%Y-%m-%d").isin(t["holiday_dates"])
    assert holiday.any()
    assert sales.loc[holiday, "date"].dt.month.isin([11, 12]).all()


def test_true_log_demand_accepts_sales_part_and_missing_cross_prices(sales_small) -> None:
    sales, truth = sales_small
    assert np.allclose(true_log_demand(sales, truth), true_log_demand(sales, truth["sales"]))
    partial = sales[sales["product"] != "P02"]
    out = true_log_demand(partial, truth)
    same_cat = partial["product"].isin(["P01", "P03", "P04"]).to_numpy()
    assert np.isnan(out[same_cat]).all()
    assert np.isfinite(out[~same_cat]).all()


def test_own_elasticity_recovered_on_small_data(sales_small) -> None:
    fit = _fit_elasticities(*sales_small)
    own = fit[fit["kind"] == "own"]
    assert own["error"].mean() < 0.1
    assert own["error"].max() < 0.3
    assert fit.loc[fit["kind"] == "promo", "estimate"].mean() == pytest.approx(0.25, abs=0.05)


def test_all_elasticities_recovered_on_default_data(sales_default) -> None:
    fit = _fit_elasticities(*sales_default)
    assert fit.loc[fit["kind"] == "own", "error"].max() < 0.1
    assert fit.loc[fit["kind"] == "cross", "error"].mean() < 0.05
    assert fit.loc[fit["kind"] == "comp", "error"].mean() < 0.05


def test_recovery_check_would_catch_a_wrong_truth(sales_small) -> None:
    sales, truth = sales_small
    wrong = json.loads(json.dumps(truth))
    wrong["sales"]["own_elasticity"] = {
        p: v + 0.5 for p, v in truth["sales"]["own_elasticity"].items()
    }
    fit = _fit_elasticities(sales, wrong)
    assert fit.loc[fit["kind"] == "own", "error"].mean() > 0.3


def test_odd_sizes_and_end_dates_work() -> None:
    sales, truth = generate_sales(
        seed=3, n_regions=1, stores_per_region=2, n_products=6, n_weeks=10, end="2026-11-19"
    )
    assert sales["date"].max() == pd.Timestamp("2026-11-16")
    assert sorted(sales.groupby("category")["product"].nunique()) == [2, 4]
    assert np.isfinite(true_log_demand(sales, truth)).all()
    with pytest.raises(LodestarError):
        generate_sales(n_weeks=0)


# --- leads ---------------------------------------------------------------------------------


def test_leads_are_deterministic_for_a_seed() -> None:
    a, ea, ta = generate_leads(seed=5, n_leads=500)
    b, eb, tb = generate_leads(seed=5, n_leads=500)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(ea, eb)
    assert ta == tb
    c, _, _ = generate_leads(seed=6, n_leads=500)
    assert not a["site_visits"].equals(c["site_visits"])


def test_leads_shape_columns_and_values(leads_default) -> None:
    leads, events, truth = leads_default
    assert list(leads.columns) == LEAD_COLUMNS
    assert list(events.columns) == EVENT_COLUMNS
    assert len(leads) == 6000
    assert leads["lead_id"].is_unique
    assert leads["lead_id"].iloc[0] == "L000001"
    assert set(leads["source"]) == {"web", "referral", "event", "paid_search", "email", "partner"}
    assert leads["industry"].nunique() == 6
    counts = list(ACTIVITY_COUNTS.values()) + ["company_size", "converted"]
    for col in counts:
        assert pd.api.types.is_integer_dtype(leads[col])
        assert (leads[col] >= 0).all()
    assert (leads["company_size"] >= 1).all()
    assert (leads["time_on_site"] >= 0).all()
    assert (leads["deal_value"] > 0).all()
    assert (leads["page_views"] >= leads["site_visits"]).all()
    assert (leads["email_clicks"] <= leads["email_opens"]).all()
    size_corr = np.corrcoef(np.log(leads["company_size"]), np.log(leads["deal_value"]))[0, 1]
    assert size_corr > 0.5
    json.dumps(truth)


def test_lead_dates_are_consistent(leads_default) -> None:
    leads, _, _ = leads_default
    end = pd.Timestamp("2026-11-16")
    created = leads["created_date"]
    assert created.max() <= end
    assert created.min() >= end - pd.Timedelta(days=730)
    assert (created.max() - created.min()).days > 600
    won = leads["converted"] == 1
    assert leads.loc[won, "conversion_date"].notna().all()
    assert leads.loc[~won, "conversion_date"].isna().all()
    assert (leads.loc[won, "conversion_date"] > created[won]).all()
    assert (leads.loc[won, "conversion_date"] <= end).all()


def test_lead_base_rate_and_oracle_auc(leads_default) -> None:
    leads, _, truth = leads_default
    t = truth["leads"]
    assert 0.15 <= leads["converted"].mean() <= 0.25
    assert t["base_rate"] == pytest.approx(leads["converted"].mean())
    prob = true_conversion_probability(leads, truth)
    assert ((prob > 0) & (prob < 1)).all()
    assert prob.mean() == pytest.approx(leads["converted"].mean(), abs=0.02)
    assert 0.75 <= roc_auc_score(leads["converted"], prob) <= 0.92
    shuffled = np.random.default_rng(0).permutation(prob)
    assert roc_auc_score(leads["converted"], shuffled) < 0.6


def test_lead_truth_describes_the_rule(leads_default) -> None:
    leads, _, truth = leads_default
    t = truth["leads"]
    for key in ("intercept", "coefficients", "transforms", "source_effect", "industry_effect"):
        assert key in t
    assert set(t["coefficients"]) == set(t["transforms"])
    assert np.allclose(
        true_conversion_probability(leads, t), true_conversion_probability(leads, truth)
    )
    more_forms = leads.assign(form_fills=leads["form_fills"] + 1)
    assert (
        true_conversion_probability(more_forms, truth) > true_conversion_probability(leads, truth)
    ).all()


def test_logistic_regression_recovers_lead_coefficients(leads_default) -> None:
    from sklearn.linear_model import LogisticRegression

    leads, _, truth = leads_default
    t = truth["leads"]
    names = list(t["transforms"])
    fns = {"identity": lambda x: x, "log1p": np.log1p, "log": np.log, "per10": lambda x: x / 10}
    numeric = np.column_stack(
        [
            fns[t["transforms"][n]["fn"]](leads[t["transforms"][n]["column"]].to_numpy(float))
            for n in names
        ]
    )
    dummies = pd.get_dummies(leads[["source", "industry"]], dtype=float)
    model = LogisticRegression(C=1e6, max_iter=5000).fit(
        np.column_stack([numeric, dummies.to_numpy()]), leads["converted"]
    )
    estimates = dict(zip(names, model.coef_[0][: len(names)], strict=True))
    errors = [abs(estimates[n] - t["coefficients"][n]) for n in names]
    assert np.mean(errors) < 0.1


def test_events_match_lead_counts_and_windows(leads_default) -> None:
    leads, events, _ = leads_default
    assert set(events["activity"]) <= set(ACTIVITY_COUNTS)
    assert pd.api.types.is_datetime64_any_dtype(events["timestamp"])
    counted = events.groupby(["lead_id", "activity"]).size().unstack(fill_value=0)
    counted = counted.reindex(index=leads["lead_id"], columns=list(ACTIVITY_COUNTS), fill_value=0)
    for activity, column in ACTIVITY_COUNTS.items():
        assert (counted[activity].to_numpy() == leads[column].to_numpy()).all(), activity
    joined = events.merge(leads[["lead_id", "created_date", "conversion_date"]], on="lead_id")
    assert (joined["timestamp"] >= joined["created_date"]).all()
    assert (joined["timestamp"] <= joined["created_date"] + pd.Timedelta(days=30)).all()
    won = joined["conversion_date"].notna()
    assert (joined.loc[won, "timestamp"] < joined.loc[won, "conversion_date"]).all()


# --- writing -------------------------------------------------------------------------------


def test_write_demo_data_writes_four_readable_files(tmp_path) -> None:
    out = tmp_path / "demo"
    paths = write_demo_data(out, seed=2, **TINY)
    assert set(paths) == {"sales", "leads", "lead_events", "truth"}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["sales.csv", "leads.csv", "lead_events.csv", "ground_truth.json"]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]
    truth = json.loads(paths["truth"].read_text())
    assert {"sales", "leads", "seed"} <= set(truth)
    sales = pd.read_csv(paths["sales"], parse_dates=["date"])
    expected, _ = generate_sales(seed=2, **{k: v for k, v in TINY.items() if k != "n_leads"})
    pd.testing.assert_frame_equal(sales, expected, check_dtype=False)
    assert np.allclose(true_log_demand(sales, truth), true_log_demand(expected, truth))
    leads = pd.read_csv(paths["leads"], parse_dates=["created_date", "conversion_date"])
    assert len(leads) == 300 and list(leads.columns) == LEAD_COLUMNS
    assert (leads["conversion_date"].isna() == (leads["converted"] == 0)).all()
    events = pd.read_csv(paths["lead_events"])
    assert list(events.columns) == EVENT_COLUMNS


def test_write_demo_data_leaves_nothing_when_a_writer_fails(tmp_path, monkeypatch) -> None:
    def boom(*_args, **_kwargs) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(demo, "_write_json", boom)
    out = tmp_path / "demo"
    with pytest.raises(OSError, match="disk full"):
        write_demo_data(out, seed=2, **TINY)
    assert list(tmp_path.iterdir()) == []


def test_write_demo_data_failure_keeps_previous_files(tmp_path, monkeypatch) -> None:
    out = tmp_path / "demo"
    write_demo_data(out, seed=2, **TINY)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = {"n": 0}
    real_write_csv = demo._write_csv

    def fail_second(frame, path) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real_write_csv(frame, path)

    monkeypatch.setattr(demo, "_write_csv", fail_second)
    with pytest.raises(OSError):
        write_demo_data(out, seed=3, **TINY)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_write_demo_data_failure_while_moving_restores_files(tmp_path, monkeypatch) -> None:
    out = tmp_path / "demo"
    write_demo_data(out, seed=2, **TINY)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_replace = demo.os.replace
    calls = {"n": 0}

    def flaky_replace(src, dst) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("device busy")
        real_replace(src, dst)

    monkeypatch.setattr(demo.os, "replace", flaky_replace)
    with pytest.raises(OSError, match="device busy"):
        write_demo_data(out, seed=3, **TINY)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_write_demo_data_rejects_unknown_sizes(tmp_path) -> None:
    with pytest.raises(LodestarError):
        write_demo_data(tmp_path / "demo", n_stores=3)
    assert list(tmp_path.iterdir()) == []


def test_written_files_pass_the_data_contracts(tmp_path) -> None:
    from engine.core.contracts.leads import validate_leads
    from engine.core.contracts.readers import read_table
    from engine.core.contracts.sales import validate_sales

    paths = write_demo_data(tmp_path / "demo", seed=4, **TINY)
    history = validate_sales(read_table(paths["sales"]))
    assert history.freq == "W"
    assert history.series_keys == ["region", "store", "product"]
    assert history.competitor_columns == ["comp_price_rival"]
    table = validate_leads(read_table(paths["leads"]), require_outcome=True)
    assert table.has_outcome and "site_visits" in table.features
