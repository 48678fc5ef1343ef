"""API keys: parsing, hashing, roles, and what the app answers with and without keys."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.core.errors import DataError
from engine.core.settings import Settings
from engine.registry.store import ModelStore
from serving.app import create_app
from serving.core.auth import KeyRing, Role, hash_key, new_key, parse_entry
from tests.serving.api_keys import KEYS, headers_for

QUARTERS = {"quarters": "2027Q1", "level": "total"}


def test_entries_are_kept_as_hashes_only() -> None:
    digest, role, name = parse_entry("pricing:my-secret", "test")
    assert (digest, role, name) == (hash_key("my-secret"), Role.pricing, digest[:8])
    assert parse_entry(f"planner:sha256:{digest.upper()}", "test")[:2] == (digest, Role.planner)
    assert parse_entry(f"data_scientist:{digest}", "test")[:2] == (digest, Role.data_scientist)
    ring = KeyRing({digest: role})
    assert "my-secret" not in repr(ring.__dict__)
    assert ring.identify("my-secret").role is Role.pricing
    assert ring.identify("my-secret ") is None and ring.identify(None) is None


def test_named_entries_carry_their_name_to_the_caller() -> None:
    digest = hash_key("north-secret")
    entry = parse_entry(f"approver:north-approver:sha256:{digest}", "test")
    assert entry == (digest, Role.approver, "north-approver")
    ring = KeyRing({digest: entry.role}, names={digest: entry.name})
    caller = ring.identify("north-secret")
    assert (caller.role, caller.name, caller.actor) == (
        Role.approver,
        "north-approver",
        "north-approver",
    )
    old = parse_entry(f"planner:sha256:{hash_key('old')}", "test")
    assert old.name == hash_key("old")[:8]  # old entries are named by their key id


def test_toml_keys_may_carry_a_name(tmp_path: Path) -> None:
    toml = tmp_path / "keys.toml"
    toml.write_text(
        f'[[keys]]\nrole = "approver"\nname = "south-approver"\nsha256 = "{hash_key("s1")}"\n'
    )
    caller = KeyRing.from_settings(Settings(home=tmp_path, api_keys_file=toml)).identify("s1")
    assert (caller.role, caller.name) == (Role.approver, "south-approver")


@pytest.mark.parametrize(
    "entry",
    [
        "planner",
        "admin:abc",
        "planner:",
        "planner:sha256:nothex",
        ":key",
        f"approver:bad name:sha256:{'0' * 64}",
    ],
)
def test_bad_entries_are_refused(entry: str) -> None:
    with pytest.raises(DataError) as err:
        parse_entry(entry, "LODESTAR_API_KEYS")
    assert err.value.field == "api_keys"


def test_roles_include_the_ones_before() -> None:
    assert Role.data_scientist.allows(Role.planner) and Role.pricing.allows(Role.pricing)
    assert not Role.planner.allows(Role.pricing) and not Role.pricing.allows(Role.data_scientist)
    assert [r.value for r in Role] == ["planner", "approver", "pricing", "data_scientist"]
    assert Role.approver.allows(Role.planner) and not Role.planner.allows(Role.approver)
    assert Role.pricing.allows(Role.approver) and not Role.approver.allows(Role.pricing)


def test_new_keys_are_random_and_never_look_like_hashes() -> None:
    a, b = new_key(), new_key()
    assert a != b
    assert parse_entry(f"planner:{a}", "x")[0] == hash_key(a)


def test_keys_from_text_and_toml_files(tmp_path: Path) -> None:
    text = tmp_path / "keys.txt"
    text.write_text(f"# team keys\nplanner:sha256:{hash_key('p1')}\n\npricing:p2  # Bob\n")
    toml = tmp_path / "keys.toml"
    toml.write_text(
        f'[[keys]]\nrole = "data_scientist"\nsha256 = "{hash_key("d1")}"\n'
        '[[keys]]\nrole = "planner"\nkey = "p3"\n'
    )
    for path, expected in [
        (text, {"p1": "planner", "p2": "pricing"}),
        (toml, {"d1": "data_scientist", "p3": "planner"}),
    ]:
        ring = KeyRing.from_settings(Settings(home=tmp_path, api_keys_file=path))
        assert ring.enabled
        assert {k: ring.identify(k).role.value for k in expected} == expected
    env_and_file = KeyRing.from_settings(
        Settings(home=tmp_path, api_keys="planner:e1", api_keys_file=text)
    )
    assert env_and_file.identify("e1") and env_and_file.identify("p2")


def test_missing_keys_file_stops_the_app(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, api_keys_file=tmp_path / "absent.txt")
    with pytest.raises(DataError) as err:
        create_app(settings, ModelStore.from_settings(settings))
    assert err.value.field == "api_keys_file"


def test_no_key_or_a_bad_key_is_401(client: TestClient) -> None:
    for headers in ({}, {"X-API-Key": "nope"}, {"Authorization": "Bearer nope"}, {"X-API-Key": ""}):
        answer = client.get("/v1/forecasts", params=QUARTERS, headers=headers)
        assert answer.status_code == 401, headers
        assert answer.json()["error"] == "Unauthorized"
        assert answer.headers["www-authenticate"] == "Bearer"


def test_bearer_and_header_keys_both_work(client: TestClient) -> None:
    bearer = {"Authorization": f"Bearer {KEYS[Role.planner]}"}
    assert client.get("/v1/forecasts", params=QUARTERS, headers=bearer).status_code == 200
    header = headers_for(Role.planner)
    assert client.get("/v1/forecasts", params=QUARTERS, headers=header).status_code == 200


def test_a_role_too_low_is_403_naming_the_role(client: TestClient) -> None:
    answer = client.get("/v1/models", headers=headers_for(Role.pricing))
    assert answer.status_code == 403
    assert "data_scientist" in answer.json()["message"]


def test_health_ready_and_docs_stay_open(client: TestClient) -> None:
    for path in ("/v1/health", "/docs", "/openapi.json", "/redoc"):
        assert client.get(path).status_code == 200, path
    assert client.get("/v1/ready").status_code == 503  # open, and honest: leads not trained
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"apiKey", "http"}


def test_without_keys_the_api_is_open_and_says_so_loudly(
    settings: Settings, store: ModelStore, caplog: pytest.LogCaptureFixture
) -> None:
    open_settings = settings.model_copy(update={"auth_enabled": True, "api_keys": None})
    with caplog.at_level(logging.WARNING, logger="lodestar"):
        app = create_app(open_settings, store)
    assert "NO API KEYS CONFIGURED" in caplog.text
    with TestClient(app) as test_client:
        assert test_client.get("/v1/models").status_code == 200


def test_auth_disabled_admits_everyone_even_with_keys(
    serving_settings: Settings, serving_store: ModelStore, caplog: pytest.LogCaptureFixture
) -> None:
    off = serving_settings.model_copy(update={"auth_enabled": False})
    with caplog.at_level(logging.WARNING, logger="lodestar"):
        app = create_app(off, serving_store)
    assert "AUTH DISABLED" in caplog.text
    with TestClient(app) as test_client:
        assert test_client.get("/v1/models").status_code == 200
