"""The JSON body of a plan override (POST /v1/plans/{id}/versions/{name}/overrides), as the API,
end-to-end and browser tests send it."""

from __future__ import annotations

from typing import Any


def override_body(cell: dict[str, str], quarter: str, reason: str, **change: Any) -> dict[str, Any]:
    """One cell's override in one quarter with a reason code; `change` holds percent= or value=,
    and comment= or revision= when given."""
    return {"cell": cell, "quarter": quarter, "reason": reason, **change}


def north_spring_push(revision: int) -> dict[str, Any]:
    """The issue's story: North +5% in 2027Q1 for a promotion ("spring push"), made on the
    cell's `revision`."""
    change = {"percent": 5, "comment": "spring push", "revision": revision}
    return override_body({"region": "North"}, "2027Q1", "promotion", **change)
