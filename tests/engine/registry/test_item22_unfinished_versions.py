"""Item 22: a version counts only once its run completed; orphans are told from runs in progress."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.core.errors import NotFoundError
from engine.core.processes import ProcessRef
from engine.registry.completion import COMPLETE_TAG, FAILURE_TAG, PROCESS_TAG
from engine.registry.pyfunc import PayloadModel
from engine.registry.store import ModelStore, RunLogger, registered_name
from tests.engine.registry.test_store import forecast_set, register


def dead_process() -> ProcessRef:
    """A process of this host that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    ref = ProcessRef.of(child.pid)
    child.wait()
    return ref


def unfinished(store: ModelStore, owner: str) -> tuple[str, str]:
    """A run left RUNNING by `owner` holding a registered, never-completed version."""
    run = store.client.create_run(
        store.experiment_id("sales"), tags={"lodestar.family": "sales", PROCESS_TAG: owner}
    )
    logger = RunLogger(store.client, run.info.run_id, store.health)
    store.log_model(logger, PayloadModel(), forecast_set(0.5))
    return run.info.run_id, store.register("sales", logger)


def test_item22_an_unfinished_version_is_never_listed_loaded_or_promoted(
    store: ModelStore,
) -> None:
    v1 = register(store, 0.3)
    store.set_champion("sales", v1)
    _, v2 = unfinished(store, ProcessRef.current().to_text())
    assert [v.version for v in store.versions("sales")] == [v1]
    for call in (
        lambda: store.load_version("sales", v2),
        lambda: store.set_champion("sales", v2),
        lambda: store.version_info("sales", v2),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert store.champion_version("sales") == v1


def test_item22_recovery_fails_orphans_and_leaves_live_runs_alone(store: ModelStore) -> None:
    register(store, 0.3)
    live_run, live_version = unfinished(store, ProcessRef.current().to_text())
    far = ProcessRef("another-host.example", 1, 1.0).to_text()
    far_run, far_version = unfinished(store, far)
    dead_run, dead_version = unfinished(store, dead_process().to_text())

    done = store.recover("sales")
    assert len(done) == 2 and any(dead_run in line for line in done)

    dead = store.client.get_run(dead_run)
    assert (
        dead.info.status == "FAILED"
        and "ended before the run finished" in dead.data.tags[FAILURE_TAG]
    )
    name = registered_name("sales")
    left = {str(mv.version) for mv in store.client.search_model_versions(f"name='{name}'")}
    assert dead_version not in left and {live_version, far_version} <= left
    assert store.client.get_run(live_run).info.status == "RUNNING"
    assert store.client.get_run(far_run).info.status == "RUNNING"


def test_item22_completion_is_the_last_mark_of_a_run(store: ModelStore) -> None:
    with store.run("sales") as run:
        store.log_model(run, PayloadModel(), forecast_set(0.4))
        version = store.register("sales", run)
        tags = store.client.get_model_version(registered_name("sales"), version).tags
        assert COMPLETE_TAG not in tags and store.versions("sales") == []
    assert store.client.get_run(run.run_id).info.status == "FINISHED"
    tags = store.client.get_model_version(registered_name("sales"), version).tags
    assert tags[COMPLETE_TAG] == "true"
    assert [v.version for v in store.versions("sales")] == [version]


def test_item22_a_failing_run_removes_its_version(store: ModelStore) -> None:
    with pytest.raises(RuntimeError), store.run("sales") as run:
        store.log_model(run, PayloadModel(), forecast_set(0.4))
        store.register("sales", run)
        raise RuntimeError("disk full")
    name = registered_name("sales")
    assert store.client.search_model_versions(f"name='{name}'") == []
    failed = store.client.get_run(run.run_id)
    assert failed.info.status == "FAILED" and "disk full" in failed.data.tags[FAILURE_TAG]


def test_item22_versions_from_before_completion_tags_still_count(store: ModelStore) -> None:
    """A version whose run has no owner tag (older Lodestar) is finished when its run is."""
    run = store.client.create_run(store.experiment_id("sales"), tags={"lodestar.family": "sales"})
    logger = RunLogger(store.client, run.info.run_id, store.health)
    store.log_model(logger, PayloadModel(), forecast_set(0.4))
    version = store.register("sales", logger)
    assert store.versions("sales") == []  # RUNNING: unfinished
    store.client.set_terminated(run.info.run_id, "FINISHED")
    assert [v.version for v in store.versions("sales")] == [version]
    assert store.recover("sales") == []
