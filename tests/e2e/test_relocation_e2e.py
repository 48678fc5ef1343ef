"""A LODESTAR_HOME trained in one folder serves and trains from a copy at another path (issue 15
item 1): `lodestar serve` from the copy is ready and answers exactly as the original did, and
training again from the copy writes only under the copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from engine.core.settings import Settings
from engine.registry.store import ModelStore, registered_name
from tests.e2e.lodestar_process import Server, lodestar_env, run_lodestar
from tests.e2e.test_serving_e2e import FAST, KEYS, _next_quarter
from training.cli.demo import DEMO_STEPS
from training.forecasting.job import train_forecast


def _answers(server: Server, sales: Path) -> dict[str, object]:
    """The quarterly forecasts at every level and the leads elasticities, as served."""
    headers = {"X-API-Key": KEYS["planner"]}
    out: dict[str, object] = {}
    for level in ("total", "region", "store"):
        answer = httpx.get(
            f"{server.url}/v1/forecasts",
            params={"quarters": _next_quarter(sales), "level": level},
            headers=headers,
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        out[f"forecast {level}"] = answer.json()
    elasticities = httpx.get(f"{server.url}/v1/pricing/elasticities", headers=headers, timeout=60)
    assert elasticities.status_code == 200, elasticities.text
    out["elasticities"] = elasticities.json()
    return out


def _env(home: Path) -> dict[str, str]:
    keys = ",".join(f"{role}:{key}" for role, key in KEYS.items())
    return lodestar_env(home, LODESTAR_API_KEYS=keys, LODESTAR_DATA_ROOTS=str(home.parent))


def test_home_copied_elsewhere_serves_and_trains_as_before(
    tmp_path: Path, demo_paths: dict[str, Path]
) -> None:
    original = tmp_path / "original" / "home"
    store = ModelStore.from_settings(Settings(home=original))
    assert train_forecast(store, demo_paths["sales"], **FAST).version == "1"
    for label, step in DEMO_STEPS:
        if "sales" not in label:
            step(store, demo_paths)
    before_server = Server(_env(original), tmp_path / "before.log")
    try:
        assert httpx.get(f"{before_server.url}/v1/ready", timeout=60).status_code == 200
        before = _answers(before_server, demo_paths["sales"])
    finally:
        before_server.stop()

    copy = tmp_path / "elsewhere" / "lodestar"
    shutil.copytree(original, copy)
    shutil.rmtree(original.parent)  # root reads unreadable folders, so the original goes

    server = Server(_env(copy), tmp_path / "after.log")
    try:
        ready = httpx.get(f"{server.url}/v1/ready", timeout=60)
        assert ready.status_code == 200, ready.text
        assert _answers(server, demo_paths["sales"]) == before
    finally:
        server.stop()

    data = copy.parent / "sales.csv"
    shutil.copy(demo_paths["sales"], data)
    trained = run_lodestar(
        ["train", "forecast", "--data", str(data), "--models", "baseline", "--windows", "1",
         "--force"],
        _env(copy),
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    moved = ModelStore.from_settings(Settings(home=copy))
    assert moved.champion_version("sales") == "2"
    source = moved.client.get_model_version_download_uri(registered_name("sales"), "2")
    assert source.startswith(copy.resolve().joinpath("artifacts").as_uri() + "/"), source
    assert moved.load_version("sales", "2") is not None
    assert not original.parent.exists()  # nothing was written where the home used to be
