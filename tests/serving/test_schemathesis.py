"""Property-based run of the app against its own OpenAPI schema: no input gives a 500.

Bounded (a few dozen examples per operation) so it stays part of the normal test suite.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import response_schema_conformance

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from serving.app import create_app
from serving.core.auth import Role
from tests.serving.api_keys import headers_for, keys_setting

_HOME = Path(tempfile.mkdtemp(prefix="lodestar-schemathesis-"))
_SETTINGS = Settings(home=_HOME, api_keys=keys_setting(), refresh_seconds=60)
APP = create_app(_SETTINGS, ModelStore.from_settings(_SETTINGS))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _trained_app(sales_template: Path) -> Iterator[None]:
    """Put the trained store under the app's home, then run its lifespan around the tests."""
    shutil.copy(sales_template, _HOME / "mlflow.db")
    with TestClient(APP):
        yield
    shutil.rmtree(_HOME, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_gives_a_server_error(case) -> None:  # noqa: ANN001 - a schemathesis Case
    response = case.call(headers=headers_for(Role.data_scientist))
    not_ready = case.path == "/v1/ready" and response.status_code == 503  # leads/pricing untrained
    assert not_ready or response.status_code < 500, (case.path, response.text)
    case.validate_response(response, checks=[response_schema_conformance])
