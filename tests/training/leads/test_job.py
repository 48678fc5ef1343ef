"""The lead training job and CLI: logging, registration, fair promotion, scoring files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from engine.core.contracts.leads import ACTIVITY_COUNTS
from engine.core.errors import DataError
from engine.core.settings import Settings
from engine.demo import write_demo_data
from engine.registry.store import ModelStore
from models.leads import OUTPUT_COLUMNS, LeadConversionModel
from tests.training.cli_runs import run_cli
from training.cli.leads import BOTH_COLUMNS
from training.leads.job import train_leads

FAST = LeadConversionModel(max_iter=60, cv=2)


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def lead_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("leads")
    sizes = {"n_leads": 2500, "n_weeks": 10, "n_products": 1, "stores_per_region": 1}
    return write_demo_data(folder, seed=11, n_regions=1, **sizes)


def _artifacts(store: ModelStore, run_id: str, path: str = "") -> set[str]:
    found = set()
    for item in store.client.list_artifacts(run_id, path):
        if item.is_dir:
            found |= _artifacts(store, run_id, item.path)
        else:
            found.add(item.path)
    return found


def test_train_logs_registers_and_promotes(store: ModelStore, lead_files) -> None:
    result = train_leads(store, lead_files["leads"], estimator=FAST)
    assert result.promoted and result.version == "1"
    assert store.champion_version("leads") == "1"
    for key in ("roc_auc", "pr_auc", "brier", "ece", "lift_top_decile"):
        assert result.metrics[key] >= 0 and f"baseline_{key}" in result.metrics
    assert result.metrics["roc_auc"] > 0.7
    artifacts = _artifacts(store, result.run_id)
    assert {"plots/calibration.png", "plots/gains.png", "tiers.json"} <= artifacts
    run = store.client.get_run(result.run_id).data
    assert run.params["split"].startswith("time split")
    assert "precision targets" in run.params["tiers"]
    assert run.params["calibration"] in {"isotonic", "sigmoid"}
    # the registered model works through MLflow's own loader, outside Lodestar's serving
    uri = store.client.get_model_version_download_uri("lodestar-lead-conversion", "1")
    leads = pd.read_csv(lead_files["leads"]).head(20)
    answer = mlflow.pyfunc.load_model(uri).predict(leads)
    assert list(answer.columns) == OUTPUT_COLUMNS
    assert answer["lead_id"].tolist() == leads["lead_id"].tolist()


def test_promotion_compares_on_the_same_validation_leads(store: ModelStore, lead_files) -> None:
    first = train_leads(store, lead_files["leads"], estimator=FAST)
    same = train_leads(store, lead_files["leads"], estimator=FAST)
    # the champion was re-scored on this run's validation leads: identical model, same score
    assert same.metrics["brier"] == pytest.approx(first.metrics["brier"])
    assert not same.promoted and "does not beat" in same.reason
    champion_brier = store.run_metrics(same.run_id)["champion_brier"]
    assert champion_brier == pytest.approx(first.metrics["brier"])
    weak = LeadConversionModel(max_iter=1, cv=2, calibration="none", early_stopping=False)
    worse = train_leads(store, lead_files["leads"], estimator=weak)
    assert not worse.promoted and store.champion_version("leads") == first.version
    forced = train_leads(store, lead_files["leads"], estimator=weak, force=True)
    assert forced.promoted and store.champion_version("leads") == forced.version


def test_champion_that_saw_the_validation_leads_is_refit(
    store: ModelStore, lead_files, tmp_path: Path
) -> None:
    train_leads(store, lead_files["leads"], estimator=FAST)
    shuffled = pd.read_csv(lead_files["leads"])
    rng = np.random.default_rng(0)
    shuffled["created_date"] = rng.permutation(shuffled["created_date"].to_numpy())
    path = tmp_path / "reshuffled.csv"
    shuffled.drop(columns=["conversion_date"]).to_csv(path, index=False)
    second = train_leads(store, path, estimator=FAST)
    note = store.client.get_run(second.run_id).data.params["champion_comparison"]
    assert "refit" in note


def test_excluded_and_leaky_columns(store: ModelStore, lead_files, tmp_path: Path) -> None:
    frame = pd.read_csv(lead_files["leads"])
    rng = np.random.default_rng(1)
    frame["call_duration"] = frame["converted"] * 400 + rng.exponential(100, len(frame))
    path = tmp_path / "leaky.csv"
    frame.to_csv(path, index=False)
    leaky = train_leads(store, path, estimator=FAST)
    tags = store.client.get_run(leaky.run_id).data.tags
    assert "call_duration" in tags["lodestar.leak_warnings"]
    clean = train_leads(store, path, exclude=["call_duration"], estimator=FAST, force=True)
    data = store.client.get_run(clean.run_id).data
    assert "call_duration" not in data.params["features"].split(",")
    assert data.params["excluded"] == "call_duration"
    assert data.tags["lodestar.leak_warnings"] == "none"
    _, scorer = store.load_champion("leads")
    assert "call_duration" not in scorer.features


def test_events_give_the_same_features_as_the_table(store: ModelStore, lead_files) -> None:
    table = train_leads(store, lead_files["leads"], estimator=FAST)
    events = train_leads(
        store, lead_files["leads"], events=lead_files["lead_events"], estimator=FAST
    )
    assert events.metrics["roc_auc"] == pytest.approx(table.metrics["roc_auc"])


def test_without_created_date_the_split_is_stratified(
    store: ModelStore, lead_files, tmp_path: Path
) -> None:
    frame = pd.read_csv(lead_files["leads"]).drop(columns=["lead_id", "created_date"])
    path = tmp_path / "undated.csv"
    frame.to_csv(path, index=False)
    result = train_leads(store, path, estimator=FAST, tiers="warm=0.1,hot=0.3,sql=0.5")
    params = store.client.get_run(result.run_id).data.params
    assert params["split"] == "stratified random split"
    assert result.metrics["tier_hot_threshold"] == 30  # a score threshold


def test_bad_data_leaves_no_run(store: ModelStore, lead_files, tmp_path: Path) -> None:
    frame = pd.read_csv(lead_files["leads"]).drop(columns=["converted"])
    path = tmp_path / "no_outcome.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        train_leads(store, path)
    assert info.value.field == "converted"
    with pytest.raises(DataError, match="tier"):
        train_leads(store, lead_files["leads"], tiers="warm=0.9,hot=0.1,sql=0.5")
    assert store.versions("leads") == []


def test_cli_train_and_score(
    cli_settings: Settings,
    lead_files,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    renamed = pd.read_csv(lead_files["leads"]).rename(columns={"converted": "won"})
    data = tmp_path / "mine.csv"
    renamed.to_csv(data, index=False)
    code, out, err = run_cli(
        [
            "train",
            "leads",
            "--data",
            str(data),
            "--columns",
            "converted=won",
            "--exclude",
            "webinars",
        ],
        capsys,
    )
    assert code == 0, err
    assert "ROC-AUC" in out and "tiers (score at least)" in out
    assert "now champion (there was none)" in out

    batch = pd.read_csv(lead_files["leads"]).head(30).astype(object)
    batch.loc[4, "site_visits"] = "lots"
    batch_path = tmp_path / "batch.csv"
    batch.to_csv(batch_path, index=False)
    target = tmp_path / "out" / "scores.csv"
    code, out, err = run_cli(
        ["score", "leads", "--data", str(batch_path), "--out", str(target)], capsys
    )
    assert code == 0
    scores = pd.read_csv(target)
    assert list(scores.columns) == [*OUTPUT_COLUMNS, *BOTH_COLUMNS]
    assert len(scores) == 29 and "L" in str(scores["lead_id"].iloc[0])
    errors = pd.read_csv(tmp_path / "out" / "scores.errors.csv")
    assert errors["row"].tolist() == [4] and errors["field"].tolist() == ["site_visits"]
    assert "1 rows could not be scored" in err

    events_out = tmp_path / "as_of.csv"
    code, _, _ = run_cli(
        [
            "score",
            "leads",
            "--data",
            str(lead_files["leads"]),
            "--out",
            str(events_out),
            "--events",
            str(lead_files["lead_events"]),
            "--as-of",
            "2000-01-01",
            "--model",
            "1",
        ],
        capsys,
    )
    assert code == 0
    early = pd.read_csv(events_out)
    # before any activity, event counts are all zero: same scores as a table of zero counts
    zeroed = pd.read_csv(lead_files["leads"]).assign(**{c: 0 for c in ACTIVITY_COUNTS.values()})
    zeroed_path = tmp_path / "zeroed.csv"
    zeroed.to_csv(zeroed_path, index=False)
    zero_out = tmp_path / "zero_scores.csv"
    code, _, _ = run_cli(
        ["score", "leads", "--data", str(zeroed_path), "--out", str(zero_out), "--model", "1"],
        capsys,
    )
    assert code == 0
    assert np.allclose(early["probability"], pd.read_csv(zero_out)["probability"])

    code, _, err = run_cli(
        ["score", "leads", "--data", str(batch_path), "--out", str(target), "--model", "99"],
        capsys,
    )
    assert code == 2 and err.strip() == "error [version]: leads model has no version 99"
