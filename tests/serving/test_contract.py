"""The OpenAPI schema says what the server does, and bad values are refused loudly (item 26).

Each finding of the schemathesis probe: path parameters the schema allowed but the server
refused, `percent` with `price`, `"joint": 0`, non-UTF-8 bodies answered with an undocumented
400, a wrong `Allow` header; and values refused silently: NaN or non-positive price bounds,
unknown promotion columns, `percent: NaN`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from serving.core.auth import Role
from tests.serving.api_keys import headers_for

SCIENTIST = headers_for(Role.data_scientist)
PRICING = headers_for(Role.pricing)
UNICODE = "%C3%BCn%C3%AFcode"
"""'ünïcode', percent-encoded for a URL path."""


@pytest.fixture(scope="module")
def openapi(pricing_client: TestClient) -> dict[str, Any]:
    return pricing_client.get("/openapi.json").json()


def _validator(openapi: dict[str, Any], component: str) -> jsonschema_rs.Validator:
    """A JSON Schema validator for one component of the API's own schema."""
    root = {"components": openapi["components"], "$ref": f"#/components/schemas/{component}"}
    return jsonschema_rs.Draft202012Validator(root)


def _post(pricing_client: TestClient, path: str, body: Any) -> Any:
    """POST JSON as Python writes it: NaN and Infinity included, as a careless client sends."""
    headers = {**PRICING, "Content-Type": "application/json"}
    return pricing_client.post(path, content=json.dumps(body), headers=headers)


def _operations(openapi: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_item26_every_path_parameter_is_bounded_by_the_schema(openapi: dict[str, Any]) -> None:
    found = []
    for path, method, operation in _operations(openapi):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                schema = parameter["schema"]
                found.append((method, path, parameter["name"]))
                if schema.get("type") == "integer":  # ids: bounded both ways
                    assert {"minimum", "maximum"} <= set(schema), (method, path, parameter)
                    continue
                assert "enum" in schema or "pattern" in schema, (method, path, parameter)
                if "pattern" in schema:
                    assert jsonschema_rs.is_valid(schema, "naïve-ünïcode") is False
    assert {name for _, _, name in found} >= {"name", "family", "run_id"}


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        pytest.param("GET", f"/v1/training/runs/{UNICODE}", "run_id", id="run_id_not_hex"),
        pytest.param("GET", "/v1/training/runs/0123456789abcdef0123", "run_id", id="run_id_long"),
        pytest.param("GET", f"/v1/pricing/saved-scenarios/{UNICODE}", "name", id="name_not_ascii"),
        pytest.param("POST", "/v1/models/s%C3%A4les/promote", "family", id="family_unknown"),
    ],
)
def test_item26_path_values_outside_the_schema_are_422_naming_them(
    pricing_client: TestClient, method: str, path: str, field: str
) -> None:
    answer = pricing_client.request(method, path, headers=SCIENTIST, json={"version": "1"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == f"path.{field}"


def test_item26_percent_and_price_together_are_refused_by_schema_and_server(
    pricing_client: TestClient, openapi: dict[str, Any]
) -> None:
    change = _validator(openapi, "PriceChange")
    both = {"filter": {"product": "P01"}, "percent": -5, "price": 2.49}
    assert not change.is_valid(both)
    assert not change.is_valid({"filter": {"product": "P01"}})
    assert change.is_valid({"filter": {"product": "P01"}, "percent": -5})
    assert change.is_valid({"filter": {"product": "P01"}, "percent": -5, "price": None})
    saved = pricing_client.post(
        "/v1/pricing/saved-scenarios",
        json={"name": "both", "scenario": {"price_changes": [both]}},
        headers=PRICING,
    )
    assert saved.status_code == 422
    assert saved.json()["field"] == "body.scenario.price_changes.0"
    assert "exactly one of 'percent' or 'price'" in saved.json()["message"]
    one = {**both, "price": None}
    kept = pricing_client.post(
        "/v1/pricing/saved-scenarios",
        json={"name": "one", "scenario": {"price_changes": [one]}},
        headers=PRICING,
    )
    assert kept.status_code == 201, kept.text


def test_item26_joint_must_be_a_real_boolean(
    pricing_client: TestClient, openapi: dict[str, Any]
) -> None:
    request = _validator(openapi, "RecommendationRequest")
    assert not request.is_valid({"joint": 0}) and request.is_valid({"joint": False})
    for not_a_boolean in (0, 1, "false", "yes"):
        answer = pricing_client.post(
            "/v1/pricing/recommendations", json={"joint": not_a_boolean}, headers=PRICING
        )
        assert answer.status_code == 422, (not_a_boolean, answer.text)
        assert answer.json()["field"] == "body.joint"


def test_item26_a_body_that_is_not_utf8_is_a_documented_422_on_every_route(
    pricing_client: TestClient, openapi: dict[str, Any]
) -> None:
    with_body = [
        (path.replace("{family}", "sales"), method, operation)
        for path, method, operation in _operations(openapi)
        if "requestBody" in operation
    ]
    assert len(with_body) >= 10
    for path, method, operation in with_body:
        answer = pricing_client.request(
            method,
            path,
            content=b'{"name": "caf\xe9"}',
            headers={**SCIENTIST, "Content-Type": "application/json"},
        )
        assert answer.status_code == 422, (method, path, answer.status_code, answer.text)
        assert "422" in operation["responses"], (method, path)
        body = answer.json()
        assert body["field"] == "body" and "not UTF-8" in body["message"], body


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/v1/pricing/saved-scenarios", "GET, HEAD, POST"),
        ("/v1/pricing/saved-scenarios/p01-minus-5", "DELETE, GET, HEAD"),
        ("/v1/models/sales/promote", "POST"),
    ],
)
def test_item26_method_not_allowed_lists_every_method_of_the_path(
    pricing_client: TestClient, openapi: dict[str, Any], path: str, allowed: str
) -> None:
    for method in ("OPTIONS", "PUT", "PATCH"):
        answer = pricing_client.request(method, path, headers=SCIENTIST)
        assert answer.status_code == 405, (method, path)
        assert answer.headers["allow"] == allowed
        assert answer.json()["error"] == "MethodNotAllowed" and allowed in answer.json()["message"]


@pytest.mark.parametrize(
    ("constraints", "field", "words"),
    [
        ({"min_price": float("nan")}, "body.constraints.min_price", "finite price above 0"),
        ({"min_price": -1.0}, "body.constraints.min_price", "got -1"),
        ({"max_price": 0}, "body.constraints.max_price", "above 0"),
        ({"max_price": float("inf")}, "body.constraints.max_price", "finite"),
        ({"min_price": {"P01": float("nan")}}, "body.constraints.min_price", "for P01"),
        ({"max_price": {"P02": -3}}, "body.constraints.max_price", "for P02"),
    ],
)
def test_item26_price_bounds_must_be_finite_and_positive(
    pricing_client: TestClient, openapi: dict[str, Any], constraints: dict, field: str, words: str
) -> None:
    answer = _post(pricing_client, "/v1/pricing/recommendations", {"constraints": constraints})
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field and words in answer.json()["message"]
    schema = _validator(openapi, "Constraints")
    finite = {k: v for k, v in constraints.items() if "nan" not in repr(v) and "inf" not in repr(v)}
    if finite:
        assert not schema.is_valid(finite)


def test_item26_an_unknown_promotion_column_is_refused_naming_it(
    pricing_client: TestClient,
) -> None:
    scenario = {
        "promotions": [
            {"filter": {"product": "P01"}, "column": "promo"},
            {"filter": {"product": "P02"}, "column": "tv_campaign"},
        ]
    }
    answer = pricing_client.post("/v1/pricing/scenarios", json=scenario, headers=PRICING)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["field"] == "promotions[1].column"
    assert "'tv_campaign'" in body["message"] and "known: promo" in body["message"]
    known = pricing_client.post(
        "/v1/pricing/scenarios",
        json=scenario | {"promotions": scenario["promotions"][:1]},
        headers=PRICING,
    )
    assert known.status_code == 200, known.text


def test_item26_percent_nan_says_it_must_be_finite(pricing_client: TestClient) -> None:
    change = {"filter": {"product": "P01"}, "percent": float("nan")}
    answer = _post(pricing_client, "/v1/pricing/scenarios", {"price_changes": [change]})
    assert answer.status_code == 422
    body = answer.json()
    assert body["field"] == "body.price_changes.0.percent"
    assert "finite number" in body["message"] and "1000" not in body["message"]
