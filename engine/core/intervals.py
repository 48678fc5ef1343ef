"""Prediction-interval bands, named once: 80% and 95% central intervals from sample quantiles."""

from __future__ import annotations

BANDS: dict[str, float] = {"lo_95": 0.025, "lo_80": 0.10, "hi_80": 0.90, "hi_95": 0.975}
"""Band column -> the sample quantile it reports."""

BAND_COLUMNS: list[str] = ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]
"""Columns of every interval forecast a user reads, in reading order."""
