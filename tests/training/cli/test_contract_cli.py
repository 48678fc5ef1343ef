"""Issue 10 items 1, 2, 12 and 13 as a user meets them on the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.core.contracts import Findings
from engine.core.settings import Settings
from engine.registry.store import ModelStore
from tests.training.cli_runs import run_cli
from training.forecasting.job import train_forecast


def write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def pizza(weeks: int = 60, last: float = 442.0, seed: int = 0) -> pd.DataFrame:
    """Weekly sales of one shop around 2,000 units; the last week has 4 of its 7 days."""
    rng = np.random.default_rng(seed)
    units = np.round(2000 * np.exp(rng.normal(0, 0.08, weeks)))
    units[-1] = last
    dates = pd.date_range("2015-01-05", periods=weeks, freq="W-MON")
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "shop": "pizza", "units": units})


def test_item1_data_check_prints_the_date_format_and_reads_day_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pizza(52, last=2000.0)
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%d/%m/%Y")
    path = write(frame.rename(columns={"date": "Week", "units": "Qty"}), tmp_path / "s.csv")
    code, out, _ = run_cli(
        ["data", "check", "--data", str(path), "--columns", "date=Week,units=Qty"], capsys
    )
    assert code == 0
    assert "2015-01-05 to 2015-12-28" in out and "dates read as %d/%m/%Y" in out


def test_item1_ambiguous_dates_exit_2_until_the_format_is_stated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    months = pd.date_range("2015-01-01", periods=24, freq="MS")
    frame = pd.DataFrame({"date": months.strftime("%d/%m/%Y"), "shop": "a", "units": 5.0})
    path = write(frame, tmp_path / "m.csv")
    code, out, err = run_cli(["data", "check", "--data", str(path)], capsys)
    assert code == 2 and out == ""
    assert (
        err.startswith("error [date]: column 'date' has ambiguous dates") and err.count("\n") == 1
    )
    code, out, _ = run_cli(
        ["data", "check", "--data", str(path), "--date-format", "%d/%m/%Y"], capsys
    )
    assert code == 0 and "frequency M, 2015-01-01 to 2016-12-01" in out
    forecast = ["forecast", "--data", str(path), "--horizon", "3", "--models", "baseline"]
    code, _, err = run_cli([*forecast, "--out", str(tmp_path / "f.csv")], capsys)
    assert code == 2 and "[date]" in err
    code, _, _ = run_cli(
        [*forecast, "--out", str(tmp_path / "f.csv"), "--date-format", "%d/%m/%Y"], capsys
    )
    assert code == 0
    assert pd.read_csv(tmp_path / "f.csv")["date"].tolist() == [
        "2017-01-01",
        "2017-02-01",
        "2017-03-01",
    ]


def test_item2_data_check_names_partial_period_gaps_and_short_series(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = pizza()
    gappy = base.assign(shop="corner").drop(index=[10, 11])
    new = base.assign(shop="new", units=300.0).iloc[-3:]
    path = write(pd.concat([base, gappy, new]), tmp_path / "s.csv")
    code, out, _ = run_cli(["data", "check", "--data", str(path)], capsys)
    assert code == 0
    notes = [line for line in out.splitlines() if line.startswith("note")]
    assert [n.split("]")[0] for n in notes] == [
        "note [partial_last_period",
        "note [gaps",
        "note [short_series",
    ]
    assert "2016-02-22" in notes[0]
    assert "corner (2 of 60 missing)" in notes[1] and "new (3 periods)" in notes[2]
    code, out, _ = run_cli(
        ["data", "check", "--data", str(path), "--last-period", "complete"], capsys
    )
    assert "partial_last_period" not in out


def test_item2_forecast_drops_a_partial_last_week_and_covers_the_same_dates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the partial week: exactly the forecast of the complete weeks, one period longer."""
    data = pizza()
    partial = write(data, tmp_path / "partial.csv")
    complete = write(data.iloc[:-1], tmp_path / "complete.csv")
    args = ["forecast", "--models", "fast", "--horizon"]
    code, out, _ = run_cli(
        [*args, "13", "--data", str(partial), "--out", str(tmp_path / "p.csv")], capsys
    )
    assert code == 0 and "note [partial_last_period]" in out
    run_cli([*args, "14", "--data", str(complete), "--out", str(tmp_path / "c.csv")], capsys)
    got, want = pd.read_csv(tmp_path / "p.csv"), pd.read_csv(tmp_path / "c.csv")
    pd.testing.assert_frame_equal(got, want)
    assert got["date"].iloc[0] == "2016-02-22" and got["date"].iloc[-1] == "2016-05-23"
    recent = data["units"].iloc[-9:-1].median()
    assert got["mean"].iloc[1:14].mean() > 0.85 * recent  # not dragged toward 442


def test_item2_training_job_reports_and_logs_findings(tmp_path: Path, store: ModelStore) -> None:
    frame = pd.concat([pizza(), pizza().assign(shop="new").iloc[-2:]], ignore_index=True)
    path = write(frame, tmp_path / "s.csv")
    seen: list[Findings] = []
    result = train_forecast(store, path, selection="baseline", n_windows=1, report=seen.append)
    assert [f.kind for f in seen[0]] == ["keys", "partial_last_period", "short_series"]
    params = store.client.get_run(result.run_id).data.params
    assert params["findings"] == "keys,partial_last_period,short_series"
    assert params["last_period"].startswith("partial 2016-02-22: dropped")
    assert params["key_reasons"] == "shop (text column, a key by default)"
    assert params["date_format"] == "ISO8601"
    table = pd.read_csv(store.client.download_artifacts(result.run_id, "data/findings.csv"))
    assert table["kind"].tolist() == ["keys", "partial_last_period", "short_series"]
    assert table.loc[2, "series"] == "new"
    _, forecast_set = store.load_champion("sales")
    assert forecast_set.info["history_end"] == "2016-02-15"
    assert forecast_set.dates[0] == pd.Timestamp("2016-02-22")


def test_item2_training_cli_result_line_carries_the_notes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    cli_settings: Settings,
) -> None:
    """The last line is what a background training run's status shows."""
    path = write(pizza(), tmp_path / "s.csv")
    args = ["train", "forecast", "--data", str(path), "--models", "baseline", "--windows", "1"]
    code, out, _ = run_cli(args, capsys)
    assert code == 0
    last = out.strip().splitlines()[-1]
    assert last.startswith("sales forecast v1")
    assert last.endswith("data notes: keys, partial last period")


def test_item12_misspelt_mapping_is_named_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(pizza().rename(columns={"date": "Week", "units": "Qty"}), tmp_path / "s.csv")
    code, _, err = run_cli(
        ["data", "check", "--data", str(path), "--columns", "date=Week,unit=Qty"], capsys
    )
    assert code == 2
    assert err == (
        "error [columns]: 'unit' is not a contract name: did you mean 'units'? "
        "(--columns units=Qty)\n"
    )


@pytest.mark.parametrize("key", ["series", "id", "sku", "state"])
def test_item13_text_key_columns_work_without_keys_and_are_announced(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.concat([pizza(20, 2000.0), pizza(20, 2000.0).assign(shop="b")])
    path = write(frame.rename(columns={"shop": key}), tmp_path / "s.csv")
    code, out, _ = run_cli(["data", "check", "--data", str(path)], capsys)
    assert code == 0
    assert f"2 series keyed by {key} (text column, a key by default)" in out
    code, out, _ = run_cli(
        [
            "forecast",
            "--data",
            str(path),
            "--horizon",
            "2",
            "--models",
            "baseline",
            "--out",
            str(tmp_path / "f.csv"),
        ],
        capsys,
    )
    assert code == 0 and list(pd.read_csv(tmp_path / "f.csv")[key].unique()) == ["b", "pizza"]
    assert f"note [keys]: series keyed by {key} (text column, a key by default)" in out


def test_item1_lead_training_reads_a_day_first_event_log_like_an_iso_one(
    tmp_path: Path, store: ModelStore, demo_paths: dict[str, Path]
) -> None:
    from models.leads import LeadConversionModel
    from training.leads.job import train_leads

    fast = LeadConversionModel(max_iter=40, cv=2)
    events = pd.read_csv(demo_paths["lead_events"])
    events["timestamp"] = pd.to_datetime(events["timestamp"]).dt.strftime("%d/%m/%Y %H:%M:%S")
    day_first = write(events, tmp_path / "events.csv")
    iso = train_leads(store, demo_paths["leads"], events=demo_paths["lead_events"], estimator=fast)
    stated = train_leads(
        store,
        demo_paths["leads"],
        events=day_first,
        estimator=fast,
        date_format="timestamp=%d/%m/%Y %H:%M:%S",
        force=True,
    )
    assert stated.metrics == pytest.approx(iso.metrics)
    _, scorer = store.load_champion("leads")
    assert "site_visits" in scorer.features and "n_site_visits" not in scorer.features
