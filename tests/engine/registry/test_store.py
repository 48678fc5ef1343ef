"""The MLflow model store: registration, the champion alias, its lineage and loading."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import joblib
import pandas as pd
import pytest

from engine.core.errors import ConstraintError, NoChampionError, NotFoundError
from engine.registry.legacy import install_module_aliases
from engine.registry.lifecycle import rollback_target
from engine.registry.pyfunc import PayloadModel
from engine.registry.store import ModelStore

LEGACY = Path(__file__).resolve().parent.parent / "fixtures" / "legacy_payloads"


@dataclass
class ConstantPayload:
    """A tiny picklable payload answering pyfunc predictions with a constant."""

    value: float

    def predict_frame(self, model_input: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"value": [self.value] * len(model_input)})


def forecast_set(scale: float):  # noqa: ANN201 - a ForecastSet
    """A small real sales payload whose mean is scaled, so versions tell apart."""
    install_module_aliases()
    payload = joblib.load(LEGACY / "sales_payload.joblib")
    payload.mean = payload.mean * scale
    return payload


def register(store: ModelStore, value: float, payload: object = None) -> str:
    with store.run("sales") as run:
        run.metrics({"backtest_wape": value})
        store.log_model(run, PayloadModel(), payload or forecast_set(value))
        return store.register("sales", run)


def test_versions_report_the_champion_alias_and_metrics(store: ModelStore) -> None:
    first, second = register(store, 0.3), register(store, 0.2)
    assert store.champion_version("sales") is None
    with pytest.raises(NoChampionError):
        store.load_champion("sales")
    store.set_champion("sales", second)
    versions = {v.version: v for v in store.versions("sales")}
    assert versions[second].is_champion and not versions[first].is_champion
    assert versions[first].metrics["backtest_wape"] == pytest.approx(0.3)
    version, payload = store.load_champion("sales")
    assert version == second
    assert payload.mean == pytest.approx(forecast_set(0.2).mean)


def test_a_payload_of_another_family_is_refused_with_a_retrain_hint(store: ModelStore) -> None:
    store.set_champion("sales", register(store, 0.3, ConstantPayload(0.3)))
    with pytest.raises(ConstraintError, match="retrain it with `lodestar train forecast`"):
        store.load_champion("sales")


def test_rollback_undoes_moves_one_at_a_time(store: ModelStore) -> None:
    v1, v2, v3 = (register(store, x) for x in (0.3, 0.2, 0.1))
    store.set_champion("sales", v1)
    store.set_champion("sales", v3)  # v2 never served
    assert rollback_target(store, "sales") == v1
    store.set_champion("sales", v1, action="rollback", undoes=2)
    assert [m.undoes for m in store.champion_moves("sales")] == [None, None, 2]
    with pytest.raises(ConstraintError, match="became champion when there was none"):
        rollback_target(store, "sales")  # undoing does not toggle back to v3


def test_unknown_versions_and_families_are_not_found(store: ModelStore) -> None:
    with pytest.raises(NotFoundError):
        store.set_champion("sales", "7")
    with pytest.raises(NotFoundError):
        store.versions("weather")
