"""Classification metrics for lead scores: AUCs, Brier, calibration error, lift."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from engine.leads import metrics


def test_calibrated_scores_have_small_ece_and_shifted_ones_do_not() -> None:
    rng = np.random.default_rng(0)
    p = rng.beta(2, 5, 50_000)
    y = (rng.random(len(p)) < p).astype(int)
    assert metrics.ece(y, p) < 0.01
    assert metrics.ece(y, np.clip(p + 0.1, 0, 1)) == pytest.approx(0.1, abs=0.01)


def test_ece_by_hand() -> None:
    y = np.array([0, 1, 1, 1])
    p = np.array([0.05, 0.15, 0.95, 0.85])
    # bins: [0,.1): p .05 y 0 ; [.1,.2): .15 vs 1 ; [.8,.9): .85 vs 1 ; [.9,1]: .95 vs 1
    assert metrics.ece(y, p) == pytest.approx((0.05 + 0.85 + 0.15 + 0.05) / 4)
    table = metrics.calibration_table(y, p)
    assert table["count"].sum() == 4 and len(table) == 4


def test_ranking_metrics_agree_with_sklearn_and_handle_one_class() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    p = rng.random(300) * 0.5 + y * 0.3
    assert metrics.roc_auc(y, p) == pytest.approx(roc_auc_score(y, p))
    assert metrics.pr_auc(y, p) == pytest.approx(average_precision_score(y, p))
    assert metrics.brier(y, p) == pytest.approx(np.mean((y - p) ** 2))
    assert np.isnan(metrics.roc_auc(np.zeros(5), np.linspace(0, 1, 5)))


def test_lift_and_gains() -> None:
    y = np.array([1] * 10 + [0] * 90)
    p = np.linspace(1, 0, 100)  # the ten converters score highest
    assert metrics.top_decile_lift(y, p) == pytest.approx(10.0)
    gains = metrics.gains_table(y, p)
    assert gains["share_converted"].iloc[0] == 1.0
    assert gains["share_contacted"].iloc[-1] == 1.0
    report = metrics.classification_report(y, p)
    assert set(report) == {"roc_auc", "pr_auc", "brier", "ece", "lift_top_decile", "base_rate"}
