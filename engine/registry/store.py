"""Model store on MLflow: the only code that talks to the MLflow client.

Tracking URI comes from MLFLOW_TRACKING_URI, else an embedded SQLite store and artifact folder
under LODESTAR_HOME, created on first use. A model is registered only after it and its metrics
are fully logged, so a failed run never leaves a registry entry behind.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import mlflow
import mlflow.pyfunc
from mlflow.entities import RunStatus
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import PythonModel
from mlflow.tracking import MlflowClient

from engine.core.errors import ConstraintError, NoChampionError, NotFoundError
from engine.core.families import family as family_of
from engine.core.files import write_table
from engine.core.settings import Settings
from engine.registry.legacy import install_module_aliases

log = logging.getLogger("lodestar.store")

CHAMPION = "champion"
_HISTORY_TAG = "lodestar.champion_history"
_HISTORY_KEPT = 50
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_CODE_PACKAGES = ("engine", "models")
_RUNTIME_REQUIREMENTS = (
    "pandas",
    "numpy",
    "scipy",
    "scikit-learn",
    "statsmodels",
    "joblib",
    "lightgbm",
    "pydantic",
    "pydantic-settings",
)


def registered_name(family_key: str) -> str:
    """Registered model name for a family; an unknown family is a NotFoundError."""
    return family_of(family_key).registered_model


@dataclass
class ModelVersionInfo:
    """What data scientists see about a registered version."""

    family: str
    version: str
    run_id: str | None
    aliases: list[str]
    created_at: int
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def is_champion(self) -> bool:
        return CHAMPION in self.aliases


class RunLogger:
    """Logs params, metrics and artifacts to one MLflow run through the client."""

    def __init__(self, client: MlflowClient, run_id: str) -> None:
        self.client = client
        self.run_id = run_id

    def params(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            self.client.log_param(self.run_id, key, str(value)[:6000])

    def metrics(self, values: dict[str, float], step: int | None = None) -> None:
        for key, value in values.items():
            if value is not None and math.isfinite(float(value)):
                self.client.log_metric(self.run_id, _metric_key(key), float(value), step=step or 0)

    def tags(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self.client.set_tag(self.run_id, key, str(value))

    def artifact(self, path: str | Path, folder: str | None = None) -> None:
        self.client.log_artifact(self.run_id, str(path), folder)

    def artifacts(self, path: str | Path, folder: str | None = None) -> None:
        self.client.log_artifacts(self.run_id, str(path), folder)

    def dict(self, payload: dict[str, Any], name: str) -> None:
        self.client.log_dict(self.run_id, payload, name)

    def figure(self, figure: Any, name: str) -> None:
        self.client.log_figure(self.run_id, figure, name)

    def table(self, frame: Any, name: str) -> None:
        """Save a DataFrame as a CSV artifact (text cells neutralised like every CSV export)."""
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / Path(name).name
            write_table(frame, target)
            folder = str(Path(name).parent) if str(Path(name).parent) != "." else None
            self.client.log_artifact(self.run_id, str(target), folder)


def _metric_key(key: str) -> str:
    """MLflow metric names allow letters, digits and _-./ and spaces; replace anything else."""
    return "".join(ch if ch.isalnum() or ch in "_-./ " else "_" for ch in key)


class ModelStore:
    """Runs, registered versions and the champion alias for the three model families."""

    def __init__(self, tracking_uri: str, artifact_root: Path | None = None) -> None:
        self.tracking_uri = tracking_uri
        self.artifact_root = artifact_root
        if tracking_uri.startswith("sqlite:///"):
            Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        if artifact_root is not None:
            artifact_root.mkdir(parents=True, exist_ok=True)
        self.client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelStore:
        """Store at MLFLOW_TRACKING_URI, or the embedded one under LODESTAR_HOME."""
        uri = settings.tracking_uri
        root = settings.artifact_root if uri.startswith("sqlite:") else None
        return cls(uri, root)

    # -- runs -----------------------------------------------------------------------------
    def experiment_id(self, family: str) -> str:
        """Experiment 'lodestar-<family>', created on first use with our artifact folder."""
        name = f"lodestar-{family}"
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        location = (self.artifact_root / name).as_uri() if self.artifact_root else None
        try:
            return self.client.create_experiment(name, artifact_location=location)
        except MlflowException:
            found = self.client.get_experiment_by_name(name)
            if found is None:
                raise
            return found.experiment_id

    @contextlib.contextmanager
    def run(
        self, family: str, run_name: str | None = None, tags: dict[str, str] | None = None
    ) -> Iterator[RunLogger]:
        """An MLflow run that ends FINISHED, or FAILED when the body raises."""
        registered_name(family)
        run = self.client.create_run(
            self.experiment_id(family),
            run_name=run_name,
            tags={"lodestar.family": family, **(tags or {})},
        )
        logger = RunLogger(self.client, run.info.run_id)
        try:
            yield logger
        except BaseException:
            self.client.set_terminated(run.info.run_id, RunStatus.to_string(RunStatus.FAILED))
            raise
        self.client.set_terminated(run.info.run_id, RunStatus.to_string(RunStatus.FINISHED))

    def log_model(
        self,
        run: RunLogger,
        python_model: PythonModel,
        payload: Any,
        signature: Any = None,
        input_example: Any = None,
    ) -> str:
        """Save payload with joblib inside an MLflow pyfunc model (with our code) on the run."""
        with tempfile.TemporaryDirectory() as tmp:
            payload_path = Path(tmp) / "payload.joblib"
            joblib.dump(payload, payload_path)
            model_dir = Path(tmp) / "model"
            mlflow.pyfunc.save_model(
                path=str(model_dir),
                python_model=python_model,
                artifacts={"payload": str(payload_path)},
                signature=signature,
                input_example=input_example,
                code_paths=[str(_PACKAGE_ROOT / pkg) for pkg in _CODE_PACKAGES],
                pip_requirements=_pinned_requirements(),
            )
            run.artifacts(model_dir, "model")
        return f"runs:/{run.run_id}/model"

    # -- registry -------------------------------------------------------------------------
    def register(self, family: str, run: RunLogger, tags: dict[str, str] | None = None) -> str:
        """Register the run's model as a new version of the family; returns the version."""
        name = registered_name(family)
        try:
            self.client.get_registered_model(name)
        except MlflowException:
            with contextlib.suppress(MlflowException):
                self.client.create_registered_model(name)
        run_info = self.client.get_run(run.run_id).info
        source = f"{run_info.artifact_uri}/model"
        version = self.client.create_model_version(name, source, run_id=run.run_id, tags=tags or {})
        return str(version.version)

    def delete_version(self, family: str, version: str) -> None:
        """Remove a version (used to undo a registration whose follow-up failed)."""
        with contextlib.suppress(MlflowException):
            self.client.delete_model_version(registered_name(family), str(version))

    @contextlib.contextmanager
    def registering(self, family: str, run: RunLogger) -> Iterator[str]:
        """Register a version; if the block that follows fails, the version is removed again."""
        version = self.register(family, run)
        try:
            yield version
        except BaseException:
            self.delete_version(family, version)
            raise

    def set_champion(self, family: str, version: str) -> None:
        """Move the champion alias to a version (promotion and rollback alike)."""
        name = registered_name(family)
        self._version(family, version)
        previous = self.champion_version(family)
        self.client.set_registered_model_alias(name, CHAMPION, str(version))
        if previous is not None and previous != str(version):
            history = self.champion_history(family)
            if str(version) in history:  # back to an earlier champion: unwind the lineage
                history = history[: len(history) - 1 - history[::-1].index(str(version))]
            else:
                history = [*history, previous][-_HISTORY_KEPT:]
            self.client.set_registered_model_tag(name, _HISTORY_TAG, ",".join(history))

    def champion_history(self, family: str) -> list[str]:
        """Earlier champions, oldest first, so rollback returns to the one before."""
        try:
            tags = self.client.get_registered_model(registered_name(family)).tags or {}
        except MlflowException:
            return []
        return [v for v in tags.get(_HISTORY_TAG, "").split(",") if v]

    def champion_version(self, family: str) -> str | None:
        """Version the champion alias points at, or None when the family has none."""
        try:
            mv = self.client.get_model_version_by_alias(registered_name(family), CHAMPION)
        except MlflowException:
            return None
        return str(mv.version)

    def load_version(self, family: str, version: str) -> Any:
        """Load a version through MLflow's pyfunc loader and return our payload object."""
        self._version(family, version)
        uri = self.client.get_model_version_download_uri(registered_name(family), str(version))
        install_module_aliases()
        loaded = mlflow.pyfunc.load_model(uri)
        payload = loaded.unwrap_python_model().payload
        expected = family_of(family).payload_type
        found = f"{type(payload).__module__}.{type(payload).__qualname__}"
        if type(payload).__qualname__ != expected:
            raise ConstraintError(
                f"{family} v{version} holds a {found}, not a {expected}: retrain it with "
                f"`lodestar train {family_of(family).train_command}`",
                "version",
            )
        return payload

    def load_champion(self, family: str) -> tuple[str, Any]:
        """(version, payload) of the champion; NoChampionError tells the user how to get one."""
        version = self.champion_version(family)
        if version is None:
            raise NoChampionError(
                f"no champion for '{family}' yet: {family_of(family).train_hint}", "family"
            )
        return version, self.load_version(family, version)

    def versions(self, family: str) -> list[ModelVersionInfo]:
        """Every registered version of a family, newest first, with its run's metrics."""
        name = registered_name(family)
        try:
            found = self.client.search_model_versions(f"name='{name}'")
        except MlflowException:
            return []
        aliases_of: dict[str, list[str]] = {}
        with contextlib.suppress(MlflowException):
            for alias, ver in (self.client.get_registered_model(name).aliases or {}).items():
                aliases_of.setdefault(str(ver), []).append(alias)
        out = []
        for mv in found:
            metrics: dict[str, float] = {}
            params: dict[str, str] = {}
            if mv.run_id:
                with contextlib.suppress(MlflowException):
                    data = self.client.get_run(mv.run_id).data
                    metrics, params = dict(data.metrics), dict(data.params)
            out.append(
                ModelVersionInfo(
                    family=family,
                    version=str(mv.version),
                    run_id=mv.run_id,
                    aliases=sorted(
                        set(mv.aliases or []) | set(aliases_of.get(str(mv.version), []))
                    ),
                    created_at=int(mv.creation_timestamp or 0),
                    metrics=metrics,
                    params=params,
                    tags=dict(mv.tags or {}),
                )
            )
        return sorted(out, key=lambda v: int(v.version), reverse=True)

    def version_info(self, family: str, version: str) -> ModelVersionInfo:
        for info in self.versions(family):
            if info.version == str(version):
                return info
        raise NotFoundError(f"{family} model has no version {version}", "version")

    def run_metrics(self, run_id: str) -> dict[str, float]:
        return dict(self.client.get_run(run_id).data.metrics)

    def _version(self, family: str, version: str) -> None:
        try:
            self.client.get_model_version(registered_name(family), str(version))
        except MlflowException:
            raise NotFoundError(f"{family} model has no version {version}", "version") from None


def _pinned_requirements() -> list[str]:
    """Exact versions of the runtime libraries so the model loads the same anywhere."""
    out = []
    for dist in _RUNTIME_REQUIREMENTS:
        try:
            out.append(f"{dist}=={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return out
