"""When a registered version counts as finished, and how to tell a run in progress from an orphan.

A training run records its owner process (`lodestar.process`, host:pid:start) when it starts.
Its version is registered while the run is still RUNNING and becomes usable only when the
completion tag `lodestar.complete=true` is set, last, after the run has FINISHED. A version
without it is invisible to listing, loading and promotion; once its run's process is gone,
the next training run or server start removes it and marks the run FAILED.

Versions registered before completion tags existed (their run has no owner tag) count as
finished exactly when their run FINISHED.
"""

from __future__ import annotations

from typing import Any, Literal

from engine.core.processes import ProcessRef

COMPLETE_TAG = "lodestar.complete"
PROCESS_TAG = "lodestar.process"
FAILURE_TAG = "lodestar.failure"

RunState = Literal["in_progress", "orphan", "ended"]


def owner(run: Any) -> ProcessRef | None:
    """The process that created the run (None for runs from before owners were recorded)."""
    return ProcessRef.parse((run.data.tags or {}).get(PROCESS_TAG))


def is_complete(version_tags: dict[str, str], run: Any | None) -> bool:
    """True when the version's run finished completely (see the module docstring)."""
    if version_tags.get(COMPLETE_TAG) == "true":
        return True
    if run is None or owner(run) is not None:
        return False
    return bool(run.info.status == "FINISHED")  # registered before completion tags


def run_state(run: Any) -> RunState:
    """in_progress while its owner process lives (or cannot be checked), else orphan or ended.

    A RUNNING run whose owner is gone is an orphan; so is a RUNNING run from before owners
    were recorded (the code that made it is no longer running). A FINISHED run whose owner
    still lives may be about to mark its version complete, so it is still in progress.
    """
    ref = owner(run)
    alive = ref.is_alive() if ref is not None else False
    if run.info.status == "RUNNING":
        return "orphan" if alive is False else "in_progress"
    if run.info.status == "FINISHED" and alive is not False:
        return "in_progress" if ref is not None else "ended"
    return "ended"


def orphan_reason(run: Any) -> str:
    """Why an orphaned run is marked failed, naming the process that vanished."""
    ref = owner(run)
    if ref is None:
        return "interrupted: the run was left RUNNING by an earlier Lodestar"
    return f"interrupted: process {ref.pid} on {ref.host} ended before the run finished"
