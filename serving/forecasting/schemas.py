"""Forecast answers for planners: quarterly totals (or weekly detail) with 80/95% intervals."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Granularity(StrEnum):
    """Quarter totals, or the model's own periods (weeks for weekly data)."""

    quarter = "quarter"
    week = "week"


class ForecastRow(BaseModel):
    """One group's forecast for one quarter (or one period), with 80% and 95% intervals."""

    model_config = ConfigDict(
        extra="allow",  # the level's key columns ride along, e.g. "region": "North"
        json_schema_extra={
            "examples": [
                {
                    "region": "North",
                    "quarter": "2027Q1",
                    "mean": 10250.0,
                    "lo_80": 9400.0,
                    "hi_80": 11100.0,
                    "lo_95": 8950.0,
                    "hi_95": 11600.0,
                    "actual_to_date": 0.0,
                    "actual_share": 0.0,
                    "status": "forecast",
                }
            ]
        },
    )

    quarter: str | None = Field(default=None, examples=["2027Q1"])
    date: str | None = Field(default=None, description="Period start (weekly detail only).")
    mean: float
    lo_80: float
    hi_80: float
    lo_95: float
    hi_95: float
    actual_to_date: float = Field(
        default=0.0, description="Units already sold in the row's period (actuals so far)."
    )
    actual_share: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Share of the period already observed (averaged over the row's series).",
    )
    status: Literal["forecast", "partly actual", "actual"] = Field(
        default="forecast",
        description="'partly actual': actuals so far plus the forecast of the rest; 'actual': "
        "all observed, so the band is the actual total.",
    )


class ForecastResponse(BaseModel):
    """Forecasts from the sales champion for the requested level, filters and quarters."""

    model_version: str = Field(examples=["3"])
    granularity: Granularity = Granularity.quarter
    level: list[str] = Field(description="Key columns each row is grouped by; [] is the total.")
    filters: dict[str, list[str]]
    forecasts: list[ForecastRow]
    notes: list[str] = Field(
        default_factory=list,
        description="Findings about the data behind the answer, e.g. series that stopped early.",
    )
