"""Sign-in sessions: cookie flags, no key in the cookie, CSRF on every form, sign-out, API door."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from serving.app import create_app
from serving.core.auth import Role
from tests.serving.api_keys import KEYS, headers_for
from tests.serving.ui.conftest import csrf_of
from tests.store_homes import home_from


def test_sign_in_sets_a_strict_httponly_cookie_without_the_key(ui_app: TestClient) -> None:
    client = TestClient(ui_app.app)
    page = client.get("/signin")
    assert page.status_code == 200 and "API key" in page.text
    answer = client.post(
        "/signin",
        data={"api_key": KEYS[Role.planner], "csrf_token": csrf_of(page.text), "next": "/leads"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/leads"
    cookie = next(
        h for h in answer.headers.get_list("set-cookie") if h.startswith("lodestar_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert KEYS[Role.planner] not in cookie
    home = client.get("/forecasts")
    assert home.status_code == 200
    assert 'data-testid="who-role">planner<' in home.text


def test_a_wrong_key_is_refused_inline_and_no_session_is_made(ui_app: TestClient) -> None:
    client = TestClient(ui_app.app)
    page = client.get("/signin")
    answer = client.post(
        "/signin",
        data={"api_key": "nope", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 401 and "this API key is not valid" in answer.text
    assert "lodestar_session" not in client.cookies
    assert (
        client.get("/forecasts", follow_redirects=False)
        .headers["location"]
        .startswith("/signin?next=/forecasts")
    )


def test_sign_in_without_the_form_token_is_refused(ui_app: TestClient) -> None:
    client = TestClient(ui_app.app)
    client.get("/signin")
    answer = client.post("/signin", data={"api_key": KEYS[Role.planner]}, follow_redirects=False)
    assert answer.status_code == 403 and "security token" in answer.text


def test_state_changing_forms_need_the_session_token(
    sign_in: Callable[[Role], TestClient],
) -> None:
    client = sign_in(Role.pricing)
    body = {"change0_product": "P01", "change0_kind": "percent", "change0_value": "-5"}
    refused = client.post("/pricing/scenarios", data=body)
    assert refused.status_code == 403 and "security token" in refused.text
    forged = client.post("/pricing/scenarios", data={**body, "csrf_token": "x" * 43})
    assert forged.status_code == 403
    token = csrf_of(client.get("/pricing/scenarios").text)
    assert client.post("/pricing/scenarios", data={**body, "csrf_token": token}).status_code == 200


def test_sign_out_ends_the_session_on_the_server(sign_in: Callable[[Role], TestClient]) -> None:
    client = sign_in(Role.planner)
    kept = client.cookies.get("lodestar_session")
    token = csrf_of(client.get("/forecasts").text)
    answer = client.post("/signout", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"
    replay = TestClient(client.app, cookies={"lodestar_session": kept})
    assert replay.get("/forecasts", follow_redirects=False).status_code == 303
    assert replay.get("/v1/forecasts", params={"quarters": "2027Q1"}).status_code == 401


def test_a_tampered_cookie_is_no_session(ui_app: TestClient) -> None:
    forged = TestClient(ui_app.app, cookies={"lodestar_session": "a" * 64 + "." + "b" * 32})
    assert forged.get("/models", follow_redirects=False).status_code == 303


def test_the_api_accepts_the_cookie_with_the_same_roles(
    sign_in: Callable[[Role], TestClient],
) -> None:
    planner = sign_in(Role.planner)
    assert planner.get("/v1/pricing/elasticities").status_code == 200
    scenario = {"price_changes": [{"filter": {"product": "P01"}, "percent": -5}]}
    denied = planner.post("/v1/pricing/scenarios", json=scenario)
    assert denied.status_code == 403 and denied.json()["error"] == "Forbidden"
    assert planner.get("/v1/models").status_code == 403
    pricing = sign_in(Role.pricing)
    no_token = pricing.post("/v1/pricing/scenarios", json=scenario)
    assert no_token.status_code == 403 and no_token.json()["field"] == "X-CSRF-Token"
    token = csrf_of(pricing.get("/pricing/scenarios").text)
    allowed = pricing.post("/v1/pricing/scenarios", json=scenario, headers={"X-CSRF-Token": token})
    assert allowed.status_code == 200, allowed.text
    keyed = TestClient(planner.app).post(
        "/v1/pricing/scenarios", json=scenario, headers=headers_for(Role.pricing)
    )
    assert keyed.json()["summary"] == allowed.json()["summary"]


def test_pages_a_role_may_not_use_are_not_offered_and_refused(
    sign_in: Callable[[Role], TestClient],
) -> None:
    planner = sign_in(Role.planner)
    page = planner.get("/forecasts").text
    assert 'href="/forecasts"' in page and 'href="/pricing/elasticities"' in page
    for hidden in ("/pricing/scenarios", "/pricing/recommendations", "/models", "/models/training"):
        assert f'href="{hidden}"' not in page
        refused = planner.get(hidden)
        assert refused.status_code == 403 and "needs the" in refused.text
    scientist = sign_in(Role.data_scientist).get("/models").text
    assert 'href="/pricing/scenarios"' in scientist and 'href="/models/training"' in scientist


def test_without_keys_the_workbench_is_open_and_forms_still_need_a_token(
    tmp_path: Path, sales_template: Path
) -> None:
    settings = Settings(home=home_from(sales_template, tmp_path / "home"), auth_enabled=True)
    with TestClient(create_app(settings, ModelStore.from_settings(settings))) as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/forecasts"
        page = client.get("/forecasts")
        assert page.status_code == 200 and "open access" in page.text
        assert "Sign out" not in page.text
        refused = client.post("/models/training", data={"family": "sales", "data": "x"})
        assert refused.status_code == 403
        token = csrf_of(client.get("/models/training").text)
        missing = client.post(
            "/models/training", data={"csrf_token": token, "family": "sales", "data": "/nope.csv"}
        )
        assert missing.status_code == 422 and "does not exist on the server" in missing.text
