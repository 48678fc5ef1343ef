"""The interactive docs work without internet (item 25): every asset from our own origin.

The network is blocked for the whole test (any socket connection fails), the pages are
fetched through the app, and each script, stylesheet and icon they reference is fetched too.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.core.docs import DOCS_ASSETS

_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
_ABSOLUTE = re.compile(r"""["'(]\s*((?:https?:)?//[^"')\s]+)""")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every outgoing connection fails (and is recorded), as on a machine without internet."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("network is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a[0]))
    yield attempts


def _page_assets(client: TestClient, page: str) -> tuple[str, list[str]]:
    html = client.get(page)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    return html.text, _REFERENCE.findall(html.text)


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}),
        ("/redoc", {"redoc.standalone.js", "favicon.png"}),
    ],
)
def test_item25_docs_and_every_asset_come_from_our_origin(
    shared_client: TestClient, no_network: list[Any], page: str, expected: set[str]
) -> None:
    text, assets = _page_assets(shared_client, page)
    assert _ABSOLUTE.findall(text) == []  # no http(s):// or protocol-relative URL at all
    assert {a.rsplit("/", 1)[-1] for a in assets} == expected
    for asset in assets:
        assert asset.startswith(f"{DOCS_ASSETS}/"), asset
        answer = shared_client.get(asset)
        assert answer.status_code == 200, asset
        assert len(answer.content) > 1000, asset
        kind = answer.headers["content-type"]
        if asset.endswith(".js"):
            assert "javascript" in kind
        elif asset.endswith(".css"):
            assert kind.startswith("text/css")
    assert no_network == []


def test_item25_swagger_ui_reads_our_schema_and_no_online_validator(
    shared_client: TestClient, no_network: list[Any]
) -> None:
    text, _ = _page_assets(shared_client, "/docs")
    assert "url: '/openapi.json'" in text
    assert '"validatorUrl": null' in text
    assert shared_client.get("/openapi.json").json()["info"]["title"] == "Lodestar"
    redirect = shared_client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200 and _ABSOLUTE.findall(redirect.text) == []
    assert no_network == []


def test_item25_docs_assets_are_not_in_the_api_schema(shared_client: TestClient) -> None:
    paths = shared_client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/docs", "/redoc", DOCS_ASSETS))]
