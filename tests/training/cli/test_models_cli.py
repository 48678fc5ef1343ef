"""`lodestar models list|promote|rollback` and `lodestar api-key`, run in-process like main()."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.core.settings import Settings, get_settings
from engine.registry.store import ModelStore
from serving.core.auth import KeyRing, Role
from tests.store_homes import home_from
from tests.training.cli_runs import run_cli


@pytest.fixture
def home(tmp_path: Path, sales_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """LODESTAR_HOME holding sales v1 (champion) and v2."""
    folder = home_from(sales_template, tmp_path / "home")
    monkeypatch.setenv("LODESTAR_HOME", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def test_list_promote_and_rollback(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = ModelStore.from_settings(Settings(home=home))
    code, out, _ = run_cli(["models", "list"], capsys)
    assert code == 0
    assert "v1    champion" in out and "v2    challenger" in out and "no versions yet" in out

    code, out, _ = run_cli(["models", "promote", "sales", "2", "--dry-run"], capsys)
    assert code == 0 and "dry run" in out and "champion v1 vs challenger v2" in out
    assert store.champion_version("sales") == "1"

    code, out, _ = run_cli(["models", "promote", "sales", "2"], capsys)
    assert code == 0 and "moved from v1 to v2" in out
    assert store.champion_version("sales") == "2"

    code, out, _ = run_cli(["models", "rollback", "sales"], capsys)
    assert code == 0 and "moved from v2 to v1" in out
    assert store.champion_version("sales") == "1"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["models", "promote", "sales", "9"], "error [version]: sales model has no version 9"),
        (
            ["models", "rollback", "sales", "--to", "9"],
            "error [version]: sales model has no version 9",
        ),
        (["models", "rollback", "leads"], "error [family]: leads has no champion"),
        (["models", "list", "weather"], "error [family]: unknown model family 'weather'"),
    ],
)
def test_user_errors_exit_2_with_one_line(
    home: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run_cli(argv, capsys)
    assert code == 2
    assert err.startswith(message) and err.count("\n") == 1


def test_api_key_prints_a_key_and_its_hashed_entry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["api-key", "--role", "pricing"], capsys)
    assert code == 0
    key = out.splitlines()[0].rsplit(" ", 1)[1]
    entry = out.splitlines()[-1]
    assert entry.startswith("pricing:sha256:") and key not in entry
    ring = KeyRing.from_settings(Settings(api_keys=entry))
    assert ring.identify(key).role is Role.pricing
    assert run_cli(["api-key", "--role", "admin"], capsys)[0] == 2


def test_api_key_with_a_name_for_the_audit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["api-key", "--role", "approver", "--name", "north-approver"], capsys)
    assert code == 0
    key = out.splitlines()[0].rsplit(" ", 1)[1]
    entry = out.splitlines()[-1]
    assert entry.startswith("approver:north-approver:sha256:") and key not in entry
    caller = KeyRing.from_settings(Settings(api_keys=entry)).identify(key)
    assert (caller.role, caller.name) == (Role.approver, "north-approver")
    assert run_cli(["api-key", "--role", "approver", "--name", "no spaces"], capsys)[0] == 2
