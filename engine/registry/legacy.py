"""Models registered before the domain layout keep loading: old module paths point at new ones.

A registered model's payload pickles the module path of each class it holds (for example
`models.forecasters.forecast_set.ForecastSet`) and MLflow pickles its pyfunc wrapper
(`models.pyfunc.SalesForecastPyfunc`). Before a model is loaded, each old path is registered
as an alias of the module that now holds the same classes. Kept for one release: retrain to
drop the dependency on the old names.
"""

from __future__ import annotations

import importlib
import sys

RENAMED_MODULES = {
    "models.pyfunc": "engine.registry.pyfunc",
    "models.forecasters": "models.forecasting",
    "models.forecasters.ensemble": "models.forecasting.ensemble",
    "models.forecasters.forecast_set": "models.forecasting.forecast_set",
    "models.forecasters.global_gbm": "models.forecasting.global_gbm",
    "models.forecasters.local": "models.forecasting.local",
    "models.forecasters.paths": "engine.forecasting.paths",
    "models.forecasters.seasonal_naive": "models.forecasting.seasonal_naive",
    "models.forecasters.statistical": "models.forecasting.statistical",
}
"""Module path in models registered before the layout change -> where the code lives now."""


def install_module_aliases() -> None:
    """Make every old module path resolve to its new module (idempotent)."""
    for old, new in RENAMED_MODULES.items():
        if old not in sys.modules:
            sys.modules[old] = importlib.import_module(new)
