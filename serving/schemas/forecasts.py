"""Quarterly forecast answers for planners."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class QuarterForecast(BaseModel):
    """One group's total for one quarter, with 80% and 95% intervals."""

    model_config = ConfigDict(extra="allow")  # the level's key columns ride along

    quarter: str = Field(examples=["2027Q1"])
    mean: float
    lo_80: float
    hi_80: float
    lo_95: float
    hi_95: float


class ForecastResponse(BaseModel):
    """Quarterly forecasts from the sales champion for the requested level and filters."""

    model_version: str
    level: list[str] = Field(description="Key columns each row is grouped by; [] is the total.")
    filters: dict[str, list[str]]
    forecasts: list[QuarterForecast]
