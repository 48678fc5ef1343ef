"""The better model wins: the boosted model and the logistic baseline are both fitted and
scored on the same validation leads by the promotion metric, and the better one is kept.

Boosting does not always win: on wide, imbalanced data a regularised logistic regression can
rank and calibrate better. On a tie the logistic baseline is kept (the simpler model, and its
reasons are exact linear shares). A blend is not offered: the reasons (Shapley points that add up
to the score) are exact for either model alone, and a blend of calibrated probabilities would
lose that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.leads.metrics import classification_report

LOWER_IS_BETTER = {"brier", "ece", "log_loss"}
LABELS = {"hgb": "boosted model", "logistic": "logistic baseline"}


@dataclass(frozen=True)
class LearnerChoice:
    """Which learner won on validation, by which metric, with both scores."""

    chosen: str
    metric: str
    scores: dict[str, float]

    @property
    def text(self) -> str:
        """One sentence for the run and the CLI."""
        other = "logistic" if self.chosen == "hgb" else "hgb"
        return (
            f"{LABELS[self.chosen]} chosen: validation {self.metric} "
            f"{self.scores[self.chosen]:.5f} vs {LABELS[other]} {self.scores[other]:.5f}"
        )


def choose_learner(
    y_val: np.ndarray, p_boosted: np.ndarray, p_logistic: np.ndarray, metric: str
) -> LearnerChoice:
    """Score both on the validation leads by `metric`; the better (logistic on a tie) wins."""
    scores = {
        "hgb": float(classification_report(y_val, p_boosted)[metric]),
        "logistic": float(classification_report(y_val, p_logistic)[metric]),
    }
    if any(math.isnan(v) for v in scores.values()):
        chosen = "logistic" if math.isnan(scores["hgb"]) else "hgb"
        return LearnerChoice(chosen, metric, scores)
    sign = 1.0 if metric in LOWER_IS_BETTER else -1.0
    chosen = "hgb" if sign * scores["hgb"] < sign * scores["logistic"] else "logistic"
    return LearnerChoice(chosen, metric, scores)
