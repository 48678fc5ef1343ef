"""The lead-conversion payload that a registered model carries: model, tiers, reasons, schema."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.core.contracts.leads import RowError, screen_rows
from engine.core.errors import DataError
from models.leads.estimator import LeadConversionModel
from models.leads.reasons import TOP_REASONS, contributions, reason_texts, top_reasons
from models.leads.tiers import TierThresholds

OUTPUT_COLUMNS = ["lead_id", "probability", "score", "tier", "reason_1", "reason_2", "reason_3"]


@dataclass
class LeadScorer:
    """Scores leads: calibrated probability, 0-100 score, tier and top-3 faithful reasons."""

    model: LeadConversionModel
    tiers: TierThresholds
    reference: dict
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
        adds a `reasons` column of structured reasons (feature, value, typical, direction);
        `date_format` is how created_date is written (default: inferred for the batch).
        """
        clean, errors = screen_rows(
            frame, self.model.numeric_features_, self.model.categorical_features_, date_format
        )
        extra = [c for c in (keep or []) if c in frame.columns and c not in clean.columns]
        for col in extra:
            clean[col] = frame[col].reset_index(drop=True).iloc[clean["row"]].to_numpy()
        if clean.empty:
            return pd.DataFrame(columns=[*OUTPUT_COLUMNS, "row", *(keep or [])]), errors
        features = clean[self.features]
        if reasons:
            p, contrib = contributions(self.probability, features, self.reference, self.model)
            texts = reason_texts(features, contrib, self.reference)
        else:
            p = self.probability(features)
            texts = [[""] * len(clean) for _ in range(TOP_REASONS)]
        out = pd.DataFrame(
            {
                "lead_id": clean["lead_id"].to_numpy(),
                "probability": np.round(p, 6),
                "score": np.clip(np.round(p * 100), 0, 100).astype(int),
                "tier": self.tiers.assign(p),
            }
        )
        for k in range(TOP_REASONS):
            out[f"reason_{k + 1}"] = texts[k]
        out["row"] = clean["row"].to_numpy()
        if reasons and detail:
            out["reasons"] = top_reasons(features, contrib, self.reference)
        for col in keep or []:
            if col in clean.columns:
                out[col] = clean[col].to_numpy()
        return out, errors

    def predict_frame(self, model_input: pd.DataFrame) -> pd.DataFrame:
        """The pyfunc answer: lead_id, probability, score, tier, reason_1..3; a bad row raises."""
        scored, errors = self.score_batch(pd.DataFrame(model_input))
        if errors:
            first = errors[0]
            raise DataError(
                f"row {first.row} (lead {first.lead_id}): {first.message}"
                + (f"; {len(errors) - 1} more bad rows" if len(errors) > 1 else ""),
                first.field,
            )
        return scored[OUTPUT_COLUMNS].reset_index(drop=True)
