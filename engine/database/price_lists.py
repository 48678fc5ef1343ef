"""Price lists: a draft from recommendations or hand-set prices, then submit → approve → publish.

An approved (or published) list exports as CSV: current price, new price, expected unit,
revenue and margin change, and the constraint that binds each price. Every step is audited.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select

from engine.core.errors import ConflictError, DataError, NotFoundError
from engine.database import approvals, audit
from engine.database.models import PriceList, PriceListItem
from engine.database.rows import inserted
from engine.database.setup import Database

EXPORT_COLUMNS = [
    "product",
    "current_price",
    "new_price",
    "change_pct",
    "expected_unit_change",
    "expected_revenue_change",
    "expected_margin_change",
    "binding_constraint",
]
STEPS = {
    "submit": (("draft", "rejected"), "submitted"),
    "approve": (("submitted",), "approved"),
    "reject": (("submitted",), "rejected"),
    "publish": (("approved",), "published"),
}


def items_from_recommendations(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a recommendation table as price-list items."""
    return [
        {
            "product": str(r.product),
            "current_price": float(r.current_price),
            "new_price": float(r.recommended_price),
            "unit_change": float(r.units_change),
            "revenue_change": float(r.revenue_change),
            "margin_change": float(r.margin_change),
            "binding": str(r.binding),
        }
        for r in table.itertuples(index=False)
    ]


def items_from_what_if(summary: pd.DataFrame, prices: dict[str, float]) -> list[dict[str, Any]]:
    """Hand-set prices with their what-if: current price = baseline revenue / baseline units."""
    rows = summary.set_index("product")
    out = []
    for product, price in prices.items():
        if product not in rows.index:
            raise NotFoundError(f"the what-if has no product '{product}'", "product")
        r = rows.loc[product]
        if float(r["baseline_units"]) <= 0:
            raise DataError(f"product '{product}' has no baseline units to price", "product")
        out.append(
            {
                "product": product,
                "current_price": float(r["baseline_revenue"]) / float(r["baseline_units"]),
                "new_price": float(price),
                "unit_change": float(r["change_units"]),
                "revenue_change": float(r["change_revenue"]),
                "margin_change": float(r["change_margin"]),
                "binding": "manual",
            }
        )
    return out


def create_price_list(
    db: Database,
    name: str,
    items: list[dict[str, Any]],
    source: str,
    actor: str,
    pricing_model_version: str | None = None,
    sales_model_version: str | None = None,
    objective: str | None = None,
) -> dict[str, Any]:
    """Save a draft price list with its items."""
    if not items:
        raise DataError("a price list needs at least one price", "prices")
    with db.write() as session:
        price_list = inserted(
            session,
            PriceList(
                name=name,
                state="draft",
                revision=1,
                source=source,
                pricing_model_version=pricing_model_version,
                sales_model_version=sales_model_version,
                objective=objective,
                created_by=actor,
            ),
        )
        for item in items:
            session.add(PriceListItem(price_list_id=price_list.id, **item))
        audit.record(
            session,
            actor,
            "price_list.create",
            price_list_id=price_list.id,
            after="draft",
            detail={"name": name, "source": source, "items": len(items)},
        )
        session.flush()
        session.refresh(price_list)
        return as_dict(price_list)


def as_dict(price_list: PriceList, items: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": price_list.id,
        "name": price_list.name,
        "state": price_list.state,
        "revision": price_list.revision,
        "source": price_list.source,
        "created_by": price_list.created_by,
        "created_at": price_list.created_at.isoformat(),
    }
    for name in (
        "pricing_model_version",
        "sales_model_version",
        "objective",
        "submitted_by",
        "decided_by",
        "decision_comment",
        "published_by",
    ):
        if getattr(price_list, name) is not None:
            out[name] = getattr(price_list, name)
    if price_list.published_at is not None:
        out["published_at"] = price_list.published_at.isoformat()
    if items:
        out["items"] = [
            {
                "product": i.product,
                "current_price": i.current_price,
                "new_price": i.new_price,
                "change_pct": 100.0 * (i.new_price / i.current_price - 1.0),
                "unit_change": i.unit_change,
                "revenue_change": i.revenue_change,
                "margin_change": i.margin_change,
                "binding": i.binding,
            }
            for i in price_list.items
        ]
    return out


def _get(session: Any, price_list_id: int, lock: bool = False) -> PriceList:
    stmt = select(PriceList).where(PriceList.id == price_list_id)
    if lock:
        stmt = stmt.with_for_update()
    found = session.scalars(stmt).first()
    if found is None:
        raise NotFoundError(f"no price list {price_list_id}", "price_list_id")
    return found


def list_price_lists(db: Database) -> list[dict[str, Any]]:
    with db.read() as session:
        found = session.scalars(select(PriceList).order_by(PriceList.id)).all()
        return [as_dict(p, items=False) for p in found]


def show_price_list(db: Database, price_list_id: int) -> dict[str, Any]:
    with db.read() as session:
        return as_dict(_get(session, price_list_id))


def step(db: Database, price_list_id: int, request: approvals.StepRequest) -> dict[str, Any]:
    """Submit, approve, reject or publish; nobody decides on their own submission."""
    allowed, target = STEPS[request.action]
    approvals.require_reason(request, "the price list")
    with db.write() as session:
        found = _get(session, price_list_id, lock=True)
        approvals.check_step(
            found, request, allowed, f"price list {price_list_id}", "price_list_id"
        )
        now = approvals.take_step(
            session,
            found,
            request,
            target,
            f"price_list.{request.action}",
            price_list_id=price_list_id,
        )
        if request.action == "publish":
            found.published_by, found.published_at = request.actor, now
        session.flush()
        return as_dict(found)


def export_rows(db: Database, price_list_id: int) -> list[dict[str, Any]]:
    """The CSV rows of an approved or published list (a draft cannot be exported)."""
    with db.read() as session:
        found = _get(session, price_list_id)
        if found.state not in ("approved", "published"):
            raise ConflictError(
                f"price list {price_list_id} is {found.state}: only an approved list exports",
                "price_list_id",
                current={"state": found.state, "revision": found.revision},
            )
        items = as_dict(found)["items"]
    return [
        {
            "product": i["product"],
            "current_price": round(i["current_price"], 4),
            "new_price": round(i["new_price"], 4),
            "change_pct": round(i["change_pct"], 4),
            "expected_unit_change": i["unit_change"],
            "expected_revenue_change": i["revenue_change"],
            "expected_margin_change": i["margin_change"],
            "binding_constraint": i["binding"] or "none",
        }
        for i in items
    ]
