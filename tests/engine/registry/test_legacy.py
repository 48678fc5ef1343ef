"""Models registered before the domain layout still load and answer exactly as they did."""

from __future__ import annotations

from pathlib import Path

import cloudpickle
import joblib
import pandas as pd
import pytest

from engine.registry import pyfunc
from engine.registry.legacy import install_module_aliases
from models.forecasting.forecast_set import ForecastSet
from models.leads.scorer import LeadScorer
from models.pricing.payload import PricingSet

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "legacy_payloads"
"""Payloads pickled by the code before the layout change (models.forecasters.*, models.pyfunc)."""


@pytest.fixture(autouse=True)
def _aliases() -> None:
    install_module_aliases()


def test_old_sales_payload_loads_and_forecasts_the_same() -> None:
    payload = joblib.load(FIXTURES / "sales_payload.joblib")
    assert isinstance(payload, ForecastSet)
    expected = pd.read_csv(FIXTURES / "sales_expected.csv")
    got = payload.interval_frame()
    got["date"] = pd.to_datetime(got["date"]).dt.strftime("%Y-%m-%d")
    pd.testing.assert_frame_equal(
        got.astype(expected.dtypes.to_dict()), expected, check_column_type=False
    )


def test_old_leads_payload_loads_and_scores_the_same() -> None:
    scorer = joblib.load(FIXTURES / "leads_payload.joblib")
    assert isinstance(scorer, LeadScorer)
    leads = pd.DataFrame(
        {
            "lead_id": ["a", "b"],
            "source": ["web", "referral"],
            "site_visits": [3, 0],
            "form_fills": [1, 0],
            "downloads": [0, 2],
        }
    )
    got = scorer.predict_frame(leads)[["lead_id", "probability", "tier"]]
    pd.testing.assert_frame_equal(got, pd.read_csv(FIXTURES / "leads_expected.csv"))


def test_old_pricing_payload_loads_with_the_same_elasticities() -> None:
    payload = joblib.load(FIXTURES / "pricing_payload.joblib")
    assert isinstance(payload, PricingSet)
    expected = pd.read_csv(FIXTURES / "pricing_expected.csv", keep_default_na=False)
    got = payload.predict_frame(None)
    assert list(got.columns) == list(expected.columns)
    for col in ("elasticity", "lo_95", "hi_95"):
        assert got[col].to_numpy() == pytest.approx(expected[col].to_numpy(dtype=float))


@pytest.mark.parametrize(
    ("family", "cls"),
    [
        ("sales", pyfunc.SalesForecastPyfunc),
        ("leads", pyfunc.LeadConversionPyfunc),
        ("pricing", pyfunc.PriceSensitivityPyfunc),
    ],
)
def test_old_pyfunc_wrappers_unpickle_to_the_new_classes(family: str, cls: type) -> None:
    wrapper = cloudpickle.loads((FIXTURES / f"{family}_python_model.pkl").read_bytes())
    assert type(wrapper) is cls
