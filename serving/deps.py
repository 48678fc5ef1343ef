"""Dependencies shared by routers: settings, model store, champions, caller's role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from engine.core.settings import Settings
from engine.database.setup import Database, open_database
from engine.registry.store import ModelStore
from serving.core.auth import Caller, KeyRing, Role
from serving.core.champions import ChampionRegistry, LoadedModel
from serving.ui.api_auth import session_caller

__all__ = ["Role", "require_role", "champion_of", "Caller", "Planner", "Pricer"]

_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="API key (or send it as a Bearer token)."
)
_bearer = HTTPBearer(auto_error=False, description="API key as `Authorization: Bearer <key>`.")


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_store(request: Request) -> ModelStore:
    return request.app.state.store


async def get_database(request: Request) -> Database:
    """The application database (opened and migrated when the server starts; a test app
    without a lifespan opens it on first use)."""
    database = getattr(request.app.state, "database", None)
    if database is None:
        database = open_database(request.app.state.settings.database_uri)
        request.app.state.database = database
    return database


async def get_champions(request: Request) -> ChampionRegistry:
    return request.app.state.champions


def _unauthorized(message: str) -> HTTPException:
    body = {"error": "Unauthorized", "field": "X-API-Key", "message": message}
    return HTTPException(401, detail=body, headers={"WWW-Authenticate": "Bearer"})


def require_role(role: Role):  # noqa: ANN201 - returns a FastAPI dependency
    """Dependency admitting keys with at least `role`: 401 for no/bad key, 403 for too low."""

    async def check(
        request: Request,
        api_key: Annotated[str | None, Security(_api_key_header)] = None,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
    ) -> Caller:
        keyring: KeyRing = request.app.state.keyring
        if not keyring.enabled:
            caller = Caller(Role.data_scientist, "open", "open")
        else:
            presented = api_key or (bearer.credentials if bearer is not None else None)
            found = keyring.identify(presented) if presented else session_caller(request)
            if found is None and not presented:
                raise _unauthorized(
                    "send an API key in the X-API-Key header (or as a Bearer token)"
                )
            if found is None:
                raise _unauthorized("this API key is not valid")
            caller = found
        request.state.role = caller.role.value
        request.state.key_id = caller.key_id
        request.state.caller = caller
        if not caller.role.allows(role):
            body = {
                "error": "Forbidden",
                "field": None,
                "message": f"this needs the {role.value} role; your key has {caller.role.value}",
            }
            raise HTTPException(403, detail=body)
        return caller

    check.required_role = role  # type: ignore[attr-defined]  # read by the auth-matrix test
    return check


def champion_of(family: str):  # noqa: ANN201 - returns a FastAPI dependency
    """Dependency giving the family's loaded champion (409 when there is none)."""

    async def dependency(
        champions: Annotated[ChampionRegistry, Depends(get_champions)],
    ) -> LoadedModel:
        return champions.get(family)

    return dependency


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[ModelStore, Depends(get_store)]
ChampionsDep = Annotated[ChampionRegistry, Depends(get_champions)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SalesChampion = Annotated[LoadedModel, Depends(champion_of("sales"))]
LeadsChampion = Annotated[LoadedModel, Depends(champion_of("leads"))]
PricingChampion = Annotated[LoadedModel, Depends(champion_of("pricing"))]
Planner = Annotated[Caller, Depends(require_role(Role.planner))]
"""The calling key, when its role is planner or above."""
Pricer = Annotated[Caller, Depends(require_role(Role.pricing))]
"""The calling key, when its role is pricing or above."""
