"""Planners' forecasts: quarterly totals (or weekly detail) with intervals, any level and filter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from engine.calendar import parse_quarters
from engine.planning import quarterly_forecast
from serving.csv_export import CSV_RESPONSE, tabular
from serving.deps import SalesChampion, SettingsDep
from serving.forecast_cache import ROW_COLUMNS, ForecastCache
from serving.schemas.common import ErrorBody
from serving.schemas.forecasts import ForecastResponse, Granularity

router = APIRouter(prefix="/forecasts", tags=["forecasts"])

_RESERVED = {"quarters", "level", "granularity"}
_ERRORS = {404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}}


def key_filters(request: Request) -> dict[str, list[str]]:
    """Every query parameter that is not a reserved one filters on a series key (a=x&a=y, a=x,y)."""
    filters: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key in _RESERVED:
            continue
        parts = [v.strip() for v in value.split(",") if v.strip()]
        filters.setdefault(key, []).extend(parts)
    return filters


def parse_level(level: str | None, keys: list[str]) -> list[str]:
    """None -> bottom keys; 'total' -> []; 'a,b' -> ['a', 'b']."""
    if level is None:
        return list(keys)
    if level.strip().lower() == "total":
        return []
    return list(dict.fromkeys(p.strip() for p in level.split(",") if p.strip()))


@router.get(
    "",
    response_model=ForecastResponse,
    response_model_exclude_none=True,
    responses={**_ERRORS, **CSV_RESPONSE},
)
async def get_forecasts(
    request: Request,
    champion: SalesChampion,
    settings: SettingsDep,
    quarters: Annotated[
        str, Query(description="Comma list of quarters", examples=["2027Q1,2027Q2"])
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
) -> ForecastResponse | Response:
    """Unit forecasts; any other query parameter filters a key, e.g. `region=North`.

    Send `Accept: text/csv` for a CSV download of the same rows.
    """
    periods = parse_quarters(quarters, settings.fiscal_year_start_month)
    filters = key_filters(request)
    forecast_set = champion.payload
    levels = parse_level(level, forecast_set.keys)
    cache: ForecastCache | None = champion.cache
    if granularity is Granularity.week:
        if cache is None:
            cache = ForecastCache.build(forecast_set, settings.fiscal_year_start_month)
        # weekly detail can be many rows: build it off the event loop
        rows = await run_in_threadpool(cache.weekly_rows, periods, filters, levels)
    elif cache is not None and cache.fiscal_start_month == settings.fiscal_year_start_month:
        rows = cache.quarterly(periods, filters, levels)
    else:
        table = await run_in_threadpool(
            quarterly_forecast,
            forecast_set,
            periods,
            filters,
            levels,
            settings.fiscal_year_start_month,
        )
        rows = table.to_dict(orient="records")
    answer = ForecastResponse(
        model_version=champion.version,
        granularity=granularity,
        level=levels,
        filters=filters,
        forecasts=rows,
    )
    name = f"forecast_v{champion.version}_{granularity.value}.csv"
    period = "date" if granularity is Granularity.week else "quarter"
    return tabular(request, rows, answer, name, [*levels, period, *ROW_COLUMNS])
