"""The lead-conversion payload that a registered model carries: model, tiers, reasons, schema."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.core.contracts.leads import RowError, screen_rows
from engine.core.errors import DataError
from models.leads.estimator import LeadConversionModel
from models.leads.reasons import (
    TOP_REASONS,
    reason_columns,
    score_of,
    score_points,
    top_reasons,
)
from models.leads.tiers import TierThresholds

REASON_COLUMNS = [f"reason_{k + 1}" for k in range(TOP_REASONS)]
OUTPUT_COLUMNS = [
    "lead_id",
    "probability",
    "score",
    "tier",
    *REASON_COLUMNS,
    "base_score",
    "other_points",
]
"""base_score + the points in reason_1..3 + other_points = score."""


@dataclass
class LeadScorer:
    """Scores leads: calibrated probability, 0-100 score, tier and top-3 reasons in points."""

    model: LeadConversionModel
    tiers: TierThresholds
    info: dict = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return list(self.model.feature_names_in_)

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated P(convert) for rows that already hold clean feature columns."""
        return self.model.predict_proba(frame[self.features])[:, 1]

    def score_batch(
        self,
        frame: pd.DataFrame,
        reasons: bool = True,
        keep: list[str] | None = None,
        detail: bool = False,
        date_format: str | None = None,
    ) -> tuple[pd.DataFrame, list[RowError]]:
        """Score every clean row; bad rows come back as per-row errors instead of failing all.

        `reasons=False` skips the reasons (planning needs only probabilities); `detail=True`
        adds a `reasons` column of structured reasons (feature, value, direction, points).
        `keep` carries other columns of the input along (e.g. deal_value, created_date);
        `date_format` is how created_date is written (default: inferred for the batch).
        """
        clean, errors = screen_rows(
            frame, self.model.numeric_features_, self.model.categorical_features_, date_format
        )
        for col in [c for c in (keep or []) if c in frame.columns and c not in clean.columns]:
            clean[col] = frame[col].reset_index(drop=True).iloc[clean["row"]].to_numpy()
        columns = [*OUTPUT_COLUMNS, "row", *(["reasons"] if reasons and detail else [])]
        kept = [c for c in keep or [] if c in clean.columns and c not in columns]
        if clean.empty:
            return pd.DataFrame(columns=[*columns, *kept]), errors
        features = clean[self.features]
        if reasons:
            split = score_points(self.model, features)
            p = split.exact / 100.0
        else:
            p = self.probability(features)
        score = score_of(p)
        out = pd.DataFrame(
            {
                "lead_id": clean["lead_id"].to_numpy(),
                "probability": np.round(p, 6),
                "score": score,
                "tier": self.tiers.assign(score),
            }
        )
        if reasons:
            found, other = top_reasons(features, split, score)
            for name, texts in zip(REASON_COLUMNS, reason_columns(found), strict=True):
                out[name] = texts
            out["base_score"] = round(split.base, 2)
            out["other_points"] = other
        else:
            for name in REASON_COLUMNS:
                out[name] = ""
            out["base_score"] = np.nan
            out["other_points"] = np.nan
        out["row"] = clean["row"].to_numpy()
        if reasons and detail:
            out["reasons"] = found
        for col in kept:
            out[col] = clean[col].to_numpy()
        return out, errors

    def predict_frame(self, model_input: pd.DataFrame) -> pd.DataFrame:
        """The pyfunc answer: OUTPUT_COLUMNS per lead; a bad row raises."""
        scored, errors = self.score_batch(pd.DataFrame(model_input))
        if errors:
            first = errors[0]
            raise DataError(
                f"row {first.row} (lead {first.lead_id}): {first.message}"
                + (f"; {len(errors) - 1} more bad rows" if len(errors) > 1 else ""),
                first.field,
            )
        return scored[OUTPUT_COLUMNS].reset_index(drop=True)
