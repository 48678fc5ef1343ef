"""`lodestar serve` runs the HTTP API; `lodestar api-key` makes a key and its hashed entry."""

from __future__ import annotations

import inspect
import ipaddress
from typing import Annotated, Any

import typer

from engine.core.errors import ConstraintError
from engine.core.settings import get_settings


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


WORKER_PATIENCE_SECONDS = 60
"""How long a worker may be slow to answer uvicorn's liveness ping before it is killed.

Each worker loads champions (unpickling, building quarter tables) in a thread; on a busy
host that can starve the ping for more than uvicorn's default 5 s, and a killed worker drops
the requests it holds and starts loading again.
"""


def uvicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    """Keyword arguments for uvicorn.run (the worker patience where this uvicorn has it)."""
    import uvicorn

    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "log_level": "warning",
        "access_log": False,
    }
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        options["timeout_worker_healthcheck"] = WORKER_PATIENCE_SECONDS
    return options


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port")] = 8000,
        workers: Annotated[int, typer.Option("--workers")] = 1,
    ) -> None:
        """Serve forecasts, scores and prices over HTTP from the registered champions.

        With no API keys configured the API is open, so only a loopback host is allowed;
        set LODESTAR_API_KEYS / LODESTAR_API_KEYS_FILE (or LODESTAR_AUTH_ENABLED=false).
        """
        import uvicorn

        from serving.core.access_log import configure_json_logs
        from serving.core.auth import KeyRing

        settings = get_settings()
        configure_json_logs(settings.log_level)
        keyring = KeyRing.from_settings(settings)  # a bad key entry stops us here, exit 2
        if settings.auth_enabled and not keyring.configured and not _is_loopback(host):
            raise ConstraintError(
                f"refusing to serve on {host} without API keys: set LODESTAR_API_KEYS or "
                "LODESTAR_API_KEYS_FILE (see `lodestar api-key`), or LODESTAR_AUTH_ENABLED=false",
                "host",
            )
        uvicorn.run("serving.app:create_app", **uvicorn_options(host, port, workers))

    @app.command("api-key")
    def api_key(
        role: Annotated[
            str, typer.Option("--role", help="planner, approver, pricing or data_scientist.")
        ] = "planner",
        name: Annotated[
            str | None,
            typer.Option("--name", help="Who holds the key, shown in the audit trail."),
        ] = None,
        team: Annotated[
            str | None,
            typer.Option(
                "--team", help="marketing or sales: the lead-loop parts the key may manage."
            ),
        ] = None,
    ) -> None:
        """Make a new API key: prints the key once and the hashed entry for the keys file."""
        from serving.core.auth import Role, check_key_name, check_team, hash_key, new_key

        try:
            chosen = Role(role)
        except ValueError:
            raise ConstraintError(
                f"unknown role '{role}' (known: {', '.join(r.value for r in Role)})", "role"
            ) from None
        if team is not None and name is None:
            raise ConstraintError("a key with --team needs a --name too", "team")
        named = f"{check_key_name(name)}:" if name is not None else ""
        if team is not None:
            named += f"{check_team(team)}:"
        key = new_key()
        typer.echo(f"API key (shown once, give it to the user): {key}")
        typer.echo("Line for LODESTAR_API_KEYS_FILE (or LODESTAR_API_KEYS, comma separated):")
        typer.echo(f"{chosen.value}:{named}sha256:{hash_key(key)}")
