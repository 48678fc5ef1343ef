"""Plans over a real `lodestar serve`, on SQLite and on a real PostgreSQL server: the issue's
whole story, two API workers editing one cell at once, and kill -9 in the middle of an override."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd
import pytest

from serving.core.auth import hash_key
from tests.e2e.lodestar_process import Server, lodestar_env
from tests.override_requests import north_spring_push, override_body
from tests.store_homes import home_from

KEYS = {
    "planner": ("e2e-planner-key", "north-planner"),
    "planner2": ("e2e-planner-key-2", "south-planner"),
    "approver": ("e2e-approver-key", "north-approver"),
    "pricing": ("e2e-pricing-key", "pricing-analyst"),
}
ROLE = {"planner": "planner", "planner2": "planner", "approver": "approver", "pricing": "pricing"}


def headers(who: str) -> dict[str, str]:
    return {"X-API-Key": KEYS[who][0]}


@pytest.fixture
def home(tmp_path: Path, sales_pricing_template: Path) -> Path:
    return home_from(sales_pricing_template, tmp_path / "home")


def env_for(home: Path, database_url: str) -> dict[str, str]:
    keys = ",".join(
        f"{ROLE[who]}:{name}:sha256:{hash_key(key)}" for who, (key, name) in KEYS.items()
    )
    return lodestar_env(home, LODESTAR_API_KEYS=keys, LODESTAR_DATABASE_URL=database_url)


def q1_cells(http: httpx.Client, pid: int, version: str = "baseline") -> pd.DataFrame:
    answer = http.get(
        f"/v1/plans/{pid}/versions/{version}",
        params={"quarters": "2027Q1"},
        headers=headers("planner"),
    )
    assert answer.status_code == 200, answer.text
    return pd.DataFrame(answer.json()["cells"])


def is_cell(cells: pd.DataFrame, level: str, **keys: str) -> pd.Series:
    """Rows of one cell of one level."""
    return (cells["level"] == level) & cells["keys"].map(lambda k: k == keys)


def assert_coherent(cells: pd.DataFrame) -> None:
    """Every cell equals the sum of the bottom cells whose keys it names (by hand, 1e-6)."""
    bottom = cells[cells["level"] == "region,store,product"]
    keys = pd.DataFrame(list(bottom["keys"]))
    for row in cells.itertuples(index=False):
        inside = pd.Series(True, index=keys.index)
        for column, value in row.keys.items():
            if column == "category":
                continue
            inside &= keys[column] == value
        if "category" in row.keys:
            continue  # category groups products; checked through product cells
        assert abs(bottom["value"].to_numpy()[inside.to_numpy()].sum() - row.value) < 1e-6, row


def test_the_issue_story_over_a_real_server(
    home: Path, database_url: str, start_server: Callable[..., Server], demo_paths: dict[str, Path]
) -> None:
    server = start_server(env_for(home, database_url), home / "server.log")
    with httpx.Client(base_url=server.url, timeout=60) as http:
        made = http.post(
            "/v1/plans",
            json={"name": "FY27", "quarters": "2027Q1..2027Q4"},
            headers=headers("planner"),
        )
        assert made.status_code == 201, made.text
        pid = made.json()["id"]
        before = q1_cells(http, pid)
        north = before[is_cell(before, "region", region="North")].iloc[0]
        done = http.post(
            f"/v1/plans/{pid}/versions/baseline/overrides",
            headers=headers("planner"),
            json=north_spring_push(int(north["revision"])),
        )
        assert done.status_code == 200, done.text
        after = q1_cells(http, pid)
        joined = before.assign(after=after["value"])
        is_north = joined["keys"].map(lambda k: k.get("region") == "North")
        stores = joined[(joined["level"] == "store") & is_north]
        assert (stores["after"] / stores["value"]).round(9).eq(1.05).all()  # all at baseline: +5%
        products = joined[joined["level"] == "product"]
        north_part = joined[(joined["level"] == "region,store,product") & is_north]
        for p in products.itertuples(index=False):
            mine = north_part[
                north_part["keys"].map(lambda k, p=p: k["product"] == p.keys["product"])
            ]
            assert p.after == pytest.approx(p.value + 0.05 * mine["value"].sum(), abs=1e-6)
        assert_coherent(after)
        base = f"/v1/plans/{pid}/versions/baseline"
        assert (
            http.post(f"{base}/submit", headers=headers("planner")).json()["state"] == "submitted"
        )
        approved = http.post(f"{base}/approve", json={"comment": "ok"}, headers=headers("approver"))
        assert approved.json()["state"] == "approved"
        assert http.post(f"{base}/lock", headers=headers("approver")).json()["state"] == "locked"
        refused = http.post(
            f"{base}/overrides",
            headers=headers("planner"),
            json=override_body({}, "2027Q1", "other", percent=1),
        )
        assert refused.status_code == 409 and refused.json()["current"]["state"] == "locked"

        # half a quarter of actuals: North sells 40% above plan, South on plan
        plan_q1 = after[after["level"] == "region,store,product"]
        rows = []
        for cell in plan_q1.itertuples(index=False):
            factor = 1.4 if cell.keys["region"] == "North" else 1.0
            for week in range(6):
                monday = dt.date(2027, 1, 4) + dt.timedelta(weeks=week)
                rows.append(
                    {**cell.keys, "date": monday.isoformat(), "units": cell.value / 90 * 7 * factor}
                )
        assert (
            http.post("/v1/actuals", json={"rows": rows}, headers=headers("planner")).status_code
            == 201
        )
        track = http.get(
            f"/v1/plans/{pid}/tracking",
            params={"level": "region", "quarters": "2027Q1"},
            headers=headers("planner"),
        ).json()
        regions = {c["keys"]["region"]: c for c in track["cells"]}
        assert track["version"]["name"] == "baseline"
        assert regions["North"]["warning"] and not regions["South"]["warning"]
        north_rows = [r["units"] for r in rows if r["region"] == "North"]
        assert regions["North"]["projection"] == pytest.approx(sum(north_rows) * 90 / 42, rel=1e-9)
        assert regions["North"]["variance_pct"] == pytest.approx(40.0, rel=1e-6)

        # a full quarter plus last year's history: forecast value added
        history = pd.read_csv(demo_paths["sales"])[["date", "region", "store", "product", "units"]]
        full = [
            {**r, "date": (dt.date(2026, 12, 28) + dt.timedelta(weeks=w)).isoformat()}
            for r in rows[::6]
            for w in range(14)
        ]
        for chunk in (history.to_dict(orient="records"), full):
            assert (
                http.post(
                    "/v1/actuals", json={"rows": chunk}, headers=headers("planner")
                ).status_code
                == 201
            )
        fva = http.get(f"/v1/plans/{pid}/fva", headers=headers("planner")).json()
        assert fva["quarters_with_actuals"] == ["2027Q1"]
        total = next(r for r in fva["levels"] if r["level"] == "total")
        planned = after.loc[after["level"] == "total", "value"].iloc[0]
        actual = sum(r["units"] / 7 * 90 for r in rows[::6])  # by hand: daily rate x 90 days
        assert total["actual"] == pytest.approx(actual, rel=1e-9)
        assert total["plan_wape"] == pytest.approx(abs(planned - actual) / actual, rel=1e-9)
        assert [r["reason"] for r in fva["reasons"]] == ["promotion"]

        # pricing scenario as a version; a price list drafted, approved, published, exported
        scenario = {
            "name": "p01-cut",
            "price_changes": [{"filter": {"product": "P01"}, "percent": -5}],
        }
        http.post(
            "/v1/pricing/saved-scenarios",
            json={"name": "p01-cut", "scenario": scenario},
            headers=headers("pricing"),
        )
        version = http.post(
            f"/v1/plans/{pid}/scenarios",
            headers=headers("pricing"),
            json={"scenario": "p01-cut", "name": "p01-cut", "base": "baseline"},
        )
        assert version.status_code == 201 and version.json()["scenario_id"] == "p01-cut"
        priced = q1_cells(http, pid, "p01-cut")
        assert priced["revenue"].notna().all()
        assert_coherent(priced)
        listed = http.post(
            "/v1/price-lists",
            headers=headers("pricing"),
            json={"name": "spring", "recommendation": {"objective": "margin"}},
        )
        lid = listed.json()["id"]
        for step, who in (("submit", "pricing"), ("approve", "approver"), ("publish", "pricing")):
            assert (
                http.post(f"/v1/price-lists/{lid}/{step}", headers=headers(who)).status_code == 200
            )
        exported = http.get(f"/v1/price-lists/{lid}/export", headers=headers("planner"))
        table = list(csv.DictReader(io.StringIO(exported.text)))
        assert len(table) == len(listed.json()["items"]) and "binding_constraint" in table[0]
        actions = [
            e["action"] for e in http.get("/v1/audit", headers=headers("approver")).json()["events"]
        ]
        for expected in (
            "plan.override",
            "plan.approve",
            "plan.lock",
            "plan.pricing",
            "price_list.publish",
            "actuals.load",
        ):
            assert expected in actions


def test_two_workers_never_lose_an_update(
    home: Path,
    postgres_server,  # noqa: ANN001
    start_server: Callable[..., Server],
) -> None:
    url = postgres_server.create_database()
    server = start_server(env_for(home, url), home / "server.log", args=("--workers", "2"))
    with httpx.Client(base_url=server.url, timeout=60) as http:
        pid = http.post(
            "/v1/plans", json={"name": "FY27", "quarters": "2027Q1"}, headers=headers("planner")
        ).json()["id"]
    start_value = None
    applied = 0
    for _ in range(8):
        with httpx.Client(base_url=server.url, timeout=60) as http:
            cells = q1_cells(http, pid)
        total = cells[cells["level"] == "total"].iloc[0]
        start_value = start_value or total["value"]
        barrier = threading.Barrier(2)
        answers: dict[str, httpx.Response] = {}

        def edit(
            who: str,
            revision: int = int(total["revision"]),
            barrier: threading.Barrier = barrier,
            answers: dict[str, httpx.Response] = answers,
        ) -> None:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                barrier.wait()
                answers[who] = client.post(
                    f"/v1/plans/{pid}/versions/baseline/overrides",
                    headers=headers(who),
                    json=override_body({}, "2027Q1", "other", percent=10, revision=revision),
                )

        threads = [threading.Thread(target=edit, args=(w,)) for w in ("planner", "planner2")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(a.status_code for a in answers.values())
        assert codes == [200, 409], [a.text for a in answers.values()]
        winner = next(a for a in answers.values() if a.status_code == 200).json()
        loser = next(a for a in answers.values() if a.status_code == 409).json()
        assert loser["current"]["value"] == pytest.approx(winner["after"], rel=1e-12)
        applied += 1
    with httpx.Client(base_url=server.url, timeout=60) as http:
        final = q1_cells(http, pid)
        assert final[final["level"] == "total"].iloc[0]["value"] == pytest.approx(
            start_value * 1.1**applied, rel=1e-9
        )
        assert_coherent(final)
        base = f"/v1/plans/{pid}/versions/baseline"
        http.post(f"{base}/submit", headers=headers("planner"))
        assert http.post(f"{base}/approve", headers=headers("approver")).status_code == 200
    for _ in range(6):  # fresh connections, so both workers answer: each refuses at once
        with httpx.Client(base_url=server.url, timeout=60) as http:
            late = http.post(
                f"{base}/overrides",
                headers=headers("planner2"),
                json=override_body({}, "2027Q1", "other", percent=1),
            )
            assert late.status_code == 409 and late.json()["current"]["state"] == "approved"


def test_kill_9_mid_override_leaves_the_plan_before_or_after(
    tmp_path: Path, sales_template: Path, database_url: str, start_server: Callable[..., Server]
) -> None:
    home = home_from(sales_template, tmp_path / "sales-home")  # sales only: restarts faster
    env = env_for(home, database_url)
    server = start_server(env, home / "server.log")
    with httpx.Client(base_url=server.url, timeout=60) as http:
        pid = http.post(
            "/v1/plans", json={"name": "FY27", "quarters": "2027Q1"}, headers=headers("planner")
        ).json()["id"]
    outcomes = set()
    for delay in (0.003, 0.02):
        with httpx.Client(base_url=server.url, timeout=60) as http:
            before = q1_cells(http, pid)

        def fire(url: str = server.url) -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server may die under it
                httpx.post(
                    f"{url}/v1/plans/{pid}/versions/baseline/overrides",
                    headers=headers("planner"),
                    timeout=10,
                    json=override_body({"region": "North"}, "2027Q1", "other", percent=7),
                )

        thread = threading.Thread(target=fire)
        thread.start()
        time.sleep(delay)
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait()
        thread.join()
        server.stop()
        server = start_server(env, home / f"server-{delay}.log")
        with httpx.Client(base_url=server.url, timeout=60) as http:
            now = q1_cells(http, pid)
        assert_coherent(now)
        if now["value"].equals(before["value"]) and now["revision"].equals(before["revision"]):
            outcomes.add("before")
            continue
        outcomes.add("after")
        north = is_cell(now, "region", region="North")
        assert now.loc[north, "value"].iloc[0] == pytest.approx(
            before.loc[north, "value"].iloc[0] * 1.07
        )
        changed = now["value"] != before["value"]
        assert (now.loc[changed, "revision"] == before.loc[changed, "revision"] + 1).all()
    assert outcomes <= {"before", "after"}
