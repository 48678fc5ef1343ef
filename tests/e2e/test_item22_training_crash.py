"""Item 22 fault test: `lodestar train` killed with SIGKILL at several points of a run.

After each kill the registry lists no unfinished version (what a listing, a load or a promotion
sees), and the next run cleans up what the killed one left and succeeds.
"""

from __future__ import annotations

from pathlib import Path

from engine.core.settings import Settings
from engine.registry.completion import COMPLETE_TAG, FAILURE_TAG
from engine.registry.lifecycle import family_overview
from engine.registry.store import ModelStore, registered_name
from tests.e2e.lodestar_process import lodestar_env, run_lodestar

POINTS = ["after_run_created", "after_register", "after_finish", "after_complete", "after_promote"]
"""Before any version, with an unfinished version (run RUNNING, then FINISHED), with a complete
but unpromoted version, and with the alias moved but the run not yet labelled."""


def registry(store: ModelStore) -> dict[str, dict[str, str]]:
    """Every version in the MLflow registry, finished or not, with its tags."""
    name = registered_name("sales")
    found = store.client.search_model_versions(f"name='{name}'")
    return {str(mv.version): dict(mv.tags or {}) for mv in found}


def test_item22_kill_9_during_training_leaves_no_unfinished_version(
    sales_home: Path, demo_paths: dict[str, Path]
) -> None:
    home = sales_home
    store = ModelStore.from_settings(Settings(home=home))
    env = lodestar_env(home)
    train = ["train", "forecast", "--data", str(demo_paths["sales"]), "--models", "baseline"]
    train += ["--windows", "1", "--force"]
    unfinished_seen = 0
    for point in POINTS:
        champion_before = store.champion_version("sales")
        killed = run_lodestar(train, {**env, "LODESTAR_TEST_CRASH_AT": point})
        assert killed.returncode == -9, (point, killed.stderr[-3000:])

        listed = {v.version for v in store.versions("sales")}
        raw = registry(store)
        assert all(raw[v].get(COMPLETE_TAG) == "true" for v in listed), point
        unfinished = set(raw) - listed
        assert all(raw[v].get(COMPLETE_TAG) != "true" for v in unfinished), point
        unfinished_seen += len(unfinished)
        if point in ("after_register", "after_finish"):
            assert len(unfinished) == 1, (point, raw)
        overview = family_overview(store, "sales", limit=50)
        assert overview["n_versions"] == len(listed)
        shown = {c["version"] for c in overview["challengers"]} | {overview["champion"]["version"]}
        assert shown == listed, point
        if point != "after_promote":
            assert store.champion_version("sales") == champion_before, point
        else:
            assert store.champion_version("sales") == max(listed, key=int)
            assert store.champion_moves("sales")[-1].to_version == max(listed, key=int)
    assert unfinished_seen == 2

    done = run_lodestar(train, env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "now champion" in done.stdout
    raw = registry(store)
    assert all(tags.get(COMPLETE_TAG) == "true" for tags in raw.values()), raw
    newest = max(raw, key=int)
    assert store.champion_version("sales") == newest
    runs = store.client.search_runs([store.experiment_id("sales")], max_results=100)
    assert not [r for r in runs if r.info.status == "RUNNING"]
    failed = [r for r in runs if r.info.status == "FAILED"]
    assert len(failed) == 3  # killed before their versions were complete
    assert all("interrupted" in r.data.tags[FAILURE_TAG] for r in failed)
