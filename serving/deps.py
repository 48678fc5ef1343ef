"""Dependencies shared by routers: settings, model store, champions, caller's role."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request

from engine.settings import Settings
from engine.store import ModelStore
from serving.champions import ChampionRegistry, LoadedModel


class Role(StrEnum):
    """API roles, each including the ones before it."""

    planner = "planner"
    pricing = "pricing"
    data_scientist = "data_scientist"


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> ModelStore:
    return request.app.state.store


def get_champions(request: Request) -> ChampionRegistry:
    return request.app.state.champions


def require_role(role: Role):  # noqa: ANN201 - returns a FastAPI dependency
    """Dependency that admits callers whose API key has at least `role` (auth issue fills in)."""

    def check(request: Request) -> None:
        return None

    return check


def champion_of(family: str):  # noqa: ANN201 - returns a FastAPI dependency
    """Dependency giving the family's loaded champion (409 when there is none)."""

    def dependency(champions: Annotated[ChampionRegistry, Depends(get_champions)]) -> LoadedModel:
        return champions.get(family)

    return dependency


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[ModelStore, Depends(get_store)]
ChampionsDep = Annotated[ChampionRegistry, Depends(get_champions)]
SalesChampion = Annotated[LoadedModel, Depends(champion_of("sales"))]
LeadsChampion = Annotated[LoadedModel, Depends(champion_of("leads"))]
PricingChampion = Annotated[LoadedModel, Depends(champion_of("pricing"))]
