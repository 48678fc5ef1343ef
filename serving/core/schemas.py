"""Shapes shared by every resource: the error body and the refusals a route documents."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """Every 4xx answer: which error, which field, what is wrong."""

    error: str = Field(examples=["DataError"])
    field: str | None = Field(default=None, examples=["quarters"])
    message: str = Field(examples=["'2027Q5' is not a quarter like 2027Q1"])


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's documented refusals: each status answered with the error body."""
    return {status: {"model": ErrorBody} for status in statuses}
