"""compose.yaml runs exactly what the topology test starts (issue 15 item 3).

The compose file is rendered from training/cli/topology.py; the topology test starts
`services(local addresses)` from the same module. These tests parse the committed file and check
each service's command and settings against `services(COMPOSE)`, so neither can drift.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

from training.cli.topology import COMPOSE, compose, render, services

COMPOSE_FILE = Path(__file__).resolve().parents[3] / "compose.yaml"


def _committed() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def test_committed_compose_file_is_the_rendering_of_the_topology() -> None:
    assert COMPOSE_FILE.read_text() == render(), (
        "run: python -m training.cli.topology > compose.yaml"
    )
    assert _committed() == compose()


def test_every_service_runs_the_topology_command_with_its_settings() -> None:
    committed = _committed()["services"]
    for name, service in services(COMPOSE).items():
        found = committed[name]
        if name == "retrain":  # a loop around the one retrain command, `sleep` between runs
            shell = found["command"]
            assert shell[:2] == ["sh", "-c"]
            loop = shell[2]
            assert loop.startswith("while true; do ") and "; sleep " in loop
            inner = loop.removeprefix("while true; do ").split("; sleep ")[0]
            assert shlex.split(inner) == service.command
        else:
            assert found["command"] == service.command
        environment = found.get("environment", {})
        for key, value in service.environment.items():
            assert environment[key] == value, (name, key)
        assert found.get("deploy", {}).get("replicas", 1) == service.replicas


def test_compose_wires_health_checks_volumes_and_order() -> None:
    committed = _committed()
    svc = committed["services"]
    for name in ("postgres", "mlflow", "dask-scheduler", "api"):
        assert svc[name]["healthcheck"]["test"][0] == "CMD", name
    assert "mlflow-artifacts:/var/lib/mlflow/artifacts" in svc["mlflow"]["volumes"]
    assert any(v.startswith("postgres:") for v in svc["postgres"]["volumes"])
    assert set(committed["volumes"]) >= {"postgres", "mlflow-artifacts", "lodestar"}
    assert svc["api"]["depends_on"]["mlflow"]["condition"] == "service_healthy"
    assert svc["mlflow"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    # the API and the retrain talk to the tracking server and the application database
    for name in ("api", "retrain"):
        env = svc[name]["environment"]
        assert env["MLFLOW_TRACKING_URI"] == "http://mlflow:5000"
        assert env["LODESTAR_DATABASE_URL"].endswith("@postgres:5432/lodestar")
    assert "--serve-artifacts" in svc["mlflow"]["command"]
    assert svc["mlflow"]["command"][3].startswith("postgresql+psycopg://")
    assert svc["api"]["command"][-2:] == ["--workers", "2"]
    init = committed["configs"]["lodestar-init"]["content"]
    assert "CREATE DATABASE lodestar" in init
    assert svc["postgres"]["configs"][0]["source"] == "lodestar-init"
