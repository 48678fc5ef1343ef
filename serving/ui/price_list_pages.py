"""Price-list pages: draft a list from recommendations or hand-set prices, then submit, approve
(or reject), publish, and export an approved list as CSV or XLSX.

Drafts are priced by `serving.planning.price_lists.draft_items` and every step goes through
`engine.database.price_lists`, exactly as /v1/price-lists does, so a list made here is the list
the API shows. Buttons are offered by role; the engine decides (nobody approves their own).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from engine.core.errors import DataError, LodestarError
from engine.database import price_lists
from engine.database.price_lists import EXPORT_COLUMNS, STEPS
from engine.database.setup import Database
from engine.pricing.scenario import RecommendationRequest
from serving.core.auth import Role
from serving.deps import DatabaseDep
from serving.planning.price_lists import (
    PRICE_LIST_STEPS,
    ListAt,
    draft_items,
    take_price_list_step,
)
from serving.planning.schemas import ManualPrice, PriceListCreate
from serving.ui.exports import ExportFormat, export_response
from serving.ui.nav import NavItem
from serving.ui.pages import (
    PlannerViewer,
    PricingViewer,
    Viewer,
    checked_form,
    error_body,
    path_id,
    render,
)
from serving.ui.steps import offered, posted_decision, step_form

router = APIRouter(include_in_schema=False)

EXPORTABLE = ("approved", "published")


def list_number(text: str) -> int:
    """A price-list id from the path; anything else is 'no price list'."""
    return path_id(text, "price list", "price_list_id")


def last_prices(request: Request) -> list[dict[str, Any]]:
    """Each product of the pricing champion with its last seen price (median over stores)."""
    pricing = request.app.state.champions.get("pricing")
    current = pricing.payload.current
    medians = current.groupby(current["product"].astype(str))["price"].median()
    return [
        {"product": p, "last_price": float(medians[p]) if p in medians.index else None}
        for p in pricing.payload.products
    ]


def list_page(
    request: Request,
    found: Viewer,
    db: Database,
    form: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> Response:
    """Every price list, and (for pricing) the hand-set draft form."""
    context: dict[str, Any] = {
        "form": form or {},
        "error": error,
        "products": [],
        "may_draft": found.may(Role.pricing),
    }
    try:
        context["lists"] = price_lists.list_price_lists(db)
    except LodestarError as exc:
        context["lists"], context["error"] = [], error_body(exc)
    if found.may(Role.pricing):
        try:
            context["products"] = last_prices(request)
        except LodestarError as exc:
            context["draft_note"] = exc.message
    status = int(error["status"]) if error else 200
    return render(request, found, "price_lists.html", status_code=status, **context)


@router.get("/pricing/price-lists")
def price_lists_page(request: Request, found: PlannerViewer, db: DatabaseDep) -> Response:
    """Price lists and where each stands."""
    return list_page(request, found, db)


def hand_set_prices(form: dict[str, Any]) -> list[ManualPrice]:
    """(product, new price) for every product row given a price; a bad number names its row."""
    out: list[ManualPrice] = []
    for name, value in form.items():
        if not name.startswith("price_") or not str(value).strip():
            continue
        index = name.removeprefix("price_")
        product = str(form.get(f"product_{index}") or "")
        if not product:
            raise DataError(f"{name} has no product beside it: reload the page", name)
        text = str(value).strip().replace("$", "").replace(",", "")
        try:
            price = float(text)
        except ValueError:
            raise DataError(f"price of {product}: '{value}' is not a number", name) from None
        out.append(ManualPrice(product=product, price=price))
    return out


async def _draft(
    request: Request, found: Viewer, db: Database, body: PriceListCreate
) -> dict[str, Any]:
    """Price the draft as POST /v1/price-lists does, then save it."""
    champions = request.app.state.champions
    pricing = champions.get("pricing")
    settings = request.app.state.settings
    items, source, sales_version = await run_in_threadpool(
        draft_items, body, pricing, champions, settings
    )
    objective = body.recommendation.objective if body.recommendation else None
    return await run_in_threadpool(
        price_lists.create_price_list,
        db,
        body.name,
        items,
        source,
        found.caller.actor,
        pricing.version,
        sales_version,
        objective,
    )


@router.post("/pricing/price-lists")
async def draft_by_hand(request: Request, found: PricingViewer, db: DatabaseDep) -> Response:
    """A draft list from hand-set prices (their effects from the what-if engine)."""
    form = await checked_form(request, found)
    try:
        body = PriceListCreate(
            name=str(form.get("name") or "").strip(), prices=hand_set_prices(form)
        )
        made = await _draft(request, found, db, body)
    except (LodestarError, ValidationError) as exc:
        return await run_in_threadpool(list_page, request, found, db, form, error_body(exc))
    return _to_list(made["id"], f"Draft price list {made['name']} saved.")


@router.post("/pricing/price-lists/from-recommendations")
async def draft_from_recommendations(
    request: Request, found: PricingViewer, db: DatabaseDep
) -> Response:
    """A draft list from the recommendation request just shown on the recommendations page."""
    form = await checked_form(request, found)
    try:
        try:
            asked = RecommendationRequest.model_validate_json(
                str(form.get("recommendation_json") or "")
            )
        except ValidationError:
            raise DataError(
                "the recommendation to save is missing or not valid: run it again",
                "recommendation",
            ) from None
        body = PriceListCreate(name=str(form.get("name") or "").strip(), recommendation=asked)
        made = await _draft(request, found, db, body)
    except (LodestarError, ValidationError) as exc:
        return await run_in_threadpool(list_page, request, found, db, {}, error_body(exc))
    return _to_list(made["id"], f"Draft price list {made['name']} saved from the recommendations.")


def _to_list(list_id: int, notice: str) -> Response:
    return RedirectResponse(
        f"/pricing/price-lists/{list_id}?{urlencode({'notice': notice})}", status_code=303
    )


def step_actions(found_list: dict[str, Any], found: Viewer) -> dict[str, bool]:
    """Which buttons this viewer is offered for this list."""
    state = found_list["state"]
    own = found_list.get("submitted_by") == found.caller.actor
    may_decide = offered(found, PRICE_LIST_STEPS, STEPS, "approve", state)
    return {
        "submit": offered(found, PRICE_LIST_STEPS, STEPS, "submit", state),
        "decide": may_decide and not own,
        "own_submission": may_decide and own,
        "publish": offered(found, PRICE_LIST_STEPS, STEPS, "publish", state),
        "export": state in EXPORTABLE,
    }


def detail_page(
    request: Request,
    found: Viewer,
    db: Database,
    list_id: str,
    notice: str | None = None,
    error: dict[str, Any] | None = None,
) -> Response:
    """One price list with its prices, expected effects and the steps this viewer may take."""
    context: dict[str, Any] = {"price_list": None, "notice": notice, "error": error}
    try:
        shown = price_lists.show_price_list(db, list_number(list_id))
        for item in shown["items"]:
            item["binding_rules"] = [b for b in str(item["binding"] or "").split(";") if b]
        context["price_list"] = shown
        context["actions"] = step_actions(shown, found)
    except LodestarError as exc:
        context["error"] = error or error_body(exc)
    status = int(context["error"]["status"]) if context["error"] else 200
    return render(request, found, "price_list.html", status_code=status, **context)


@router.get("/pricing/price-lists/{list_id}")
def price_list_page(
    request: Request, found: PlannerViewer, db: DatabaseDep, list_id: str, notice: str | None = None
) -> Response:
    """One price list."""
    return detail_page(request, found, db, list_id, notice)


@router.post("/pricing/price-lists/{list_id}/{action}")
async def price_list_step(
    request: Request, found: PlannerViewer, db: DatabaseDep, list_id: str, action: str
) -> Response:
    """Submit, approve, reject or publish (as POST /v1/price-lists/{id}/{action})."""
    form = await step_form(request, found, PRICE_LIST_STEPS, action, "a price list")
    try:
        at = ListAt(list_number(list_id))
        step_request = posted_decision(form).by(action, found.caller.actor)
        done = await run_in_threadpool(take_price_list_step, db, at, step_request)
    except (LodestarError, ValidationError) as exc:
        return await run_in_threadpool(
            detail_page, request, found, db, list_id, None, error_body(exc)
        )
    return _to_list(done["id"], f"Price list {done['name']} is now {done['state']}.")


@router.get("/pricing/price-lists/{list_id}/export")
def price_list_export(
    request: Request,
    found: PlannerViewer,
    db: DatabaseDep,
    list_id: str,
    file_format: ExportFormat = "csv",
) -> Response:
    """An approved or published list as CSV or XLSX (the API's export rows, formula-safe)."""
    try:
        number = list_number(list_id)
        rows = price_lists.export_rows(db, number)
        return export_response(rows, EXPORT_COLUMNS, f"price_list_{number}", file_format)
    except LodestarError as exc:
        return detail_page(request, found, db, list_id, None, error_body(exc))


MENU = [
    NavItem("Pricing", "Price lists", "/pricing/price-lists", Role.planner),
]
"""This module's Workbench menu entries, in menu order."""
