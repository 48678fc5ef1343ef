"""Lead conversion: calibrated classifiers, tiers, faithful reasons and the scoring payload."""

from models.leads.estimator import LeadConversionModel
from models.leads.scorer import OUTPUT_COLUMNS, LeadScorer
from models.leads.tiers import TIERS, TierThresholds, parse_thresholds, thresholds_from_precision

__all__ = [
    "OUTPUT_COLUMNS",
    "TIERS",
    "LeadConversionModel",
    "LeadScorer",
    "TierThresholds",
    "parse_thresholds",
    "thresholds_from_precision",
]
