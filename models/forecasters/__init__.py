"""Sales forecasters: per-series and global models behind one estimator contract."""

from models.forecasters.seasonal_naive import SeasonalNaive

__all__ = ["SeasonalNaive"]
