"""MLflow pyfunc wrappers: one per family, so a registered model works outside Lodestar too.

Each wrapper loads the joblib payload saved beside it and answers `predict` with the family's
output columns (see DESIGN: sales forecast, lead conversion, price sensitivity).
"""

from __future__ import annotations

from typing import Any

import joblib
import pandas as pd
from mlflow.pyfunc import PythonModel


class PayloadModel(PythonModel):
    """Base wrapper: loads the payload object from the 'payload' artifact."""

    payload: Any = None

    def load_context(self, context: Any) -> None:
        self.payload = joblib.load(context.artifacts["payload"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        return self.payload.predict_frame(model_input)


class SalesForecastPyfunc(PayloadModel):
    """Input: rows of series keys (optionally `horizon`); output: keys, date, mean, lo/hi 80/95."""


class LeadConversionPyfunc(PayloadModel):
    """Input: leads; output: lead_id, probability, score, tier, reason_1..3."""


class PriceSensitivityPyfunc(PayloadModel):
    """Input: products (optional); output: product, cross_product, elasticity, lo/hi_95, n_obs."""
