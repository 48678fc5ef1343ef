"""Price lists over HTTP: draft from recommendations or hand-set prices, submit, approve,
publish, export as CSV."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Response

from engine.core.errors import NoChampionError
from engine.core.settings import Settings
from engine.database import price_lists
from engine.database.approvals import StepRequest
from engine.database.setup import Database
from engine.pricing.answers import recommendation_table, what_if
from engine.pricing.scenario import PriceChange, Scenario
from serving.core.auth import Role
from serving.core.champions import ChampionRegistry
from serving.core.csv_export import csv_response
from serving.core.params import row_id
from serving.core.routing import OffLoopRoute
from serving.core.schemas import error_responses
from serving.deps import ChampionsDep, DatabaseDep, Planner, Pricer, PricingChampion, SettingsDep
from serving.planning.schemas import PriceListCreate, PriceListInfo, PriceLists
from serving.planning.steps import Step, add_step_routes

_ERRORS = error_responses(403, 404, 409, 422)
router = APIRouter(
    prefix="/price-lists", tags=["price lists"], route_class=OffLoopRoute, responses=_ERRORS
)
ListId = Annotated[int, row_id("Price list id.")]
_CSV = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}}


def draft_items(
    body: PriceListCreate, pricing: Any, champions: ChampionRegistry, settings: Settings
) -> tuple[list[dict[str, Any]], str, str | None]:
    """(items, source, sales model version) from a recommendation request or hand-set prices."""
    if body.recommendation is not None:
        try:
            sales = champions.get("sales")
        except NoChampionError:
            sales = None
        table, _ = recommendation_table(
            pricing.payload, body.recommendation, sales.payload if sales else None
        )
        return (
            price_lists.items_from_recommendations(table),
            "recommendation",
            sales.version if sales else None,
        )
    sales = champions.get("sales")
    prices = {p.product: p.price for p in body.prices or []}
    scenario = Scenario(
        name=body.name[:80],
        price_changes=[PriceChange(filter={"product": p}, price=v) for p, v in prices.items()],
    )
    result = what_if(sales.payload, pricing.payload, scenario, settings.fiscal_year_start_month)
    return price_lists.items_from_what_if(result.summary, prices), "manual", sales.version


@router.post("", response_model=PriceListInfo, status_code=201)
def create(
    body: PriceListCreate,
    caller: Pricer,
    db: DatabaseDep,
    pricing: PricingChampion,
    champions: ChampionsDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """A draft price list: recommended prices (with a request) or hand-set prices."""
    items, source, sales_version = draft_items(body, pricing, champions, settings)
    objective = body.recommendation.objective if body.recommendation else None
    return price_lists.create_price_list(
        db, body.name, items, source, caller.actor, pricing.version, sales_version, objective
    )


@router.get("", response_model=PriceLists)
def list_all(caller: Planner, db: DatabaseDep) -> dict[str, Any]:
    """Every price list and its state."""
    return {"price_lists": price_lists.list_price_lists(db)}


@router.get("/{price_list_id}", response_model=PriceListInfo)
def show(price_list_id: ListId, caller: Planner, db: DatabaseDep) -> dict[str, Any]:
    """One price list with its prices and expected effects."""
    return price_lists.show_price_list(db, price_list_id)


PRICE_LIST_STEPS = {
    "submit": Step(Role.pricing, "Send a draft for approval."),
    "approve": Step(Role.approver, "Approve a submitted list (never your own submission)."),
    "reject": Step(Role.approver, "Send a submitted list back, saying why."),
    "publish": Step(Role.pricing, "Publish an approved list: these are the prices now."),
}
"""A price list's steps, each a POST route of its name."""


@dataclass
class ListAt:
    """The price list a step route's path names (FastAPI reads these field types as
    objects, so this module does not postpone annotations)."""

    price_list_id: ListId


def take_price_list_step(db: Database, at: ListAt, request: StepRequest) -> dict[str, Any]:
    """A price list's step as its route (and the list page's form) takes it."""
    return price_lists.step(db, at.price_list_id, request)


add_step_routes(
    router,
    "/{price_list_id}",
    PRICE_LIST_STEPS,
    ListAt,
    take_price_list_step,
    PriceListInfo,
)


@router.get("/{price_list_id}/export", responses=_CSV)
def export(price_list_id: ListId, caller: Planner, db: DatabaseDep) -> Response:
    """CSV of an approved list: current and new price, expected changes, binding constraint."""
    rows = price_lists.export_rows(db, price_list_id)
    return csv_response(rows, f"price_list_{price_list_id}.csv", price_lists.EXPORT_COLUMNS)
