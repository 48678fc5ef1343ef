"""Planners' forecasts: quarterly totals with intervals at any level, for any key filter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from engine.calendar import parse_quarters
from engine.planning import quarterly_forecast
from serving.deps import SalesChampion, SettingsDep
from serving.schemas.common import ErrorBody
from serving.schemas.forecasts import ForecastResponse

router = APIRouter(prefix="/forecasts", tags=["forecasts"])

_RESERVED = {"quarters", "level"}


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
    "",
    response_model=ForecastResponse,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def get_forecasts(
    request: Request,
    champion: SalesChampion,
    settings: SettingsDep,
    quarters: Annotated[
        str, Query(description="Comma list of quarters", examples=["2027Q1,2027Q2"])
    ],
    level: Annotated[
        str | None,
        Query(description="Group by these keys (comma list); 'total' for one row per quarter."),
    ] = None,
) -> ForecastResponse:
    """Quarterly unit forecasts; any other query parameter filters a key, e.g. `region=North`."""
    periods = parse_quarters(quarters, settings.fiscal_year_start_month)
    filters = key_filters(request)
    forecast_set = champion.payload
    if level is None:
        levels = list(forecast_set.keys)
    elif level.strip().lower() == "total":
        levels = []
    else:
        levels = [p.strip() for p in level.split(",") if p.strip()]
    table = quarterly_forecast(
        forecast_set, periods, filters, levels, settings.fiscal_year_start_month
    )
    return ForecastResponse(
        model_version=champion.version,
        level=levels,
        filters=filters,
        forecasts=table.to_dict(orient="records"),
    )
