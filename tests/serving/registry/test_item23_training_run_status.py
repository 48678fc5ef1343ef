"""Item 23: a queued or running run whose server is gone reads as interrupted, never running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from engine.core.processes import ProcessRef
from serving.registry.training_runs import JsonFolderRecords, TrainingRun, TrainingRuns


def gone() -> str:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    ref = ProcessRef.of(child.pid).to_text()
    child.wait()
    return ref


def test_item23_runs_of_a_vanished_server_are_interrupted_on_read_and_on_start(
    tmp_path: Path,
) -> None:
    records = JsonFolderRecords(tmp_path / "training_runs")
    alive = ProcessRef.current().to_text()
    elsewhere = ProcessRef("another-host.example", 1, 1.0).to_text()
    cases = {
        "aaaaaaaaaaa1": ("running", gone(), "interrupted"),
        "aaaaaaaaaaa2": ("queued", gone(), "interrupted"),
        "aaaaaaaaaaa3": ("running", alive, "running"),
        "aaaaaaaaaaa4": ("running", elsewhere, "running"),
        "aaaaaaaaaaa5": ("running", None, "interrupted"),  # written before owners were kept
        "aaaaaaaaaaa6": ("succeeded", gone(), "succeeded"),
    }
    for run_id, (status, server, _) in cases.items():
        records.save(TrainingRun(run_id, "sales", "x.csv", status=status, server=server))

    reader = TrainingRuns({}, records=JsonFolderRecords(tmp_path / "elsewhere"))
    reader.records = records  # a worker reading the same records later
    for run_id, (_, _, expected) in cases.items():
        run = reader.get(run_id)
        assert run.status == expected, (run_id, run)
        if expected == "interrupted":
            assert run.finished_at
            assert "not recorded" in run.message or "is gone" in run.message
            assert records.load(run_id).status == "interrupted"  # recorded, not only shown

    records.save(TrainingRun("bbbbbbbbbbb1", "sales", "x.csv", status="running", server=gone()))
    restarted = TrainingRuns({}, tmp_path / "training_runs")
    assert [r.id for r in restarted.recover()] == []  # already settled by the constructor
    assert records.load("bbbbbbbbbbb1").status == "interrupted"
