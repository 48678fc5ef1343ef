"""Forecast accuracy on real data against peers run in the same script.

Dominick's orange juice: (a) the TSPerf protocol (12 rounds, 2 weeks after a 1-week gap, future
prices/deal/feature known, MAPE) against the published board; (b) one quarter ahead (1992Q3, then
1992Q1 and 1992Q2 in turn, scored from what `lodestar forecast` writes) against seasonal naive
and statsforecast AutoETS/AutoTheta. M3 yearly, quarterly and monthly: official split,
sMAPE/MASE against statsforecast AutoETS/AutoTheta and published Theta (recomputed from Mcomp's
M3Forecast on the same series). Run: .venv/bin/python -m bench.forecast_accuracy (2 cores).
While iterating: --parts oj_quarter,m3_quarterly runs only those parts and leaves RESULTS.md
alone (unless --write); --sample N scores M3 on a random sample of N series per part (seed 0)
when the machine is busy.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from bench.results import write_section
from engine.core.contracts import read_table, validate_sales
from engine.core.intervals import BAND_COLUMNS
from engine.core.panel import Panel, to_panel
from engine.core.settings import get_settings
from engine.forecasting.metrics import (
    coverage,
    mape,
    mase_per_series,
    mase_scale,
    smape_per_series,
    wape,
)
from models.forecasting import GlobalGBM, SeasonalNaive
from models.forecasting.local import clean_series

OJ_WEEK1 = pd.Timestamp("1989-09-14")
PUBLISHED_TSPERF = {
    "LightGBM": 36.28,
    "DilatedCNN": 37.09,
    "ETS": 70.99,
    "AutoARIMA": 70.80,
    "naive": 109.67,
}
N_JOBS = 2
OJ_KEYS = ["store", "brand"]
OJ_HELD_OUT = "1992Q3"
"""The quarter held out: calendar 1992Q3, 13 weekly dates (Jul 2 - Sep 24), the last whole
quarter in the data. Training ends with the week before it; later weeks are not used."""
OJ_EARLIER = ("1992Q1", "1992Q2")
"""Earlier quarters held out the same way (training ends before each), so a quarter total's
error and coverage are judged on more than one quarter's common shock."""


def oj_frame() -> pd.DataFrame:
    """913 store x brand weekly series with own price, rivals' mean price, deal and feature."""
    raw = pd.read_csv(get_settings().data_dir / "oj" / "oj_yx.csv.gz")
    prices = raw[[f"price{b}" for b in range(1, 12)]].to_numpy()
    own = prices[np.arange(len(raw)), raw["brand"].to_numpy() - 1]
    others = (prices.sum(axis=1) - own) / 10
    return pd.DataFrame(
        {
            "date": OJ_WEEK1 + pd.to_timedelta((raw["week"] - 1) * 7, unit="D"),
            "store": raw["store"].astype(str).str.zfill(3),
            "brand": raw["brand"].astype(str).str.zfill(2),
            "units": np.exp(raw["logmove"]),
            "price": own,
            "deal": raw["deal"],
            "feature": raw["feat"].clip(0, 1),
            "comp_price_others": others,
        }
    )


def oj_panel() -> Panel:
    """The OJ series as one panel (TSPerf rounds)."""
    return to_panel(validate_sales(oj_frame(), keys=OJ_KEYS))


TSPERF_MEDIAN = "Lodestar GlobalGBM, L1 (median)"
TSPERF_CHOSEN = "Lodestar GlobalGBM, quantile chosen before the first cut-off"
TSPERF_QUANTILES = (0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2)
"""Quantile levels the MAPE-targeted model chooses from, the median down to 0.2 in steps of 0.05:
the MAPE-optimal point sits below the median (the median of units weighted by 1/units)."""
TSPERF_PSEUDO_CUTS = (126, 128, 130, 132)
"""Pseudo-rounds for that choice: train through these weeks, score weeks +2 and +3. The last one
scores weeks 134-135, so nothing after round 1's cut-off (week 135) is seen."""


def tsperf_round(panel: Panel, week: int, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Train through `week`, forecast weeks +2 and +3 with known drivers: (actual, forecast)."""
    first_week = int((panel.dates[0] - OJ_WEEK1).days / 7) + 1
    cut = week - first_week + 1
    model = GlobalGBM(n_jobs=N_JOBS, **params).fit(panel.head(cut))
    forecast = model.predict(3, panel.exog_slice(cut, cut + 3))[:, 1:]
    return panel.values[:, cut + 1 : cut + 3], forecast


def choose_quantile(panel: Panel) -> tuple[float, dict[float, float]]:
    """The quantile level with the lowest MAPE over the pseudo-rounds, and every level's MAPE."""
    scores = {}
    for alpha in TSPERF_QUANTILES:
        rounds = [
            tsperf_round(panel, week, {"objective": "quantile", "alpha": alpha})
            for week in TSPERF_PSEUDO_CUTS
        ]
        actual = np.concatenate([a for a, _ in rounds], axis=1)
        scores[alpha] = mape(actual, np.concatenate([f for _, f in rounds], axis=1))
    return min(scores, key=lambda alpha: scores[alpha]), scores


def oj_tsperf(panel: Panel) -> tuple[list[dict], dict[float, float]]:
    """12 rounds: train through week 135+2r, forecast weeks +2 and +3 with known drivers.

    The median model makes no choice. The MAPE-targeted one takes the quantile level that did
    best on pseudo-rounds ending before the first round's cut-off (the choice's time is counted).
    """
    t0 = time.time()
    alpha, scores = choose_quantile(panel)
    choice_seconds = time.time() - t0
    models = {
        TSPERF_MEDIAN: {"objective": "quantile", "alpha": 0.5},
        TSPERF_CHOSEN: {"objective": "quantile", "alpha": alpha},
    }
    names = [*models, "naive (last value)"]
    seconds = dict.fromkeys(names, 0.0)
    seconds[TSPERF_CHOSEN] = choice_seconds
    actual_all, fc_all = [], {k: [] for k in names}
    first_week = int((panel.dates[0] - OJ_WEEK1).days / 7) + 1
    for r in range(12):
        week = 135 + 2 * r
        for name, params in models.items():
            t0 = time.time()
            actual, forecast = tsperf_round(panel, week, params)
            fc_all[name].append(forecast)
            seconds[name] += time.time() - t0
        actual_all.append(actual)
        train = panel.head(week - first_week + 1)
        last = np.array([clean_series(v)[-1] if np.isfinite(v).any() else 0 for v in train.values])
        fc_all["naive (last value)"].append(np.repeat(last[:, None], 2, axis=1))
    actual = np.concatenate(actual_all, axis=1)
    out = []
    for name in names:
        fc = np.concatenate(fc_all[name], axis=1)
        label = f"{name} ({alpha})" if name == TSPERF_CHOSEN else name
        out.append(
            {
                "model": label,
                "MAPE %": mape(actual, fc),
                "run in script": "yes",
                "fit+predict s (12 rounds)": seconds[name],
            }
        )
    for name, value in PUBLISHED_TSPERF.items():
        out.append(
            {
                "model": f"{name} (published)",
                "MAPE %": value,
                "run in script": "no",
                "fit+predict s (12 rounds)": np.nan,
            }
        )
    return out, scores


def statsforecast_peers(
    values: np.ndarray, season: int, horizon: int, levels: bool = True
) -> dict[str, tuple[np.ndarray, dict, float]]:
    """AutoETS and AutoTheta from statsforecast on each cleaned series (2 workers)."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, AutoTheta

    series = [clean_series(v) for v in values]
    long = pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(len(series)), [len(s) for s in series]),
            "ds": np.concatenate([np.arange(len(s)) for s in series]),
            "y": np.concatenate(series),
        }
    )
    out = {}
    for name, model in {
        "AutoETS": AutoETS(season_length=season),
        "AutoTheta": AutoTheta(season_length=season),
    }.items():
        t0 = time.time()
        sf = StatsForecast(models=[model], freq=1, n_jobs=N_JOBS)
        fc = sf.forecast(df=long, h=horizon, level=[80, 95] if levels else None)
        fc = fc.sort_values(["unique_id", "ds"])
        col = [c for c in fc.columns if c not in ("unique_id", "ds")][0]
        mean = fc[col].to_numpy().reshape(len(series), horizon)
        bands = {}
        if levels:
            for lv in ("80", "95"):
                bands[lv] = (
                    fc[f"{col}-lo-{lv}"].to_numpy().reshape(len(series), horizon),
                    fc[f"{col}-hi-{lv}"].to_numpy().reshape(len(series), horizon),
                )
        out[name] = (np.clip(mean, 0, None), bands, time.time() - t0)
    return out


def oj_quarter(label: str = OJ_HELD_OUT, peers: bool = True) -> list[dict]:
    """One calendar quarter held out; `lodestar forecast` (default setting) vs seasonal naive
    and (peers) statsforecast AutoETS and AutoTheta. Lodestar's weekly figures are scored from
    the CSV the command writes, its quarter totals and their bands from the CSV `--by-quarter`
    writes, by series and date or quarter."""
    frame = oj_frame()
    period = pd.Period(label, freq="Q")
    start, end = period.start_time, period.end_time
    train_rows = frame[frame["date"] < start]
    held_out = frame[(frame["date"] >= start) & (frame["date"] <= end)]
    train = to_panel(validate_sales(train_rows, keys=OJ_KEYS))
    dates = pd.date_range(start=train.dates[-1] + pd.Timedelta(weeks=1), periods=13, freq="7D")
    h = len(dates)
    ids = pd.MultiIndex.from_frame(train.index[OJ_KEYS])
    actual = by_series_and_date(held_out, "units", ids, dates)
    scale = mase_scale(train.values, 52)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "oj_train.csv"
        train_rows.to_csv(path, index=False)
        args = ["--keys", ",".join(OJ_KEYS), "--freq", "W", "--horizon", str(h)]
        args += ["--n-jobs", str(N_JOBS)]
        weekly, secs = lodestar_forecast(path, args, folder)
        got = {c: by_series_and_date(weekly, c, ids, dates) for c in BAND_COLUMNS}
        quarter, _ = lodestar_forecast(path, [*args, "--by-quarter"], folder)
    total = quarter[quarter["quarter"] == label].set_index(OJ_KEYS).reindex(ids)
    bands = {lv: (got[f"lo_{lv}"], got[f"hi_{lv}"]) for lv in ("80", "95")}
    qbands = {lv: (total[f"lo_{lv}"].to_numpy(), total[f"hi_{lv}"].to_numpy()) for lv in bands}
    results[OJ_OURS] = (got["mean"], bands, secs, qbands, total["mean"].to_numpy())
    t0 = time.time()
    sn = SeasonalNaive()
    sn.fit(train)
    results["seasonal naive"] = (sn.predict(h), {}, time.time() - t0, {}, None)
    if peers:
        for peer, (mean, b, seconds) in statsforecast_peers(train.values, 52, h).items():
            results[f"statsforecast {peer}"] = (mean, b, seconds, {}, None)
    rows = []
    complete = ~np.isnan(actual).any(axis=1)
    q_actual = np.where(complete, actual.sum(axis=1), np.nan)
    for name, (mean, b, secs, qbands, q_mean) in results.items():
        q_fc = mean.sum(axis=1) if q_mean is None else q_mean
        row = {
            "quarter": label,
            "model": name,
            "WAPE weekly": wape(actual, mean),
            "MASE weekly": float(np.nanmean(mase_per_series(actual, mean, scale))),
            "WAPE quarter total": wape(q_actual, q_fc),
            "MASE quarter total": float(np.nanmean(np.abs(q_actual - q_fc) / (scale * h))),
            "cov 80": coverage(actual, *b["80"]) if b else np.nan,
            "cov 95": coverage(actual, *b["95"]) if b else np.nan,
            "quarter cov 80": coverage(q_actual, *qbands["80"]) if qbands else np.nan,
            "quarter cov 95": coverage(q_actual, *qbands["95"]) if qbands else np.nan,
            "fit+predict s": secs,
        }
        rows.append(row)
    return rows


def by_series_and_date(
    table: pd.DataFrame, column: str, ids: pd.MultiIndex, dates: pd.DatetimeIndex
) -> np.ndarray:
    """One column of a long table (keys, date, ...) as series x date, NaN where absent."""
    keyed = table.assign(date=pd.to_datetime(table["date"])).set_index([*ids.names, "date"])
    wide = keyed[column].unstack("date")
    return wide.reindex(index=ids, columns=dates).to_numpy(float)


M3_KINDS = {"yearly": ("Y", 12, 1), "quarterly": ("Q", 3, 4), "monthly": ("M", 1, 12)}
"""frequency, months per period, season length."""
M3_SELECTIONS = {
    "Lodestar (selected)": "theta,ets_auto,auto_ets,auto_ces,dotm,ensemble",
    "Lodestar (cheap: no AutoETS)": "theta,ets_auto,auto_ces,dotm,ensemble",
    "Lodestar (SCUM median only)": "auto_ets,auto_ces,dotm,scum",
    "Lodestar (standard: the default)": "standard",
}
"""Candidate sets run on M3 (3 rolling windows of the test horizon). AutoARIMA is left out: at
about 0.3 s per series and fit it alone costs several times the whole AutoETS peer."""
M3_WINDOWS = 3
M3_OURS = "Lodestar (standard: the default)"
"""The row the ratio to the best peer is taken for: what a user gets without --models."""


def m3_rows(kind: str, sample: int = 0) -> pd.DataFrame:
    """The official M3 rows of one kind (train and test); sample > 0 keeps a random sample of
    that many series (numpy seed 0, sorted ids)."""
    raw = pd.read_csv(get_settings().data_dir / "m3" / f"m3_{kind}.csv.gz", parse_dates=["date"])
    ids = sorted(raw["series"].unique())
    if sample and sample < len(ids):
        pick = np.sort(np.random.default_rng(0).choice(len(ids), sample, replace=False))
        raw = raw[raw["series"].isin([ids[i] for i in pick])]
    return raw


def m3_panel(kind: str, raw: pd.DataFrame) -> tuple[Panel, np.ndarray, int, list[str]]:
    """Train series right-aligned on one grid, the test values and the series ids."""
    ids = sorted(raw["series"].unique())
    train = raw[raw["split"] == "train"]
    test = raw[raw["split"] == "test"]
    lengths = train.groupby("series").size().reindex(ids).to_numpy()
    h = int(test.groupby("series").size().max())
    n_max = int(lengths.max())
    values = np.full((len(ids), n_max), np.nan)
    for i, (_, grp) in enumerate(train.groupby("series", sort=True)):
        y = grp["units"].to_numpy(float)
        values[i, n_max - len(y) :] = y
    actual = np.full((len(ids), h), np.nan)
    for i, (_, grp) in enumerate(test.groupby("series", sort=True)):
        actual[i, : len(grp)] = grp["units"].to_numpy(float)
    freq, step, _ = M3_KINDS[kind]
    dates = pd.date_range(end="2000-12-01", periods=n_max, freq=f"{step}MS")
    cats = train.groupby("series")["category"].first().reindex(ids)
    index = pd.DataFrame({"series": ids, "category": cats.to_numpy()})
    return Panel(index, pd.DatetimeIndex(dates), values, freq), actual, h, ids


def published(ids: list[str], h: int, method: str = "THETA") -> np.ndarray:
    """A published M3 method's forecasts for these series (Mcomp's M3Forecast)."""
    path = get_settings().data_dir / "m3_published" / "m3_published_forecasts.csv.gz"
    table = pd.read_csv(path)
    rows = table[table["method"] == method].set_index("series").reindex(ids)
    return rows[[f"h{k + 1}" for k in range(h)]].to_numpy(float)


def m3_files(kind: str, raw: pd.DataFrame, folder: Path) -> tuple[Path, pd.DataFrame]:
    """The training file a user would hand `lodestar forecast` (series, date, units), and the
    official test rows (series, date, units) to score its output against, by date."""
    path = folder / f"m3_{kind}_train.csv"
    raw.loc[raw["split"] == "train", ["series", "date", "units"]].to_csv(path, index=False)
    return path, raw.loc[raw["split"] == "test", ["series", "date", "units"]]


def lodestar_forecast(path: Path, args: list[str], folder: Path) -> tuple[pd.DataFrame, float]:
    """`lodestar forecast --data PATH ARGS` run as a user runs it (its own process): the CSV it
    writes and the command's wall time in seconds."""
    out = folder / f"forecast_{len(list(folder.glob('forecast_*.csv')))}.csv"
    command = [sys.executable, "-m", "training.cli", "forecast", "--data", str(path), *args]
    command += ["--out", str(out)]
    env = {**os.environ, "LODESTAR_HOME": str(folder / "home")}
    t0 = time.time()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.time() - t0
    if done.returncode != 0:
        raise RuntimeError(f"lodestar forecast failed ({done.returncode}): {done.stderr[-2000:]}")
    table = read_table(out)  # as Lodestar reads a file: codes such as store '002' stay text
    if "date" in table:
        table["date"] = pd.to_datetime(table["date"])
    return table, seconds


def m3_forecast_args(kind: str, h: int, selection: str) -> list[str]:
    """The M3 run's options: backtest windows forecast the whole test horizon
    (`--window-horizon`), as the M3 rules ask of a forecast that far ahead."""
    args = ["--keys", "series", "--freq", M3_KINDS[kind][0], "--horizon", str(h)]
    args += ["--models", selection, "--windows", str(M3_WINDOWS), "--window-horizon", str(h)]
    return [*args, "--n-jobs", str(N_JOBS)]


def scored_by_date(table: pd.DataFrame, test: pd.DataFrame, ids: list[str], h: int) -> dict:
    """The output's mean and bands on each official test date (series x step arrays)."""
    merged = test.merge(table, on=["series", "date"], how="left", suffixes=("", "_fc"))
    if merged["mean"].isna().any():
        missing = merged.loc[merged["mean"].isna(), ["series", "date"]].head(3)
        raise RuntimeError(f"lodestar forecast left test dates unforecast: {missing.to_dict()}")
    merged = merged.sort_values(["series", "date"])
    merged["step"] = merged.groupby("series").cumcount()
    return {
        column: merged.pivot(index="series", columns="step", values=column)
        .reindex(index=ids, columns=range(h))
        .to_numpy(float)
        for column in ("mean", "lo_95", "lo_80", "hi_80", "hi_95")
    }


def m3(kind: str, sample: int = 0) -> list[dict]:
    """Lodestar vs statsforecast AutoETS/AutoTheta vs published Theta on the official split.

    Lodestar's rows are scored from the CSV `lodestar forecast` writes, matched to the test
    values by series and date; its time is the whole command's wall time, start-up included.
    """
    raw = m3_rows(kind, sample)
    panel, actual, h, ids = m3_panel(kind, raw)
    season = M3_KINDS[kind][2]
    scale = mase_scale(panel.values, season)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path, test = m3_files(kind, raw, folder)
        for name, selection in M3_SELECTIONS.items():
            table, secs = lodestar_forecast(path, m3_forecast_args(kind, h, selection), folder)
            got = scored_by_date(table, test, ids, h)
            row = _m3_row(name, actual, got["mean"], scale, secs)
            row["cov 80"] = coverage(actual, got["lo_80"], got["hi_80"])
            row["cov 95"] = coverage(actual, got["lo_95"], got["hi_95"])
            rows.append(row)
            print(kind, name, f"{secs:.0f}s", flush=True)
    for name, (mean, bands, secs) in statsforecast_peers(panel.values, season, h).items():
        row = _m3_row(f"statsforecast {name}", actual, mean, scale, secs)
        row["cov 80"] = coverage(actual, *bands["80"])
        row["cov 95"] = coverage(actual, *bands["95"])
        rows.append(row)
    rows.append(_m3_row("Theta (published, same series)", actual, published(ids, h), scale, np.nan))
    return rows


def _m3_row(name: str, actual: np.ndarray, mean: np.ndarray, scale: np.ndarray, secs: float):
    """sMAPE and MASE of one forecast, M3 style (means over series)."""
    return {
        "model": name,
        "sMAPE": float(np.nanmean(smape_per_series(actual, mean))),
        "MASE": float(np.nanmean(mase_per_series(actual, mean, scale))),
        "fit+predict s": secs,
    }


def with_ratios(rows: list[dict], ours: str, lower_better: list[str]) -> pd.DataFrame:
    """Table plus one row of Lodestar / best statsforecast peer for each metric."""
    table = pd.DataFrame(rows)
    peers = table[table["model"].str.startswith("statsforecast")]
    ratio = {"model": "ratio Lodestar / best peer"}
    mine = table[table["model"] == ours].iloc[0]
    for col in lower_better:
        best = peers[col].dropna().min() if col in peers else np.nan
        ratio[col] = mine[col] / best if best and np.isfinite(best) else np.nan
    return pd.concat([table, pd.DataFrame([ratio])], ignore_index=True)


def markdown(table: pd.DataFrame, fmt: str = ".3f") -> str:
    """A pipe table without extra dependencies."""

    def cell(value: object) -> str:
        if isinstance(value, float | np.floating):
            return "" if not np.isfinite(value) else format(value, fmt)
        return str(value)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


PARTS = ("tsperf", "oj_quarter", "m3_yearly", "m3_quarterly", "m3_monthly")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma list of {PARTS}")
    parser.add_argument(
        "--sample", type=int, default=0, help="M3: a random sample of this many series per part"
    )
    parser.add_argument(
        "--write", action="store_true", help="write RESULTS.md even when only some parts ran"
    )
    args = parser.parse_args()
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part {unknown[0]} (choose from {', '.join(PARTS)})")
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sections = []
    start = time.time()
    if "tsperf" in parts:
        sections.append(tsperf_section(oj_panel()))
    if "oj_quarter" in parts:
        sections.append(oj_quarter_section())
    for kind in M3_KINDS:
        if f"m3_{kind}" in parts:
            cols = ["sMAPE", "MASE", "fit+predict s"]
            mt = with_ratios(m3(kind, args.sample), M3_OURS, cols)
            n = f"random sample of {args.sample} series (seed 0)" if args.sample else "all series"
            text = f"### M3 {kind} (official split, {n})\n\n" + markdown(mt)
            print(text, flush=True)
            sections.append(text)
    if set(parts) != set(PARTS) and not args.write:
        return
    sections.append(f"Total benchmark wall time: {time.time() - start:.0f}s on 2 workers.")
    write_section("forecast_accuracy", "\n\n".join(sections))


def tsperf_section(panel: Panel) -> str:
    """The TSPerf table with ratios to the published best, and how the quantile was chosen."""
    rows, scores = oj_tsperf(panel)
    t = pd.DataFrame(rows)
    best_pub = min(PUBLISHED_TSPERF.values())
    ours = [row["model"] for row in rows if row["model"].startswith("Lodestar")]
    ratios = "; ".join(
        f"{name}: {t.loc[t['model'] == name, 'MAPE %'].iloc[0] / best_pub:.3f}" for name in ours
    )
    weeks = ", ".join(str(w) for w in TSPERF_PSEUDO_CUTS)
    choice = ", ".join(f"{alpha}: {value:.2f}" for alpha, value in scores.items())
    text = (
        "### OJ, TSPerf protocol (913 series, 12 rounds, MAPE %)\n\n"
        f"{markdown(t, '.2f')}\n\nRatio to the published best ({best_pub}): {ratios}\n\n"
        f"Quantile choice (MAPE % on pseudo-rounds trained through weeks {weeks}, scoring "
        f"weeks +2 and +3; all before the first round's cut-off, week 135): {choice}"
    )
    print(text, flush=True)
    return text


def oj_quarter_section() -> str:
    """The one-quarter-ahead table with ratios to the best statsforecast peer."""
    q = oj_quarter()
    cols = [
        "WAPE weekly",
        "MASE weekly",
        "WAPE quarter total",
        "MASE quarter total",
        "fit+predict s",
    ]
    qt = with_ratios(q, OJ_OURS, cols).drop(columns="quarter")
    text = (
        f"### OJ, one quarter ahead ({OJ_HELD_OUT} held out, prices held at last level; "
        "Lodestar scored from `lodestar forecast`'s CSVs)\n\n" + markdown(qt)
    )
    earlier = [row for label in OJ_EARLIER for row in oj_quarter(label, peers=False)]
    every = pd.DataFrame([*earlier, *q])
    every = every[every["model"].isin([OJ_OURS, "seasonal naive"])]
    mean = every.groupby("model", sort=False).mean(numeric_only=True).reset_index()
    mean.insert(0, "quarter", "mean of the three")
    shown = ["quarter", "model", *cols[::2], "cov 80", "cov 95", "quarter cov 80"]
    shown += ["quarter cov 95"]
    table = pd.concat([every, mean], ignore_index=True)[shown]
    text += (
        f"\n\n### OJ, one quarter ahead, each of {', '.join([*OJ_EARLIER, OJ_HELD_OUT])} held "
        "out in turn (Lodestar vs seasonal naive)\n\n" + markdown(table)
    )
    print(text, flush=True)
    return text


OJ_OURS = "Lodestar (standard: the default)"


if __name__ == "__main__":
    main()
