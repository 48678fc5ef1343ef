"""Prediction-interval bands, named once: 80% and 95% central intervals from sample quantiles."""

from __future__ import annotations

BANDS: dict[str, float] = {"lo_95": 0.025, "lo_80": 0.10, "hi_80": 0.90, "hi_95": 0.975}
"""Band column -> the sample quantile it reports."""

LEVELS: dict[str, tuple[float, float]] = {
    "80": (BANDS["lo_80"], BANDS["hi_80"]),
    "95": (BANDS["lo_95"], BANDS["hi_95"]),
}
"""Interval level -> its (lower, upper) sample quantiles; nominal coverage is upper - lower."""

BAND_COLUMNS: list[str] = ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]
"""Columns of every interval forecast a user reads, in reading order."""
