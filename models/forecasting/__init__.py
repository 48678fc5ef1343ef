"""Sales forecasters: per-series and global models behind one estimator contract.

Contract: parameters stored verbatim in __init__, `fit(panel) -> self`,
`predict(horizon, future_exog=None) -> ndarray (series x horizon)`, learned state ends in `_`.
"""

from models.forecasting.ensemble import Ensemble
from models.forecasting.global_gbm import GlobalGBM
from models.forecasting.seasonal_naive import Naive, SeasonalNaive
from models.forecasting.statistical import ARIMA, ETS, Theta
from models.forecasting.statsforecast_local import StatsForecastModel

__all__ = [
    "ARIMA",
    "ETS",
    "Ensemble",
    "GlobalGBM",
    "Naive",
    "SeasonalNaive",
    "StatsForecastModel",
    "Theta",
]
