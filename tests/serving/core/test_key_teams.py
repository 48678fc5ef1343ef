"""API keys carry a team (marketing or sales) beside name and role; old entries keep working."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.core.errors import DataError
from engine.core.settings import Settings
from serving.core.auth import Caller, KeyRing, Role, hash_key, parse_entry, parse_team_entry
from serving.ui.sessions import SessionStore
from training.cli.app import main


def test_a_team_entry_gives_the_caller_its_team() -> None:
    digest = hash_key("mk-secret")
    entry, team = parse_team_entry(f"planner:maria:marketing:sha256:{digest}", "test")
    assert (entry.digest, entry.role, entry.name, team) == (
        digest,
        Role.planner,
        "maria",
        "marketing",
    )
    assert parse_entry(f"planner:maria:marketing:sha256:{digest}", "test") == entry
    ring = KeyRing.from_settings(
        Settings(api_keys=f"approver:sam:sales:sha256:{hash_key('s')},planner:old-key")
    )
    assert ring.identify("s") == Caller(Role.approver, hash_key("s")[:8], "sam", "sales")
    old = ring.identify("old-key")
    assert (old.role, old.team) == (Role.planner, "")


@pytest.mark.parametrize(
    "entry",
    [
        f"planner:sha256:{hash_key('a')}",
        f"planner:ann:sha256:{hash_key('a')}",
        f"planner:{hash_key('a')}",
        "planner:a",
    ],
)
def test_old_entries_keep_working_with_no_team(entry: str) -> None:
    parsed, team = parse_team_entry(entry, "test")
    assert parsed.digest == hash_key("a") and parsed.role is Role.planner and team == ""


def test_an_unknown_team_is_refused_naming_the_setting() -> None:
    with pytest.raises(DataError) as err:
        parse_team_entry(f"planner:ann:finance:sha256:{hash_key('a')}", "LODESTAR_API_KEYS")
    assert err.value.field == "api_keys" and "unknown team 'finance'" in err.value.message


def test_toml_keys_may_carry_a_team(tmp_path: Path) -> None:
    toml = tmp_path / "keys.toml"
    toml.write_text(
        f'[[keys]]\nrole = "approver"\nname = "sal"\nteam = "sales"\nsha256 = "{hash_key("x")}"\n'
    )
    caller = KeyRing.from_settings(Settings(home=tmp_path, api_keys_file=toml)).identify("x")
    assert (caller.name, caller.team) == ("sal", "sales")


def test_a_session_keeps_the_team(tmp_path: Path) -> None:
    store = SessionStore(tmp_path, "fingerprint")
    cookie, _ = store.create(Caller(Role.planner, "abcd1234", "maria", "marketing"))
    assert store.get(cookie).caller.team == "marketing"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(argv)
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def test_api_key_command_prints_a_team_entry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["api-key", "--role", "approver", "--name", "sam", "--team", "sales"], capsys
    )
    assert code == 0
    key = out.splitlines()[0].rsplit(" ", 1)[1]
    entry = out.splitlines()[-1]
    assert entry.startswith("approver:sam:sales:sha256:")
    caller = KeyRing.from_settings(Settings(api_keys=entry)).identify(key)
    assert (caller.role, caller.name, caller.team) == (Role.approver, "sam", "sales")
    code, _, err = _run(["api-key", "--name", "x", "--team", "finance"], capsys)
    assert code == 2 and "unknown team 'finance'" in err
    code, _, err = _run(["api-key", "--team", "sales"], capsys)
    assert code == 2 and "needs a --name" in err
