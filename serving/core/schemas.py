"""Shapes shared by every resource: the error body."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """Every 4xx answer: which error, which field, what is wrong."""

    error: str = Field(examples=["DataError"])
    field: str | None = Field(default=None, examples=["quarters"])
    message: str = Field(examples=["'2027Q5' is not a quarter like 2027Q1"])
