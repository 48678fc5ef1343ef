"""Pricing benchmark: elasticity recovery on generated data, and real price panels.

(a) generated data with known elasticities: error of own / cross / competitor estimates, with a
    naive peer (pooled log-log OLS on own price only, no fixed effects or cross prices);
(b) Dominick's orange juice (bayesm), sliced cheese and canned tuna: own elasticities with
    95% CIs, DML beside them, cross-price matrix (OJ), and out-of-sample RMSE of log units on
    the last 13 weeks versus the same model without price effects;
(c) what-if speed: one 50-point price sweep against 50 single what-ifs (ratio).

Run: .venv/bin/python -m bench.pricing   (writes its section of bench/RESULTS.md)
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import statsmodels.api as sm

from bench.results import write_section
from engine.core.settings import Settings
from engine.demo import generate_sales
from models.pricing import PriceSensitivityModel

HOLDOUT_WEEKS = 13
OJ_BRANDS = {
    1: "Trop Prem 64",
    2: "Trop Prem 96",
    3: "Fl Natural 64",
    4: "Trop 64",
    5: "MinuteMaid 64",
    6: "MinuteMaid 96",
    7: "Citrus Hill 64",
    8: "Tree Fresh 64",
    9: "Fl Gold 64",
    10: "Dominicks 64",
    11: "Dominicks 128",
}


def markdown(frame: pd.DataFrame, index: bool = False) -> str:
    """A GitHub markdown table (no extra dependency)."""
    if index:
        frame = frame.reset_index()
    cells = [[str(c) for c in frame.columns]]
    for row in frame.itertuples(index=False):
        cells.append(["" if (isinstance(v, float) and np.isnan(v)) else str(v) for v in row])
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    lines += ["| " + " | ".join(r) + " |" for r in cells[1:]]
    return "\n".join(lines)


def _truth(row: pd.Series, t: dict) -> float:
    if row["kind"] == "own":
        return t["own_elasticity"][row["product"]]
    if row["kind"] == "cross":
        return t["cross_elasticity"][row["product"]][row["cross_product"]]
    return t["competitor_elasticity"][row["product"]]


def naive_ols(frame: pd.DataFrame) -> float:
    """Peer: pooled log units on log own price, no fixed effects, controls or cross prices."""
    y = np.log(frame["units"].clip(lower=1).to_numpy(dtype=float))
    x = sm.add_constant(np.log(frame["price"].to_numpy(dtype=float)))
    return float(sm.OLS(y, x).fit().params[1])


def generated(seeds: tuple[int, ...] = (0, 1, 2)) -> pd.DataFrame:
    """Recovery error on generated data (24 stores x 8 products x 156 weeks per seed)."""
    rows = []
    for seed in seeds:
        sales, truth = generate_sales(
            seed, n_regions=3, stores_per_region=8, n_products=8, n_weeks=156
        )
        t = truth["sales"]
        table = PriceSensitivityModel().fit(sales).elasticities_
        table["truth"] = table.apply(_truth, axis=1, t=t)
        table["err"] = table["elasticity"] - table["truth"]
        table["covered"] = (table["lo_95"] <= table["truth"]) & (table["truth"] <= table["hi_95"])
        own = table["kind"] == "own"
        naive_err = [
            naive_ols(sales[sales["product"] == p]) - t["own_elasticity"][p]
            for p in table.loc[own, "product"]
        ]
        dml_err = (table.loc[own, "dml_elasticity"] - table.loc[own, "truth"]).abs()
        for kind in ("own", "cross", "competitor"):
            part = table[table["kind"] == kind]
            rows.append(
                {
                    "seed": seed,
                    "kind": kind,
                    "n": len(part),
                    "mae": part["err"].abs().mean(),
                    "max_abs_err": part["err"].abs().max(),
                    "ci95_coverage": part["covered"].mean(),
                    "dml_mae": dml_err.mean() if kind == "own" else np.nan,
                    "naive_ols_mae": np.mean(np.abs(naive_err)) if kind == "own" else np.nan,
                }
            )
    return pd.DataFrame(rows)


def oj_frame(folder) -> pd.DataFrame:  # noqa: ANN001 - a Path
    """Dominick's OJ in the sales contract: product = brand, own price = price{brand}."""
    raw = pd.read_csv(folder / "oj" / "oj_yx.csv.gz")
    prices = raw[[f"price{k}" for k in range(1, 12)]].to_numpy()
    own = prices[np.arange(len(raw)), raw["brand"].to_numpy() - 1]
    return pd.DataFrame(
        {
            "date": pd.Timestamp("1989-09-14") + pd.to_timedelta(7 * (raw["week"] - 1), unit="D"),
            "store": raw["store"].astype(str),
            "product": raw["brand"].map(OJ_BRANDS),
            "units": np.exp(raw["logmove"]),
            "price": own * 64,  # dollars per 64 oz
            "deal": raw["deal"],
            "feature": raw["feat"],
        }
    )


def cheese_frame(folder) -> pd.DataFrame:  # noqa: ANN001
    """Borden sliced cheese by key account; weeks are the row order within each account."""
    raw = pd.read_csv(folder / "bayesm_price" / "cheese.csv")
    week = raw.groupby("RETAILER").cumcount()
    return pd.DataFrame(
        {
            "date": pd.Timestamp("1990-01-01") + pd.to_timedelta(7 * week, unit="D"),
            "store": raw["RETAILER"],
            "product": "Borden",
            "units": raw["VOLUME"],
            "price": raw["PRICE"],
            "display": raw["DISP"],
        }
    )


def tuna_frame(folder) -> pd.DataFrame:  # noqa: ANN001
    """Dominick's canned tuna, chain level, 7 brands (one market: Newey-West errors)."""
    raw = pd.read_csv(folder / "bayesm_price" / "tuna.csv")
    parts = []
    for k in range(1, 8):
        parts.append(
            pd.DataFrame(
                {
                    "date": pd.Timestamp("1989-09-14")
                    + pd.to_timedelta(7 * (raw["WEEK"] - 1), unit="D"),
                    "product": f"tuna{k}",
                    "units": raw[f"MOVE{k}"],
                    "price": np.exp(raw[f"LPRICE{k}"]),
                    "display": raw[f"NSALE{k}"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def real_panel(name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """Own elasticities with CIs and DML, plus out-of-sample RMSE vs a no-price model."""
    frame = frame[frame["units"] > 0].reset_index(drop=True)
    model = PriceSensitivityModel(max_ci_width=3.0).fit(frame)
    dates = np.sort(frame["date"].unique())
    cut = dates[-HOLDOUT_WEEKS]
    train, test = frame[frame["date"] < cut], frame[frame["date"] >= cut]
    y = np.log(test["units"].to_numpy(dtype=float))
    with_price = PriceSensitivityModel(dml=False).fit(train).predict(test)
    no_price = PriceSensitivityModel(dml=False, include_prices=False).fit(train).predict(test)
    keys = [c for c in ("store", "product") if c in frame.columns]
    previous = frame.sort_values("date").groupby(keys)["price"].shift()
    changed = (frame.loc[test.index, "price"] != previous.loc[test.index]).to_numpy()
    rmse = lambda p, m=slice(None): float(np.sqrt(np.nanmean((y[m] - p[m]) ** 2)))  # noqa: E731
    scores = {
        "data": name,
        "rows": len(frame),
        "holdout_rows": len(test),
        "rmse_model": rmse(with_price),
        "rmse_no_price": rmse(no_price),
        "rmse_model_price_changed": rmse(with_price, changed),
        "rmse_no_price_price_changed": rmse(no_price, changed),
        "naive_ols_all": naive_ols(frame),
    }
    table = model.elasticities_.assign(data=name)
    return table, scores


def speed(seed: int = 0) -> dict[str, float]:
    """Seconds ratio: 50 single what-ifs vs one vectorised 50-point sweep."""
    from engine.pricing.scenario import parse_scenario
    from engine.pricing.simulator import simulate, sweep
    from models.forecasting.forecast_set import ForecastSet
    from models.pricing import PricingSet

    sales, _ = generate_sales(seed, n_regions=3, stores_per_region=8, n_products=12, n_weeks=120)
    keys = ["region", "store", "product"]
    model = PriceSensitivityModel(dml=False).fit(sales)
    last = sales.sort_values("date").groupby(keys).tail(1)
    pricing = PricingSet(model, last[[*keys, "category", "price", "cost"]], keys)
    index = last[[*keys, "category"]].sort_values(keys).reset_index(drop=True)
    rng = np.random.default_rng(0)
    h, n_paths = 52, 500
    mean = rng.uniform(50, 150, (len(index), h))
    baseline = ForecastSet(
        index,
        keys,
        "W",
        pd.date_range("2026-11-23", periods=h, freq="7D"),
        mean,
        mean[:, None, :] * rng.lognormal(0, 0.1, (len(index), n_paths, h)),
        pd.DatetimeIndex([]),
        np.zeros((len(index), 0)),
    )
    points = np.linspace(-20, 20, 50)
    t0 = time.perf_counter()
    sweep(baseline, pricing, {"product": ["P01"]}, points)
    t_sweep = time.perf_counter() - t0
    t0 = time.perf_counter()
    for pct in points:
        change = {"price_changes": [{"product": "P01", "percent": float(pct)}]}
        simulate(baseline, pricing, parse_scenario(change))
    t_loop = time.perf_counter() - t0
    return {
        "series": len(index),
        "weeks": h,
        "paths": n_paths,
        "loop_over_sweep": t_loop / t_sweep,
        "single_whatif_over_sweep": t_loop / 50 / t_sweep,
    }


def headline_table(own: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """One row per real panel: own elasticities, DML, naive peer, out-of-sample vs no price."""
    rows = []
    for name, part in own.groupby("data", sort=False):
        score = scores.set_index("data").loc[name]
        rows.append(
            {
                "data": name,
                "products": len(part),
                "own < 0": f"{int((part['elasticity'] < 0).sum())}/{len(part)}",
                "own median [min, max]": f"{part['elasticity'].median():.2f} "
                f"[{part['elasticity'].min():.2f}, {part['elasticity'].max():.2f}]",
                "DML median [min, max]": f"{part['dml_elasticity'].median():.2f} "
                f"[{part['dml_elasticity'].min():.2f}, {part['dml_elasticity'].max():.2f}]",
                "naive pooled OLS": round(float(score["naive_ols_all"]), 2),
                "OOS RMSE log units": round(float(score["rmse_model"]), 4),
                "no-price peer": round(float(score["rmse_no_price"]), 4),
                "beats peer": bool(score["rmse_model"] < score["rmse_no_price"]),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    pd.set_option("display.width", 200)
    parts = ["### (a) Generated data: recovered elasticities vs truth\n"]
    gen = generated()
    parts.append(markdown(gen.round(3)))
    summary = gen.groupby("kind")[["mae", "max_abs_err", "ci95_coverage"]].mean().round(3)
    print(gen.round(3).to_string(index=False))

    folder = Settings().data_dir
    if not folder.is_absolute():
        folder = (pd.io.common.Path(__file__).resolve().parent.parent / folder).resolve()
    panels = []
    if (folder / "oj").is_dir():
        panels.append(("OJ", oj_frame(folder)))
    if (folder / "bayesm_price").is_dir():
        panels += [("cheese", cheese_frame(folder)), ("tuna", tuna_frame(folder))]
    tables, scores = [], []
    for name, frame in panels:
        t0 = time.perf_counter()
        table, score = real_panel(name, frame)
        score["fit_seconds"] = time.perf_counter() - t0
        tables.append(table)
        scores.append(score)
        print(f"{name}: done in {score['fit_seconds']:.1f}s")
    if tables:
        all_tables = pd.concat(tables, ignore_index=True)
        own = all_tables[all_tables["kind"] == "own"]
        cols = ["data", "product", "elasticity", "lo_95", "hi_95", "raw_elasticity"]
        cols += ["dml_elasticity", "dml_lo_95", "dml_hi_95", "confounded", "plausible", "n_obs"]
        parts.append("\n### (b) Real panels: own elasticities (95% CI), DML beside them\n")
        parts.append(markdown(own[cols].round(2)))
        print(own[cols].round(2).to_string(index=False))
        oj = all_tables[(all_tables["data"] == "OJ") & (all_tables["kind"] != "competitor")]
        if not oj.empty:
            matrix = oj.assign(col=oj["cross_product"].fillna(oj["product"])).pivot(
                index="product", columns="col", values="elasticity"
            )
            matrix = matrix.loc[list(OJ_BRANDS.values()), list(OJ_BRANDS.values())]
            cross = oj[oj["kind"] == "cross"]
            parts.append(
                "\n**OJ cross-price matrix** (row: demand of, column: price of; diagonal = own):\n"
            )
            parts.append(markdown(matrix.round(2), index=True))
            parts.append(
                f"\nCross effects positive: {(cross['elasticity'] > 0).mean():.0%}; "
                f"positive with CI above 0: {(cross['lo_95'] > 0).mean():.0%}; "
                f"negative with CI below 0: {(cross['hi_95'] < 0).mean():.0%}."
            )
            print(matrix.round(2).to_string())
        score_frame = pd.DataFrame(scores)
        headline = headline_table(own, score_frame)
        parts.insert(0, "### Headline (real panels)\n\n" + markdown(headline) + "\n")
        print(headline.to_string(index=False))
        parts.append("\n### (b) Out-of-sample log units, last 13 weeks (peer: no price effect)\n")
        parts.append(markdown(score_frame.round(4)))
        print(score_frame.round(4).to_string(index=False))
    speed_row = speed()
    parts.append("\n### (c) What-if speed (ratio, same run)\n")
    parts.append(markdown(pd.DataFrame([speed_row]).round(1)))
    print(speed_row)
    parts.append("\nGenerated-data summary by kind (mean over seeds):\n")
    parts.append(markdown(summary, index=True))
    write_section("pricing", "\n".join(parts))


if __name__ == "__main__":
    main()
