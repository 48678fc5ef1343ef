"""The whole path once: demo data -> `lodestar train forecast` -> registry -> HTTP forecasts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pandas as pd

from engine.core.calendar import quarter_label, quarter_of
from engine.core.settings import Settings
from engine.registry.store import ModelStore
from tests.e2e.lodestar_process import lodestar_env, run_lodestar


def test_train_register_and_serve_quarterly_forecasts(
    tmp_path: Path, demo_paths: dict[str, Path], start_server
) -> None:
    env = lodestar_env(tmp_path / "home", LODESTAR_AUTH_ENABLED="false")
    trained = run_lodestar(["train", "forecast", "--data", str(demo_paths["sales"])], env)
    assert trained.returncode == 0, trained.stderr
    assert "sales forecast v1" in trained.stdout

    store = ModelStore.from_settings(Settings(home=tmp_path / "home"))
    assert store.champion_version("sales") == "1"
    info = store.version_info("sales", "1")
    assert 0 < info.metrics["backtest_wape"] < 1

    sales = pd.read_csv(demo_paths["sales"], parse_dates=["date"])
    first = quarter_of(pd.DatetimeIndex([sales["date"].max()]))[0] + 1
    quarters = [quarter_label(first), quarter_label(first + 1)]
    server = start_server(env)

    region = sorted(sales["region"].unique())[0]
    answer = httpx.get(
        f"{server.url}/v1/forecasts",
        params={"region": region, "quarters": ",".join(quarters)},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["model_version"] == "1"
    rows = pd.DataFrame(body["forecasts"])
    n_series = sales.loc[sales["region"] == region, ["store", "product"]].drop_duplicates()
    assert len(rows) == len(n_series) * len(quarters)
    assert set(rows["quarter"]) == set(quarters)
    assert (rows["region"] == region).all()
    assert (rows["lo_95"] <= rows["lo_80"]).all() and (rows["lo_80"] <= rows["mean"]).all()
    assert (rows["mean"] <= rows["hi_80"]).all() and (rows["hi_80"] <= rows["hi_95"]).all()

    by_region = httpx.get(
        f"{server.url}/v1/forecasts", params={"quarters": quarters[0], "level": "region"}
    ).json()["forecasts"]
    total = httpx.get(
        f"{server.url}/v1/forecasts", params={"quarters": quarters[0], "level": "total"}
    ).json()["forecasts"]
    assert len(by_region) == sales["region"].nunique() and len(total) == 1
    assert abs(sum(r["mean"] for r in by_region) - total[0]["mean"]) < 1e-6 * total[0]["mean"]


def test_bad_requests_get_json_errors(
    tmp_path: Path, demo_paths: dict[str, Path], start_server
) -> None:
    env = lodestar_env(tmp_path / "home", LODESTAR_AUTH_ENABLED="false")
    server = start_server(env)
    no_model = httpx.get(f"{server.url}/v1/forecasts", params={"quarters": "2027Q1"})
    assert no_model.status_code == 409
    assert "lodestar train forecast" in no_model.json()["message"]

    assert (
        run_lodestar(["train", "forecast", "--data", str(demo_paths["sales"])], env).returncode == 0
    )
    server = start_server(env)  # a fresh server loads the new champion at start
    cases = [
        ({"quarters": "2027Q5"}, 422, "quarters"),
        ({"quarters": "2027Q1", "region": "Atlantis"}, 404, "region"),
        ({"quarters": "2027Q1", "colour": "red"}, 422, "colour"),
        ({"quarters": "2031Q1"}, 422, "quarters"),
        ({"quarters": "2027Q1", "level": "planet"}, 422, "level"),
    ]
    for params, status, field in cases:
        answer = httpx.get(f"{server.url}/v1/forecasts", params=params)
        assert answer.status_code == status, (params, answer.text)
        assert answer.json()["field"] == field
    missing = httpx.get(f"{server.url}/v1/forecasts")
    assert missing.status_code == 422 and "detail" in missing.json()
