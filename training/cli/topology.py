"""The team topology, defined once: the command and settings of every service.

`compose.yaml` is rendered from here (`python -m training.cli.topology > compose.yaml`), and the
topology test (tests/e2e/test_topology_e2e.py) starts the very same commands as local
processes; a test checks that the committed compose file equals this rendering. Only the
addresses differ: service names and fixed ports in containers, free localhost ports in tests.

Services: PostgreSQL (MLflow's backend store and Lodestar's application database), an MLflow
tracking server with proxied artifacts, the Lodestar API with two workers, a Dask scheduler with
two workers, and a scheduled retrain that trains the sales forecast through the cluster.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from typing import Any

API_WORKERS = 2
"""Uvicorn worker processes of the Lodestar API (each polls the champion alias itself)."""
DASK_WORKERS = 2
"""Dask worker processes (one single-threaded worker each; compose runs them as replicas)."""
WORKER_MEMORY = "4GiB"
"""Memory a Dask worker may use before it spills and pauses (issue 15's bound per worker)."""
REFRESH_SECONDS = "5"
"""How often each API worker looks for a moved champion alias."""
RETRAIN_MODELS = "fast"
"""Model selection of the scheduled retrain."""
RETRAIN_SECONDS = "604800"
"""Pause between scheduled retrains in compose (a week)."""
INIT_SQL = "CREATE DATABASE lodestar OWNER lodestar;\n"
"""Lodestar's application database beside MLflow's (POSTGRES_DB creates mlflow)."""
INIT_TARGET = "/docker-entrypoint-initdb.d/10-lodestar.sql"
"""Where the postgres image runs first-start scripts."""


@dataclass(frozen=True)
class Addresses:
    """Where each service listens and what the others call it."""

    tracking_database: str
    application_database: str
    artifacts: str
    mlflow_host: str
    mlflow_port: int
    mlflow_allowed_hosts: str
    tracking_uri: str
    scheduler_host: str
    scheduler_port: int
    scheduler_address: str
    api_host: str
    api_port: int
    sales_data: str


@dataclass(frozen=True)
class Service:
    """One process kind: its command line, its environment, how many run."""

    command: list[str]
    environment: dict[str, str] = field(default_factory=dict)
    replicas: int = 1


COMPOSE = Addresses(
    tracking_database="postgresql+psycopg://lodestar:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
    "@postgres:5432/mlflow",
    application_database="postgresql+psycopg://lodestar:${POSTGRES_PASSWORD:?set "
    "POSTGRES_PASSWORD}@postgres:5432/lodestar",
    artifacts="/var/lib/mlflow/artifacts",
    mlflow_host="0.0.0.0",
    mlflow_port=5000,
    mlflow_allowed_hosts="mlflow,mlflow:5000,localhost,localhost:5000",
    tracking_uri="http://mlflow:5000",
    scheduler_host="0.0.0.0",
    scheduler_port=8786,
    scheduler_address="tcp://dask-scheduler:8786",
    api_host="0.0.0.0",
    api_port=8000,
    sales_data="/data/sales.csv",
)
"""Addresses inside the compose network."""


def services(at: Addresses) -> dict[str, Service]:
    """Every Lodestar-side service of the topology (PostgreSQL is started apart)."""
    shared = {
        "MLFLOW_TRACKING_URI": at.tracking_uri,
        "LODESTAR_DATABASE_URL": at.application_database,
    }
    return {
        "mlflow": Service(
            [
                "mlflow",
                "server",
                "--backend-store-uri",
                at.tracking_database,
                "--serve-artifacts",
                "--artifacts-destination",
                at.artifacts,
                "--host",
                at.mlflow_host,
                "--port",
                str(at.mlflow_port),
                "--allowed-hosts",
                at.mlflow_allowed_hosts,
                "--workers",
                "1",
            ]  # fmt: skip
        ),
        "dask-scheduler": Service(
            [
                "dask",
                "scheduler",
                "--host",
                at.scheduler_host,
                "--port",
                str(at.scheduler_port),
                "--no-dashboard",
            ]  # fmt: skip
        ),
        "dask-worker": Service(
            [
                "dask",
                "worker",
                at.scheduler_address,
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--memory-limit",
                WORKER_MEMORY,
                "--no-dashboard",
            ],  # fmt: skip
            replicas=DASK_WORKERS,
        ),
        "api": Service(
            [
                "lodestar",
                "serve",
                "--host",
                at.api_host,
                "--port",
                str(at.api_port),
                "--workers",
                str(API_WORKERS),
            ],  # fmt: skip
            {**shared, "LODESTAR_REFRESH_SECONDS": REFRESH_SECONDS},
        ),
        "retrain": Service(retrain_command(at), shared),
    }


def retrain_command(at: Addresses) -> list[str]:
    """One retrain of the sales forecast over the tracking server, through the Dask cluster."""
    return [
        "lodestar", "train", "forecast", "--data", at.sales_data, "--models", RETRAIN_MODELS,
        "--backend", "dask", "--scheduler", at.scheduler_address,
    ]  # fmt: skip


def scheduled(command: list[str]) -> list[str]:
    """The compose form of the retrain: run the command, sleep, again (a failure is retried)."""
    loop = f'while true; do {shlex.join(command)}; sleep "$${{LODESTAR_RETRAIN_SECONDS}}"; done'
    return ["sh", "-c", loop]


def compose() -> dict[str, Any]:
    """The compose file as a mapping: the services above plus images, health checks, volumes."""
    defined = services(COMPOSE)
    lodestar_image = {"build": ".", "image": "lodestar:latest"}
    out: dict[str, Any] = {
        "postgres": {
            "image": "postgres:16",
            "environment": {
                "POSTGRES_USER": "lodestar",
                "POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}",
                "POSTGRES_DB": "mlflow",
            },
            "volumes": ["postgres:/var/lib/postgresql/data"],
            "configs": [{"source": "lodestar-init", "target": INIT_TARGET}],
            "healthcheck": _health(["pg_isready", "-U", "lodestar", "-d", "mlflow"]),
        },
        "mlflow": {
            **lodestar_image,
            "user": "root",  # writes the artifacts volume
            "command": defined["mlflow"].command,
            "volumes": ["mlflow-artifacts:/var/lib/mlflow/artifacts"],
            "depends_on": {"postgres": {"condition": "service_healthy"}},
            "healthcheck": _health(_http_probe("http://localhost:5000/health")),
        },
        "dask-scheduler": {
            **lodestar_image,
            "command": defined["dask-scheduler"].command,
            "healthcheck": _health(_tcp_probe(8786)),
        },
        "dask-worker": {
            **lodestar_image,
            "command": defined["dask-worker"].command,
            "deploy": {"replicas": defined["dask-worker"].replicas},
            "depends_on": {"dask-scheduler": {"condition": "service_healthy"}},
        },
        "api": {
            **lodestar_image,
            "command": defined["api"].command,
            "environment": {
                **defined["api"].environment,
                "LODESTAR_API_KEYS_FILE": "/run/secrets/lodestar_api_keys",
            },
            "secrets": ["lodestar_api_keys"],
            "ports": ["8000:8000"],
            "volumes": ["lodestar:/var/lib/lodestar"],
            "depends_on": {"mlflow": {"condition": "service_healthy"}},
            "healthcheck": _health(_http_probe("http://localhost:8000/v1/health")),
        },
        "retrain": {
            **lodestar_image,
            "command": scheduled(defined["retrain"].command),
            "environment": {
                **defined["retrain"].environment,
                "LODESTAR_RETRAIN_SECONDS": RETRAIN_SECONDS,
            },
            "volumes": ["./data:/data:ro"],
            "depends_on": {
                "mlflow": {"condition": "service_healthy"},
                "dask-scheduler": {"condition": "service_healthy"},
            },
        },
    }
    return {
        "name": "lodestar",
        "services": out,
        "volumes": {"postgres": {}, "mlflow-artifacts": {}, "lodestar": {}},
        "secrets": {"lodestar_api_keys": {"file": "./api-keys.txt"}},
        "configs": {"lodestar-init": {"content": INIT_SQL}},
    }


def _health(test: list[str]) -> dict[str, Any]:
    return {"test": ["CMD", *test], "interval": "10s", "timeout": "5s", "retries": 12}


def _http_probe(url: str) -> list[str]:
    return ["python", "-c", f"import urllib.request; urllib.request.urlopen({url!r}, timeout=4)"]


def _tcp_probe(port: int) -> list[str]:
    return ["python", "-c", f"import socket; socket.create_connection(('localhost', {port}), 4)"]


HEADER = (
    "# Lodestar for a team: rendered from training/cli/topology.py "
    "(python -m training.cli.topology > compose.yaml); edit that, not this.\n"
    "# Needs POSTGRES_PASSWORD (e.g. in .env), api-keys.txt (`lodestar api-key`) and\n"
    "# the sales history at data/sales.csv. See README, 'For teams'.\n"
)


def render() -> str:
    """compose.yaml's text."""
    import yaml

    return HEADER + yaml.safe_dump(compose(), sort_keys=False, width=100)


if __name__ == "__main__":
    sys.stdout.write(render())
