"""Item 21: training runs read only files under the data roots; others are refused untouched."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.core.settings import Settings
from serving.app import create_app
from serving.core.auth import Role
from tests.serving.api_keys import headers_for

DS = headers_for(Role.data_scientist)


@pytest.fixture
def roots_client(serving_settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """An app whose only data root is tmp/data (holding a small bad file and a symlink out)."""
    root = tmp_path / "data"
    root.mkdir()
    (root / "tiny.csv").write_text("date,store,units\n")
    secret = tmp_path / "secret.csv"
    secret.write_text("date,store,units\n2024-01-01,S1,1\n")
    (root / "link.csv").symlink_to(secret)
    settings = serving_settings.model_copy(update={"data_roots": [root]})
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def touched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path os.stat / os.lstat is asked about while the test runs."""
    seen: list[str] = []
    real_stat, real_lstat = os.stat, os.lstat

    def stat(path, *args, **kwargs):  # noqa: ANN001, ANN202 - same signature as os.stat
        seen.append(os.fsdecode(path) if not isinstance(path, int) else str(path))
        return real_stat(path, *args, **kwargs)

    def lstat(path, *args, **kwargs):  # noqa: ANN001, ANN202
        seen.append(os.fsdecode(path))
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "lstat", lstat)
    return seen


def test_item21_paths_outside_the_roots_are_422_and_never_looked_at(
    roots_client: TestClient, tmp_path: Path, touched: list[str]
) -> None:
    inside = tmp_path / "data"
    requests = {
        "../../../../etc/passwd": "data",
        "/etc/passwd": "data",
        f"{inside}/../secret.csv": "data",
        f"{inside}/../../../../../../etc/shadow": "data",
    }
    for data, field in requests.items():
        answer = roots_client.post(
            "/v1/training/runs", json={"family": "sales", "data": data}, headers=DS
        )
        assert answer.status_code == 422, (data, answer.text)
        body = answer.json()
        assert body["field"] == field and "outside the server's data folders" in body["message"]
    looked_at = [p for p in touched if "passwd" in p or "shadow" in p or "secret" in p]
    assert looked_at == []


def test_item21_a_symlink_out_of_a_root_and_a_columns_file_outside_are_refused(
    roots_client: TestClient, tmp_path: Path
) -> None:
    link = roots_client.post(
        "/v1/training/runs",
        json={"family": "sales", "data": str(tmp_path / "data" / "link.csv")},
        headers=DS,
    )
    assert link.status_code == 422 and link.json()["field"] == "data", link.text
    mapping = tmp_path / "columns.toml"
    mapping.write_text('[columns]\ndate = "week"\n')
    columns = roots_client.post(
        "/v1/training/runs",
        json={
            "family": "sales",
            "data": str(tmp_path / "data" / "tiny.csv"),
            "columns": str(mapping),
        },
        headers=DS,
    )
    assert columns.status_code == 422 and columns.json()["field"] == "columns", columns.text


def test_item21_a_file_under_a_root_is_accepted(roots_client: TestClient, tmp_path: Path) -> None:
    answer = roots_client.post(
        "/v1/training/runs",
        json={"family": "sales", "data": str(tmp_path / "data" / "sub" / ".." / "tiny.csv")},
        headers=DS,
    )
    assert answer.status_code == 202, answer.text
    run = answer.json()
    assert run["data"] == str((tmp_path / "data" / "tiny.csv").resolve())
    deadline = time.monotonic() + 120
    while run["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        run = roots_client.get(f"/v1/training/runs/{run['id']}", headers=DS).json()
    assert run["status"] == "failed" and "empty" in run["message"], run


def test_item21_data_roots_setting_is_a_path_list_with_home_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    assert Settings(home=home).training_data_roots == [home / "data", home / "demo"]
    monkeypatch.setenv("LODESTAR_DATA_ROOTS", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    assert Settings(home=home).training_data_roots == [tmp_path / "a", tmp_path / "b"]
