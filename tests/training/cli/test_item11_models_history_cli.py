"""Item 11 on the command line: train messages, `models rollback` after a promote, history."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from tests.engine.registry.test_store import register
from tests.training.cli_runs import run_cli


@pytest.fixture
def cli_store(cli_settings: Settings, store: ModelStore) -> ModelStore:
    """The store of the settings the CLI reads."""
    return store


def test_item11_train_says_the_first_version_became_champion(
    cli_store: ModelStore, demo_paths: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    train = ["train", "forecast", "--data", str(demo_paths["sales"]), "--models", "baseline"]
    code, out, err = run_cli([*train, "--windows", "1"], capsys)
    assert code == 0, err
    assert out.strip().splitlines()[-1].endswith("; now champion (there was none)")
    assert "(no champion)" not in out and "; no champion" not in out
    code, out, _ = run_cli([*train, "--windows", "1"], capsys)
    assert code == 0 and "sales forecast v2:" in out
    assert "now champion, replacing v1: " in out or "kept v1 as champion: " in out
    code, out, _ = run_cli(["models", "history", "sales"], capsys)
    assert code == 0 and "train    none -> v1  by training run " in out


def test_item11_rollback_after_promoting_v1_from_v3_goes_back_to_v3(
    cli_store: ModelStore, capsys: pytest.CaptureFixture[str]
) -> None:
    for n, wape in enumerate((0.3, 0.2, 0.1), 1):
        cli_store.set_champion("sales", register(cli_store, wape), f"training run r{n}", "train")
    code, out, err = run_cli(["models", "promote", "sales", "1"], capsys)
    assert code == 0 and "moved from v3 to v1" in out, err
    code, out, err = run_cli(["models", "rollback", "sales"], capsys)
    assert code == 0, err
    assert "moved from v1 to v3" in out and cli_store.champion_version("sales") == "3"

    code, out, _ = run_cli(["models", "history", "sales", "--limit", "3"], capsys)
    lines = out.strip().splitlines()
    assert lines[0] == "sales champion: v3" and len(lines) == 4
    assert "rollback v1 -> v3  by cli" in lines[1] and "undoes move #4" in lines[1]
    assert "promote  v3 -> v1  by cli" in lines[2] and lines[2].endswith("[undone]")
    assert "train    v2 -> v3  by training run r3" in lines[3]
