"""Item 8: the logistic baseline is fitted beside the boosted model and the better of the two on
the validation split by the promotion metric (Brier) is kept; the run says which."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from engine.core.settings import Settings
from engine.leads.choice import choose_learner
from engine.leads.metrics import brier
from engine.registry.store import ModelStore
from models.leads import LeadConversionModel
from training.leads.job import train_leads


def _write(path: Path, X: np.ndarray, p: np.ndarray, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    frame.insert(0, "lead_id", [f"L{i:05d}" for i in range(len(frame))])
    frame["converted"] = (rng.random(len(frame)) < p).astype(int)
    frame.to_csv(path, index=False)
    return path


def _wide_linear(path: Path) -> Path:
    """Wide and imbalanced with a linear truth: the setting where the baseline wins."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(1200, 40))
    beta = np.zeros(40)
    beta[:8] = [0.9, -0.8, 0.7, 0.6, -0.6, 0.5, 0.4, -0.4]
    return _write(path, X, 1 / (1 + np.exp(-(X @ beta - 2.6))), 6)


def _interaction(path: Path) -> Path:
    """Conversion only when two signals agree (an XOR-like rule no linear model can draw)."""
    rng = np.random.default_rng(7)
    X = rng.uniform(-1, 1, size=(3000, 3))
    p = np.where((X[:, 0] > 0) == (X[:, 1] > 0), 0.6, 0.05)
    return _write(path, X, p, 8)


@pytest.mark.parametrize(("maker", "expected"), [(_wide_linear, "logistic"), (_interaction, "hgb")])
def test_the_better_learner_on_validation_is_kept(
    tmp_path: Path, _store_template: Path, maker, expected: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "mlflow.db").write_bytes(_store_template.read_bytes())
    store = ModelStore.from_settings(Settings(home=home))
    data = maker(tmp_path / "leads.csv")
    with threadpool_limits(1):
        result = train_leads(store, data, estimator=LeadConversionModel(max_iter=80, cv=2))
    m = result.metrics
    assert m["brier"] == min(m["boosted_brier"], m["baseline_brier"])
    assert m["chosen_logistic"] == float(expected == "logistic")
    scorer = store.load_version("leads", result.version)
    assert scorer.model.learner == expected
    assert scorer.info["learner_choice"].startswith(
        "logistic baseline chosen" if expected == "logistic" else "boosted model chosen"
    )
    run = store.client.get_run(result.run_id)
    assert run.data.params["learner_chosen"] == expected
    assert run.data.tags["lodestar.learner_choice"] == scorer.info["learner_choice"]
    # reasons still add up to the score with either learner
    frame = pd.read_csv(data).drop(columns=["converted"]).head(50)
    scored, errors = scorer.score_batch(frame)
    assert not errors and len(scored) == 50


def test_choice_follows_the_metric_direction_and_prefers_the_baseline_on_a_tie() -> None:
    y = np.array([0, 0, 1, 1, 0, 1])
    good = np.array([0.1, 0.2, 0.8, 0.9, 0.1, 0.7])
    poor = np.array([0.5, 0.4, 0.5, 0.6, 0.5, 0.4])
    assert brier(y, good) < brier(y, poor)
    assert choose_learner(y, good, poor, "brier").chosen == "hgb"
    assert choose_learner(y, poor, good, "brier").chosen == "logistic"
    assert choose_learner(y, good, poor, "roc_auc").chosen == "hgb"
    assert choose_learner(y, good, good, "brier").chosen == "logistic"
    text = choose_learner(y, poor, good, "brier").text
    assert text.startswith("logistic baseline chosen: validation brier")
