"""Schemathesis follows the schema's OpenAPI links against a real server: save a scenario then
read, compare and delete it; start a training run then follow its status; promote then roll
back. Any 5xx, undocumented status, wrong content type or body off its schema fails the test.

Bounded (a few dozen scenarios of a few steps) so it stays in the normal suite.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import KEYS
from tests.e2e.lodestar_process import Server

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
RUNS = 8
REALISTIC_SCENARIO = {"price_changes": [{"filter": {"product": "P01"}, "percent": -5}]}
LINKS = {
    ("POST /v1/pricing/saved-scenarios", "GET /v1/pricing/saved-scenarios/{name}"),
    ("POST /v1/pricing/saved-scenarios", "POST /v1/pricing/saved-scenarios/compare"),
    ("POST /v1/pricing/saved-scenarios", "DELETE /v1/pricing/saved-scenarios/{name}"),
    ("POST /v1/training/runs", "GET /v1/training/runs/{run_id}"),
    ("POST /v1/models/{family}/promote", "POST /v1/models/{family}/rollback"),
}


def _declared_links(openapi: dict[str, Any]) -> set[tuple[str, str]]:
    """(source, target) operation labels of every OpenAPI link in the schema."""
    by_id = {
        op["operationId"]: f"{method.upper()} {path}"
        for path, ops in openapi["paths"].items()
        for method, op in ops.items()
    }
    return {
        (f"{method.upper()} {path}", by_id[link["operationId"]])
        for path, ops in openapi["paths"].items()
        for method, op in ops.items()
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    }


def test_mechanism_stateful_schemathesis_follows_the_links_without_a_server_error(
    keyed_server: Server, demo_paths: dict[str, Path]
) -> None:
    schema = schemathesis.openapi.from_url(f"{keyed_server.url}/openapi.json").include(
        tag=["pricing", "models", "training"]  # the linked resources, so the budget walks them
    )
    assert _declared_links(schema.raw_schema) >= LINKS
    followed: set[str] = set()
    statuses: dict[str, set[int]] = {}

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            """Realistic values where random ones can only be refused: a file the server has
            (trained with the fastest setting), a family and version that exist, a rollback
            that undoes the last move rather than naming a random version."""
            label = f"{case.method} {case.path}"
            if label == "POST /v1/training/runs" and isinstance(case.body, dict):
                case.body = {"family": "sales", "data": str(demo_paths["sales"])}
                case.body["models"] = "baseline"
            if label == "POST /v1/models/{family}/promote" and isinstance(case.body, dict):
                version = str(case.body.get("version", "1"))
                digits = int(version) if version.isdigit() else 0
                case.body = {**case.body, "version": str(digits % 2 + 1)}
                # sales is the family with a challenger, so a promote can really move it
                case.path_parameters = {**(case.path_parameters or {}), "family": "sales"}
            if label == "POST /v1/pricing/saved-scenarios" and isinstance(case.body, dict):
                name = str(case.body.get("name", ""))
                if len(name) % 3:  # a third keep their random scenario, the rest can be compared
                    case.body = {**case.body, "scenario": REALISTIC_SCENARIO}
            if label == "POST /v1/pricing/saved-scenarios/compare" and isinstance(case.body, dict):
                names = case.body.get("names")
                if isinstance(names, list) and names:  # the linked name, not random extras
                    case.body = {**case.body, "names": names[:1]}
            if label == "POST /v1/models/{family}/rollback" and isinstance(case.body, dict):
                case.body = {"dry_run": bool(case.body.get("dry_run", False))}  # undo the move

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"X-API-Key": KEYS["data_scientist"]}, "timeout": 60}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            label = f"{case.method} {case.path}"
            statuses.setdefault(label, set()).add(response.status_code)
            if response.status_code < 300:
                followed.add(label)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    for _ in range(RUNS):  # fresh scenarios each run, until every chain was walked
        # The server keeps state between scenarios (saved names, moved champions), so a
        # replayed prefix can draw differently: that ends a run early and the next run starts
        # afresh, as schemathesis' own runner does. A failed check is never caught (not even
        # one that does not replay, FlakyFailure).
        with contextlib.suppress(FlakyStrategyDefinition):
            Workflow.run(
                settings=settings(
                    max_examples=30,
                    stateful_step_count=6,
                    phases=[Phase.generate],
                    database=None,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                )
            )
        if all({source, target} <= followed for source, target in LINKS):
            break
    # the chains were really walked: each link's source and target answered successfully
    for source, target in LINKS:
        assert {source, target} <= followed, (source, target, sorted(statuses.items()))
    assert "Traceback" not in keyed_server.log_text()
