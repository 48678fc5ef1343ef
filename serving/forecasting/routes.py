"""Planners' forecasts: quarterly totals (or weekly detail) with intervals, any level and filter."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from engine.core.calendar import MAX_QUARTERS, parse_quarters
from engine.forecasting.answers import forecast_columns, forecast_rows, parse_level, stopped_note
from engine.forecasting.quarterly import QuarterQuery
from serving.core.csv_export import CSV_RESPONSE, tabular
from serving.core.json_answer import json_answer
from serving.core.schemas import error_responses
from serving.deps import SalesChampion, SettingsDep
from serving.forecasting.schemas import ForecastResponse, Granularity

_ERRORS = error_responses(404, 409, 422)
router = APIRouter(prefix="/forecasts", tags=["forecasts"], responses=_ERRORS)

_RESERVED = {"quarters", "level", "granularity", "stopped"}
QUARTERS_MAX_LENGTH = MAX_QUARTERS * 10
"""Characters of the quarters list: room for 40 quarters written as '2027-Q1, '."""


def key_filters(request: Request) -> dict[str, list[str]]:
    """Every query parameter that is not a reserved one filters on a series key (a=x&a=y, a=x,y)."""
    filters: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key in _RESERVED:
            continue
        parts = [v.strip() for v in value.split(",") if v.strip()]
        filters.setdefault(key, []).extend(parts)
    return filters


@router.get(
    "", response_model=ForecastResponse, response_model_exclude_none=True, responses=CSV_RESPONSE
)
def get_forecasts(
    request: Request,
    champion: SalesChampion,
    settings: SettingsDep,
    quarters: Annotated[
        str,
        Query(
            description=f"Comma list of at most {MAX_QUARTERS} quarters.",
            examples=["2027Q1,2027Q2"],
            max_length=QUARTERS_MAX_LENGTH,
        ),
    ],
    level: Annotated[
        str | None,
        Query(
            description="Group by these keys (comma list); 'total' for one row per quarter; "
            "default: each series.",
            examples=["region"],
        ),
    ] = None,
    granularity: Annotated[
        Granularity, Query(description="'quarter' totals or 'week' detail.")
    ] = Granularity.quarter,
    stopped: Annotated[
        Literal["include", "exclude"],
        Query(
            description="Series that stopped more than a season before the data's end: "
            "'include' (forecast from their own last period) or 'exclude' (discontinued)."
        ),
    ] = "include",
) -> Response:
    """Unit forecasts; any other query parameter filters a key, e.g. `region=North`.

    Send `Accept: text/csv` for a CSV download of the same rows.
    """
    periods = parse_quarters(quarters, settings.fiscal_year_start_month)
    filters = key_filters(request)
    forecast_set = champion.payload
    levels = parse_level(level, forecast_set.keys)
    query = QuarterQuery(periods, filters, levels, exclude_stopped=stopped == "exclude")
    rows = forecast_rows(
        forecast_set,
        champion.cache,
        query,
        settings.fiscal_year_start_month,
        weekly=granularity is Granularity.week,
    )
    note = stopped_note(forecast_set, stopped == "exclude", "stopped=exclude|include")
    answer = ForecastResponse(
        model_version=champion.version,
        granularity=granularity,
        level=levels,
        filters=filters,
        forecasts=rows,
        notes=[note] if note else [],
    )
    name = f"forecast_v{champion.version}_{granularity.value}.csv"
    columns = forecast_columns(levels, weekly=granularity is Granularity.week)
    table = tabular(request, rows, answer, name, columns)
    return json_answer(table, exclude_none=True)
