"""Every route x every role, enumerated from the app's own OpenAPI schema (so routers added
later are covered too): no key is 401, a role below the route's is 403, the rest get in.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from serving.app import create_app
from serving.core.auth import Role
from tests.serving.api_keys import headers_for

OPEN_PATHS = {"/v1/health", "/v1/ready"}
PATH_VALUES = {"family": "sales", "version": "1"}
EXPECTED_ROLE = {
    ("GET", "/v1/forecasts"): Role.planner,
    ("GET", "/v1/models"): Role.data_scientist,
    ("POST", "/v1/models/{family}/promote"): Role.data_scientist,
    ("POST", "/v1/models/{family}/rollback"): Role.data_scientist,
    ("POST", "/v1/training/runs"): Role.data_scientist,
    ("GET", "/v1/training/runs"): Role.data_scientist,
    ("GET", "/v1/training/runs/{run_id}"): Role.data_scientist,
    ("POST", "/v1/plans"): Role.planner,
    ("GET", "/v1/plans"): Role.planner,
    ("GET", "/v1/plans/{plan_id}"): Role.planner,
    ("GET", "/v1/plans/{plan_id}/versions"): Role.planner,
    ("POST", "/v1/plans/{plan_id}/versions"): Role.planner,
    ("GET", "/v1/plans/{plan_id}/versions/{version}"): Role.planner,
    ("GET", "/v1/plans/{plan_id}/compare"): Role.planner,
    ("POST", "/v1/plans/{plan_id}/versions/{version}/overrides"): Role.planner,
    ("POST", "/v1/plans/{plan_id}/versions/{version}/pins"): Role.planner,
    ("POST", "/v1/plans/{plan_id}/versions/{version}/submit"): Role.planner,
    ("POST", "/v1/plans/{plan_id}/versions/{version}/approve"): Role.approver,
    ("POST", "/v1/plans/{plan_id}/versions/{version}/reject"): Role.approver,
    ("POST", "/v1/plans/{plan_id}/versions/{version}/lock"): Role.approver,
    ("GET", "/v1/plans/{plan_id}/tracking"): Role.planner,
    ("GET", "/v1/plans/{plan_id}/fva"): Role.planner,
    ("POST", "/v1/plans/{plan_id}/scenarios"): Role.pricing,
    ("POST", "/v1/price-lists"): Role.pricing,
    ("GET", "/v1/price-lists"): Role.planner,
    ("GET", "/v1/price-lists/{price_list_id}"): Role.planner,
    ("POST", "/v1/price-lists/{price_list_id}/submit"): Role.pricing,
    ("POST", "/v1/price-lists/{price_list_id}/approve"): Role.approver,
    ("POST", "/v1/price-lists/{price_list_id}/reject"): Role.approver,
    ("POST", "/v1/price-lists/{price_list_id}/publish"): Role.pricing,
    ("GET", "/v1/price-lists/{price_list_id}/export"): Role.planner,
    ("POST", "/v1/actuals"): Role.planner,
    ("GET", "/v1/audit"): Role.planner,
}
"""Our own routes' roles; other routes only have to be consistent (see the matrix test)."""
TEAM_ROUTES = {
    ("POST", "/v1/leads/rubrics/{version}/sign-off"),
    ("POST", "/v1/leads/allocations/{allocation_id}/accept"),
}
"""Routes only a key of a team (marketing or sales) may use, whatever its role: every key here
has no team, so each gets 403 naming the team (tests/serving/leads covers the team keys)."""


def operations() -> list[tuple[str, str, bool]]:
    """(method, path, lists a security requirement) for every operation in the schema."""
    settings = Settings(auth_enabled=True)
    schema = create_app(settings, ModelStore("sqlite:///:memory:")).openapi()
    return [
        (method.upper(), path, bool(op.get("security")))
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


OPERATIONS = operations()


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PATH_VALUES.get(m.group(1), "x"), path)


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    kwargs: dict = {"headers": headers, "params": {"quarters": "2027Q1"}}
    if method in {"POST", "PUT", "PATCH"}:
        kwargs["json"] = {}
    return client.request(method, _url(path), **kwargs).status_code


def test_every_operation_but_health_declares_a_key() -> None:
    assert set(EXPECTED_ROLE) <= {(m, p) for m, p, _ in OPERATIONS}
    unguarded = [(m, p) for m, p, secured in OPERATIONS if not secured and p not in OPEN_PATHS]
    assert unguarded == []


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, _ in OPERATIONS if p not in OPEN_PATHS]
)
def test_each_role_gets_in_exactly_from_the_routes_role_up(
    shared_client: TestClient, method: str, path: str
) -> None:
    client = shared_client
    assert _call(client, method, path, {}) == 401
    assert _call(client, method, path, {"X-API-Key": "wrong-key"}) == 401
    statuses = {role: _call(client, method, path, headers_for(role)) for role in Role}
    if (method, path) in TEAM_ROUTES:
        assert set(statuses.values()) <= {403, 422}, statuses  # 422: a path value refused first
        return
    admitted = [role for role in Role if statuses[role] not in (401, 403)]
    assert admitted, statuses
    lowest = admitted[0]
    assert admitted == [r for r in Role if r.allows(lowest)], statuses
    assert all(statuses[r] == 403 for r in Role if not r.allows(lowest)), statuses
    if (method, path) in EXPECTED_ROLE:
        assert lowest is EXPECTED_ROLE[(method, path)]


@pytest.mark.parametrize("path", sorted(OPEN_PATHS))
def test_open_routes_need_no_key(shared_client: TestClient, path: str) -> None:
    assert shared_client.get(path).status_code in (200, 503)  # 503: not every family loaded
