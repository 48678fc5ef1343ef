"""One exception family for the whole product, mapped once to HTTP codes and once to CLI exit 2."""

from __future__ import annotations


class LodestarError(Exception):
    """Base of every error a user can cause; carries the offending field when there is one."""

    http_status: int = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, str | None]:
        """JSON body for API answers."""
        return {"error": type(self).__name__, "field": self.field, "message": self.message}


class DataError(LodestarError):
    """Input data breaks the contract: missing column, wrong type, duplicates, bad values."""

    http_status = 422


class ConstraintError(LodestarError):
    """Business constraints that cannot all hold (e.g. a margin floor above the max price)."""

    http_status = 422


class NotFoundError(LodestarError):
    """An unknown series, product, lead, model version or run."""

    http_status = 404


class NoChampionError(LodestarError):
    """A model family has no champion yet, so it cannot answer."""

    http_status = 409


class StoreUnavailableError(LodestarError):
    """The model store cannot be read or written right now (not: the thing asked for is absent).

    Raised with the store's own reason, e.g. a read-only database or a missing model folder,
    so that "no champion" and "no version 3" are only ever said when they are true.
    """

    http_status = 503


class ConflictError(LodestarError):
    """The request meets a changed or frozen state: a stale revision, a locked version."""

    http_status = 409

    def __init__(
        self, message: str, field: str | None = None, current: dict[str, object] | None = None
    ) -> None:
        super().__init__(message, field)
        self.current = current

    def to_dict(self) -> dict[str, object]:  # type: ignore[override]
        """JSON body, with the current state when there is one (e.g. the cell's value now)."""
        body: dict[str, object] = dict(super().to_dict())
        if self.current is not None:
            body["current"] = self.current
        return body


class ForbiddenError(LodestarError):
    """The caller may not do this, whatever their role (e.g. approving their own submission)."""

    http_status = 403


class SettingsError(LodestarError):
    """A LODESTAR_* setting is missing, malformed or contradicts another: fix the deployment."""

    http_status = 500
