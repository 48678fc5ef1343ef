"""Render an answer to JSON inside the route's worker thread, not on the event loop.

FastAPI serialises a returned model on the event loop after a sync route finishes: for
10,000 scored leads that is most of a second during which no other request is served.
Sync routes therefore end with `return json_answer(model)`, which renders the bytes where
the route already runs; the route keeps `response_model=` for its OpenAPI schema.
"""

from __future__ import annotations

from fastapi.responses import Response
from pydantic import BaseModel

JSON_MEDIA_TYPE = "application/json"


def json_answer(
    answer: BaseModel | Response, status_code: int = 200, exclude_none: bool = False
) -> Response:
    """The model as a JSON response rendered now (a ready Response passes through)."""
    if isinstance(answer, Response):
        return answer
    return Response(
        answer.model_dump_json(exclude_none=exclude_none),
        status_code=status_code,
        media_type=JSON_MEDIA_TYPE,
    )
