"""Price sensitivity: log-log demand with fixed effects, cross prices, pooling and a DML check."""

from models.pricing.estimator import PriceSensitivityModel
from models.pricing.payload import ELASTICITY_COLUMNS, PricingSet

__all__ = ["ELASTICITY_COLUMNS", "PriceSensitivityModel", "PricingSet"]
