"""Model store on MLflow: the only code that talks to the MLflow client.

Tracking URI comes from MLFLOW_TRACKING_URI, else an embedded SQLite store and artifact folder
under LODESTAR_HOME, created on first use; a home copied, moved or mounted elsewhere reads and
writes its own artifact folder (`relocation`). A version is registered at the end of its run and
becomes usable only when the completion tag is set, last, after the run FINISHED (see
`completion`): a failed run removes its version, and a run killed outright leaves one that
nothing lists or loads and that the next training run or server start removes.

Every call to MLflow goes through `faults.guarded`: "not found" stays a NotFoundError (or None),
while a store that cannot be read or written raises StoreUnavailableError (503) with its
reason and is noted in `health`, so an empty answer always means empty.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import math
import sqlite3
import tempfile
import threading
import urllib.parse
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

from engine.core.errors import (
    ConstraintError,
    NoChampionError,
    NotFoundError,
    StoreUnavailableError,
)
from engine.core.families import FAMILIES
from engine.core.families import family as family_of
from engine.core.files import write_table
from engine.core.processes import ProcessRef
from engine.core.settings import Settings
from engine.registry.completion import (
    COMPLETE_TAG,
    FAILURE_TAG,
    PROCESS_TAG,
    is_complete,
    orphan_reason,
    run_state,
)
from engine.registry.crashpoints import crash_point
from engine.registry.faults import StoreHealth, guarded, is_missing, reason_of
from engine.registry.history import (
    ChampionHistory,
    ChampionMove,
    RegistryTagHistory,
    now_iso,
)
from engine.registry.legacy import install_module_aliases
from engine.registry.relocation import relocate

log = logging.getLogger("lodestar.store")

CHAMPION = "champion"
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

    def __init__(self, client: MlflowClient, run_id: str, health: StoreHealth) -> None:
        self.client = client
        self.run_id = run_id
        self.health = health
        self.version: str | None = None  # the version registered from this run, if any

    def _writing(self) -> contextlib.AbstractContextManager[None]:
        return guarded(self.health, "write", f"write training run {self.run_id}")

    def params(self, values: dict[str, Any]) -> None:
        with self._writing():
            for key, value in values.items():
                self.client.log_param(self.run_id, key, str(value)[:6000])

    def metrics(self, values: dict[str, float], step: int | None = None) -> None:
        with self._writing():
            for key, value in values.items():
                if value is not None and math.isfinite(float(value)):
                    self.client.log_metric(
                        self.run_id, _metric_key(key), float(value), step=step or 0
                    )

    def tags(self, values: dict[str, str]) -> None:
        with self._writing():
            for key, value in values.items():
                self.client.set_tag(self.run_id, key, str(value))

    def artifact(self, path: str | Path, folder: str | None = None) -> None:
        with self._writing():
            self.client.log_artifact(self.run_id, str(path), folder)

    def artifacts(self, path: str | Path, folder: str | None = None) -> None:
        with self._writing():
            self.client.log_artifacts(self.run_id, str(path), folder)

    def dict(self, payload: dict[str, Any], name: str) -> None:
        with self._writing():
            self.client.log_dict(self.run_id, payload, name)

    def figure(self, figure: Any, name: str) -> None:
        with self._writing():
            self.client.log_figure(self.run_id, figure, name)

    def table(self, frame: Any, name: str) -> None:
        """Save a DataFrame as a CSV artifact (text cells neutralised like every CSV export)."""
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / Path(name).name
            write_table(frame, target)
            folder = str(Path(name).parent) if str(Path(name).parent) != "." else None
            self.artifact(target, folder)


def _metric_key(key: str) -> str:
    """MLflow metric names allow letters, digits and _-./ and spaces; replace anything else."""
    return "".join(ch if ch.isalnum() or ch in "_-./ " else "_" for ch in key)


def sqlite_file(uri: str) -> Path | None:
    """The database file of a sqlite:/// URI (plain or `file:...?mode=ro&uri=true`), else None."""
    if not uri.startswith("sqlite:///"):
        return None
    rest = uri.removeprefix("sqlite:///")
    if rest.startswith("file:"):
        rest = rest.removeprefix("file:").split("?", 1)[0]
    return Path(rest)


def local_folder(uri: str) -> Path | None:
    """The folder a file:// (or plain path) artifact URI names; None for remote stores."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme == "file":
        return Path(urllib.parse.unquote(parsed.path))
    if parsed.scheme == "" and uri.startswith("/"):
        return Path(uri)
    return None


class ModelStore:
    """Runs, registered versions and the champion alias for the three model families."""

    def __init__(self, tracking_uri: str, artifact_root: Path | None = None) -> None:
        self.tracking_uri = tracking_uri
        self.artifact_root = artifact_root
        self.health = StoreHealth()
        database = sqlite_file(tracking_uri)
        with contextlib.suppress(OSError):  # a store that cannot be created answers 503 later
            if database is not None and "mode=ro" not in tracking_uri:
                database.parent.mkdir(parents=True, exist_ok=True)
            if artifact_root is not None:
                artifact_root.mkdir(parents=True, exist_ok=True)
        self._client: MlflowClient | None = None
        self._client_lock = threading.Lock()
        self.history: ChampionHistory = RegistryTagHistory(
            lambda: self.client, self.health, registered_name
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelStore:
        """Store at MLFLOW_TRACKING_URI, or the embedded one under LODESTAR_HOME."""
        uri = settings.tracking_uri
        root = settings.artifact_root if uri.startswith("sqlite:") else None
        return cls(uri, root)

    @property
    def client(self) -> MlflowClient:
        """The MLflow client, opened on first use; a store that cannot be opened raises 503."""
        if self._client is None:
            with self._client_lock, self._reading("open the tracking store"):
                if self._client is None:
                    self._check_database()
                    self._follow_moved_home()
                    self._client = MlflowClient(
                        tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri
                    )
        return self._client

    def _check_database(self) -> None:
        """Refuse an embedded database that cannot be a SQLite file before MLflow tries.

        MLflow retries opening a database for about 100 s; a path that is a folder, or a
        read-only store whose file is absent, is known to fail at once.
        """
        database = sqlite_file(self.tracking_uri)
        if database is None:
            return
        if database.exists() and not database.is_file():
            raise FileNotFoundError(f"{database} is not a database file")
        if "mode=ro" in self.tracking_uri and not database.exists():
            raise FileNotFoundError(f"read-only database {database} does not exist")

    def _follow_moved_home(self) -> None:
        """An embedded store copied or moved to another home reads its artifacts from there."""
        database = sqlite_file(self.tracking_uri)
        if database is None or self.artifact_root is None or "mode=ro" in self.tracking_uri:
            return
        try:
            relocate(database, self.artifact_root)
        except sqlite3.Error as exc:  # read-only or broken: MLflow's own open says what is wrong
            log.warning("could not check whether the store moved: %s", exc)

    def _reading(self, action: str) -> contextlib.AbstractContextManager[None]:
        return guarded(self.health, "read", action)

    def _writing(self, action: str) -> contextlib.AbstractContextManager[None]:
        return guarded(self.health, "write", action)

    # -- runs -----------------------------------------------------------------------------
    def experiment_id(self, family: str) -> str:
        """Experiment 'lodestar-<family>', created on first use with our artifact folder."""
        name = f"lodestar-{family}"
        with self._reading(f"read experiment {name}"):
            found = self.client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        location = (self.artifact_root / name).as_uri() if self.artifact_root else None
        with self._writing(f"create experiment {name}"):
            try:
                return self.client.create_experiment(name, artifact_location=location)
            except MlflowException:
                found = self.client.get_experiment_by_name(name)  # made meanwhile by another
                if found is None:
                    raise
                return found.experiment_id

    @contextlib.contextmanager
    def run(
        self, family: str, run_name: str | None = None, tags: dict[str, str] | None = None
    ) -> Iterator[RunLogger]:
        """An MLflow run that ends FINISHED, its version then marked complete (the last step).

        When the body raises, the version registered from the run is removed and the run ends
        FAILED. Runs and versions that earlier, killed processes left behind are cleaned up
        first.
        """
        registered_name(family)
        self.recover(family)
        experiment = self.experiment_id(family)
        owner = {PROCESS_TAG: ProcessRef.current().to_text()}
        with self._writing(f"start a {family} training run"):
            run = self.client.create_run(
                experiment,
                run_name=run_name,
                tags={"lodestar.family": family, **owner, **(tags or {})},
            )
        crash_point("after_run_created")
        logger = RunLogger(self.client, run.info.run_id, self.health)
        try:
            yield logger
            with self._writing(f"finish training run {run.info.run_id}"):
                self.client.set_terminated(run.info.run_id, RunStatus.to_string(RunStatus.FINISHED))
            crash_point("after_finish")
            if logger.version is not None:
                with self._writing(f"mark {family} v{logger.version} complete"):
                    self.client.set_model_version_tag(
                        registered_name(family), logger.version, COMPLETE_TAG, "true"
                    )
                crash_point("after_complete")
        except BaseException as exc:
            self.withdraw(family, logger, f"failed: {reason_of(exc)}")
            raise

    def withdraw(self, family: str, run: RunLogger, why: str) -> None:
        """Undo a run that cannot be completed: remove its version, mark it FAILED with why."""
        if run.version is not None:
            self.delete_version(family, run.version)
            run.version = None
        with contextlib.suppress(StoreUnavailableError):
            run.tags({FAILURE_TAG: why})
        self._end_run(run.run_id, RunStatus.FAILED)

    def _end_run(self, run_id: str, status: int) -> None:
        """Mark a failed run as such; a store that refuses is logged, not raised over the cause."""
        try:
            with self._writing(f"end training run {run_id}"):
                self.client.set_terminated(run_id, RunStatus.to_string(status))
        except StoreUnavailableError as exc:
            log.warning("could not mark run %s %s: %s", run_id, RunStatus.to_string(status), exc)

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
        crash_point("after_model_logged")
        return f"runs:/{run.run_id}/model"

    # -- registry -------------------------------------------------------------------------
    def register(self, family: str, run: RunLogger, tags: dict[str, str] | None = None) -> str:
        """Register the run's model as a new version of the family; returns the version."""
        name = registered_name(family)
        with self._writing(f"register a {family} version"):
            try:
                self.client.get_registered_model(name)
            except MlflowException as exc:
                if not is_missing(exc):
                    raise
                try:
                    self.client.create_registered_model(name)
                except MlflowException as again:
                    if again.error_code != "RESOURCE_ALREADY_EXISTS":
                        raise
            run_info = self.client.get_run(run.run_id).info
            source = f"{run_info.artifact_uri}/model"
            version = self.client.create_model_version(
                name, source, run_id=run.run_id, tags=tags or {}
            )
        run.version = str(version.version)
        crash_point("after_register")
        return run.version

    def delete_version(self, family: str, version: str) -> None:
        """Remove a version (used to undo a registration whose follow-up failed)."""
        try:
            with self._writing(f"remove {family} v{version}"):
                self.client.delete_model_version(registered_name(family), str(version))
        except StoreUnavailableError as exc:
            log.warning("could not remove %s v%s: %s", family, version, exc)
        except MlflowException as exc:
            if not is_missing(exc):
                raise

    def recover(self, family: str) -> list[str]:
        """Clean up after killed training processes; returns what was done, one line each.

        RUNNING runs whose process is gone are marked FAILED; versions that never got their
        completion tag are removed once their run is no longer in progress. A run of a process
        still alive (here or on another host) is left alone.
        """
        name = registered_name(family)
        done: list[str] = []
        with self._reading(f"look for interrupted {family} runs"):
            experiment = self.client.get_experiment_by_name(f"lodestar-{family}")
            running = (
                self.client.search_runs(
                    [experiment.experiment_id], "attributes.status = 'RUNNING'", max_results=1000
                )
                if experiment is not None
                else []
            )
        for run in running:
            if run_state(run) == "orphan":
                why = orphan_reason(run)
                with self._writing(f"mark interrupted run {run.info.run_id} failed"):
                    self.client.set_tag(run.info.run_id, FAILURE_TAG, why)
                    self.client.set_terminated(
                        run.info.run_id, RunStatus.to_string(RunStatus.FAILED)
                    )
                done.append(f"{family} run {run.info.run_id} marked failed: {why}")
        champion = self.champion_version(family)
        for mv, source in self._registered_versions(family, unfinished_only=True):
            if source is None or "lodestar.family" not in (source.data.tags or {}):
                continue  # not registered by a Lodestar run: hidden, but not ours to remove
            if is_complete(dict(mv.tags or {}), source) or run_state(source) == "in_progress":
                continue
            if str(mv.version) == champion:
                log.warning("%s v%s is champion but unfinished; left in place", family, mv.version)
                continue
            with self._writing(f"remove unfinished {family} v{mv.version}"):
                self.client.delete_model_version(name, str(mv.version))
                if source.info.status != "FAILED":
                    why = f"interrupted before {family} v{mv.version} was marked complete"
                    self.client.set_tag(source.info.run_id, FAILURE_TAG, why)
                    self.client.set_terminated(
                        source.info.run_id, RunStatus.to_string(RunStatus.FAILED)
                    )
            done.append(f"{family} v{mv.version} removed: its training run never completed")
        for line in done:
            log.warning("recovered: %s", line)
        return done

    def recover_all(self) -> list[str]:
        """`recover` for every family (at server start)."""
        return [line for family in FAMILIES for line in self.recover(family)]

    def _registered_versions(
        self, family: str, unfinished_only: bool = False
    ) -> list[tuple[Any, Any | None]]:
        """Every registered version of the family (finished or not) with its run, if any."""
        out = []
        with self._reading(f"list the {family} versions"):
            for mv in self.client.search_model_versions(f"name='{registered_name(family)}'"):
                if unfinished_only and (mv.tags or {}).get(COMPLETE_TAG) == "true":
                    continue
                run = None
                if mv.run_id:
                    try:
                        run = self.client.get_run(mv.run_id)
                    except MlflowException as exc:  # the run was deleted
                        if not is_missing(exc):
                            raise
                out.append((mv, run))
        return out

    def set_champion(
        self,
        family: str,
        version: str,
        who: str = "local",
        action: str = "promote",
        reason: str = "",
        undoes: int | None = None,
    ) -> ChampionMove | None:
        """Move the champion alias to a version and record the move in the champion history.

        `who` made the move (an API key, "cli (user)", "training run <id>"), `action` is
        train, promote or rollback, `undoes` the seq of the move a rollback undid. Moving to
        the current champion changes nothing and records nothing.
        """
        name = registered_name(family)
        version = str(version)
        self._version(family, version)
        previous = self.champion_version(family)
        if previous == version:
            return None
        with self._writing(f"move the {family} champion to v{version}"):
            self.client.set_registered_model_alias(name, CHAMPION, version)
        move = ChampionMove(family, 0, now_iso(), who, action, previous, version, reason, undoes)
        try:
            return self.history.append(move)
        except BaseException:  # an unrecorded move is not made: put the alias back
            self._restore_champion(family, previous)
            raise

    def _restore_champion(self, family: str, version: str | None) -> None:
        """Best effort: point the alias back at `version` (or remove it when there was none)."""
        name = registered_name(family)
        try:
            with self._writing(f"restore the {family} champion"):
                if version is None:
                    self.client.delete_registered_model_alias(name, CHAMPION)
                else:
                    self.client.set_registered_model_alias(name, CHAMPION, version)
        except (StoreUnavailableError, MlflowException) as exc:
            log.error("could not restore the %s champion to v%s: %s", family, version, exc)

    def champion_moves(self, family: str) -> list[ChampionMove]:
        """Every recorded move of the family's champion, oldest first."""
        registered_name(family)
        return self.history.moves(family)

    def champion_version(self, family: str) -> str | None:
        """Version the champion alias points at, or None when the family has none."""
        version = self._registered_model(family).get("aliases", {}).get(CHAMPION)
        return str(version) if version is not None else None

    def _registered_model(self, family: str) -> dict[str, dict[str, str]]:
        """The family's registered model tags and aliases; empty when it is not registered yet."""
        name = registered_name(family)
        with self._reading(f"read the {family} model"):
            try:
                model = self.client.get_registered_model(name)
            except MlflowException as exc:
                if not is_missing(exc):
                    raise
                return {}
        return {"tags": dict(model.tags or {}), "aliases": dict(model.aliases or {})}

    def load_version(self, family: str, version: str) -> Any:
        """Load a version through MLflow's pyfunc loader and return our payload object."""
        self._version(family, version)
        with self._reading(f"read {family} v{version}"):
            uri = self.client.get_model_version_download_uri(registered_name(family), str(version))
        install_module_aliases()
        with guarded(self.health, "files", f"read the model files of {family} v{version}"):
            try:
                loaded = mlflow.pyfunc.load_model(uri)
            except MlflowException as exc:  # "not found" here means files are gone
                raise OSError(reason_of(exc)) from exc
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

    def check_files(self, family: str, version: str) -> None:
        """StoreUnavailableError when a version's model folder in a local store has gone."""
        with self._reading(f"read {family} v{version}"):
            uri = self.client.get_model_version_download_uri(registered_name(family), str(version))
        folder = local_folder(uri)
        if folder is None:
            return  # a remote artifact store: loading the model is the only test
        with guarded(self.health, "files", f"read the model files of {family} v{version}"):
            if not (folder / "MLmodel").is_file():
                raise FileNotFoundError(f"no model files at {folder}")

    def load_champion(self, family: str) -> tuple[str, Any]:
        """(version, payload) of the champion; NoChampionError tells the user how to get one."""
        version = self.champion_version(family)
        if version is None:
            raise NoChampionError(
                f"no champion for '{family}' yet: {family_of(family).train_hint}", "family"
            )
        return version, self.load_version(family, version)

    def versions(self, family: str) -> list[ModelVersionInfo]:
        """Every finished version of a family, newest first, with its run's metrics."""
        aliases_of: dict[str, list[str]] = {}
        for alias, ver in self._registered_model(family).get("aliases", {}).items():
            aliases_of.setdefault(str(ver), []).append(alias)
        out = []
        for mv, run in self._registered_versions(family):
            if not is_complete(dict(mv.tags or {}), run):
                continue  # its training run has not completed: not a usable version
            out.append(
                ModelVersionInfo(
                    family=family,
                    version=str(mv.version),
                    run_id=mv.run_id,
                    aliases=sorted(
                        set(mv.aliases or []) | set(aliases_of.get(str(mv.version), []))
                    ),
                    created_at=int(mv.creation_timestamp or 0),
                    metrics=dict(run.data.metrics) if run is not None else {},
                    params=dict(run.data.params) if run is not None else {},
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
        with self._reading(f"read training run {run_id}"):
            return dict(self.client.get_run(run_id).data.metrics)

    # -- artifacts ------------------------------------------------------------------------
    def chart_paths(self, run_id: str) -> list[str]:
        """A run's PNG charts (fan charts, calibration, demand curves), never the model's files."""
        found: list[str] = []
        folders = [""]
        while folders:
            folder = folders.pop()
            try:
                items = self.client.list_artifacts(run_id, folder or None)
            except MlflowException:
                return []
            for item in items:
                if item.is_dir and item.path != "model":
                    folders.append(item.path)
                elif not item.is_dir and item.path.lower().endswith(".png"):
                    found.append(item.path)
        return sorted(found)

    def chart_bytes(self, run_id: str, path: str) -> bytes:
        """One of the run's charts; a path that is not among `chart_paths` is a NotFoundError."""
        if path not in self.chart_paths(run_id):
            raise NotFoundError(f"run {run_id} has no chart {path}", "path")
        with tempfile.TemporaryDirectory() as tmp:
            local = self.client.download_artifacts(run_id, path, tmp)
            return Path(local).read_bytes()

    def _version(self, family: str, version: str) -> None:
        """NotFoundError unless the family has this finished version (store failures are 503)."""
        missing = NotFoundError(f"{family} model has no version {version}", "version")
        if not str(version).isdigit():
            raise missing
        with self._reading(f"read {family} v{version}"):
            try:
                mv = self.client.get_model_version(registered_name(family), str(version))
                tags = dict(mv.tags or {})
                run = None
                if tags.get(COMPLETE_TAG) != "true" and mv.run_id:
                    run = self.client.get_run(mv.run_id)
            except MlflowException as exc:
                if is_missing(exc):
                    raise missing from None
                raise
        if not is_complete(tags, run):
            raise NotFoundError(
                f"{family} model has no finished version {version} (its training run has not "
                "completed)",
                "version",
            )


def _pinned_requirements() -> list[str]:
    """Exact versions of the runtime libraries so the model loads the same anywhere."""
    out = []
    for dist in _RUNTIME_REQUIREMENTS:
        try:
            out.append(f"{dist}=={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return out
