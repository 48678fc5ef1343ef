"""`lodestar leads rubric ...` and `lodestar score leads` with both views, against the database
under LODESTAR_HOME (or PostgreSQL), run in-process like main()."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine.core.settings import get_settings
from tests.training.cli_runs import run_cli as run
from tests.training.conftest import CliHome

RUBRIC_TOML = """
name = "CLI rubric"
decay_per_week = 0
[tiers]
warm = 10
hot = 25
sales-qualified = 40
[[rules]]
when = "form_fills >= 1"
points = 30
[[rules]]
when = "source = referral"
points = 12
"""


@pytest.fixture
def home(cli_home: CliHome, leads_template: Path) -> Path:
    return cli_home(leads_template)


def test_rubric_sign_off_and_scores_with_both_views(
    home: Path, tmp_path: Path, loop_leads_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = pd.read_csv(loop_leads_csv).drop(columns=["converted", "conversion_date"]).head(60)
    batch_path = tmp_path / "batch.csv"
    batch.to_csv(batch_path, index=False)
    before = tmp_path / "before.csv"
    code, out, err = run(
        ["score", "leads", "--data", str(batch_path), "--out", str(before)], capsys
    )
    assert code == 0, err
    assert out.strip().endswith("tiers set by model")
    scored = pd.read_csv(before)
    assert (scored["tier"] == scored["model_tier"]).all() and scored["points"].isna().all()

    rubric_file = tmp_path / "rubric.toml"
    rubric_file.write_text(RUBRIC_TOML)
    code, out, err = run(
        ["leads", "rubric", "propose", "--file", str(rubric_file), "--team", "marketing"], capsys
    )
    assert code == 0, err
    assert "rubric v1 stored as a draft (2 rules)" in out
    code, out, _ = run(["leads", "rubric", "sign", "1", "--team", "marketing"], capsys)
    assert out.strip() == "rubric v1 signed by marketing; waiting for sales"
    code, out, err = run(
        ["leads", "rubric", "sign", "1", "--team", "marketing", "--by", "b"], capsys
    )
    assert code == 2 and "marketing has signed rubric v1 already" in err
    code, out, err = run(["leads", "rubric", "sign", "1", "--team", "finance"], capsys)
    assert code == 2 and err.startswith("error [team]")
    code, out, _ = run(["leads", "rubric", "sign", "1", "--team", "sales", "--by", "sam"], capsys)
    assert out.strip() == "rubric v1 is now active (signed by marketing and sales)"
    code, out, _ = run(["leads", "rubric", "list"], capsys)
    assert out.startswith("v1 active") and "marketing (ann), sales (sam)" in out
    code, out, _ = run(["leads", "rubric", "show", "1"], capsys)
    assert 'when = "form_fills >= 1"' in out

    after = tmp_path / "after.csv"
    code, out, err = run(["score", "leads", "--data", str(batch_path), "--out", str(after)], capsys)
    assert code == 0, err
    assert out.strip().endswith("tiers set by rubric v1")
    scored = pd.read_csv(after).set_index("lead_id")
    source = batch.set_index("lead_id")
    points = 30 * (source["form_fills"] >= 1) + 12 * (source["source"] == "referral")
    assert (scored["points"] == points.loc[scored.index]).all()
    expected = pd.cut(
        points, [-1, 9, 24, 39, 10**6], labels=["cold", "warm", "hot", "sales-qualified"]
    )
    assert (scored["tier"] == expected.loc[scored.index].astype(str)).all()
    both = scored.loc[
        (source.loc[scored.index, "form_fills"] >= 1)
        & (source.loc[scored.index, "source"] == "referral")
    ]
    assert not both.empty
    assert set(both["rules_fired"]) == {"form_fills >= 1 (+30); source = referral (+12)"}


def test_load_leads_record_outcomes_and_read_the_figures(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leads = pd.DataFrame(
        {
            "lead_id": ["A", "B", "C", "D"],
            "owner": ["sam", "sam", "kim", "kim"],
            "created_date": ["2026-09-01", "2026-09-01", "2026-09-10", "2026-09-10"],
            "source": ["referral", "web", "web", "referral"],
            "form_fills": [1, 0, 2, None],
        }
    )
    leads_path = tmp_path / "leads.csv"
    leads.to_csv(leads_path, index=False)
    code, out, err = run(["leads", "load", "--data", str(leads_path)], capsys)
    assert code == 0, err
    assert out.startswith("4 leads created, 0 replaced")

    outcomes = pd.DataFrame(
        {
            "lead_id": ["A", "B", "C"],
            "outcome": ["won", "lost", "won"],
            "date": ["2026-10-01", "2026-10-02", "2026-09-30"],
            "deal_value": [1200.0, None, 800.0],
            "reason": ["fit", "price", ""],
        }
    )
    outcomes_path = tmp_path / "outcomes.csv"
    outcomes.to_csv(outcomes_path, index=False)
    code, out, err = run(["leads", "outcomes", "--data", str(outcomes_path)], capsys)
    assert code == 0, err
    assert out.startswith("recorded 3 outcomes (0 replaced earlier ones)") and "as ann" in out

    bad = outcomes.assign(outcome=["won", "maybe", "lost"])
    bad_path = tmp_path / "bad.csv"
    bad.to_csv(bad_path, index=False)
    code, _, err = run(["leads", "outcomes", "--data", str(bad_path)], capsys)
    assert code == 2 and err.startswith("error [rows.1.outcome]")

    groups_out = tmp_path / "by_source.csv"
    code, out, err = run(
        ["leads", "stats", "--group-by", "source", "--out", str(groups_out)], capsys
    )
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith("4 leads: 2 won, 1 lost, 0 disqualified, 1 open")
    assert "conversion 50.0%" in first and "win rate 66.7%" in first
    assert "median days to convert 25" in first and "revenue 2,000.00" in first  # 30 and 20 days
    groups = pd.read_csv(groups_out).set_index("source")
    assert groups.loc["referral", "revenue"] == 1200.0 and groups.loc["web", "revenue"] == 800.0


def test_suggest_a_rubric_compare_it_and_store_it_as_a_draft(
    home: Path, tmp_path: Path, loop_leads_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import tomllib

    rubric_file = tmp_path / "rubric.toml"
    rubric_file.write_text(RUBRIC_TOML)
    run(["leads", "rubric", "propose", "--file", str(rubric_file)], capsys)
    run(["leads", "rubric", "sign", "1", "--team", "marketing"], capsys)
    run(["leads", "rubric", "sign", "1", "--team", "sales"], capsys)

    out = tmp_path / "suggested.toml"
    report = tmp_path / "report.json"
    args = ["leads", "rubric", "suggest", "--data", str(loop_leads_csv), "--out", str(out)]
    args += ["--exclude", "deal_value", "--report", str(report), "--save", "--team", "marketing"]
    code, text, err = run(args, capsys)
    assert code == 0, err
    lines = text.splitlines()
    assert lines[0].startswith("suggested ") and "validation leads" in lines[0]
    assert [line.split()[0] for line in lines[1:4]] == ["suggested", "active", "model"]
    assert any(line.startswith("adopting it moves ") for line in lines)
    assert lines[-1].startswith("stored as draft rubric v2")
    doc = tomllib.loads(out.read_text())
    assert doc["rules"] and all(isinstance(r["points"], int) for r in doc["rules"])
    full = json.loads(report.read_text())
    assert full["active"]["version"] == 1 and full["model"]["version"] == "1"
    for part in ("suggested", "active", "model"):
        leads = sum(t["leads"] for t in full[part]["tiers"].values())
        assert leads == full["n_validation"]
    assert full["suggested"]["roc_auc"] > 0.6
    code, listed, _ = run(["leads", "rubric", "list"], capsys)
    assert listed.startswith("v2 draft") and "v1 active" in listed  # nothing changed by itself


def test_schedule_retrains_from_stored_outcomes_only_when_due(
    home: Path,
    tmp_path: Path,
    loop_leads_csv: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LODESTAR_LEAD_RETRAIN_MIN_NEW_OUTCOMES", "300")
    get_settings.cache_clear()
    source = pd.read_csv(loop_leads_csv).head(400)
    leads = source.drop(columns=["converted", "conversion_date"])
    leads_path = tmp_path / "leads.csv"
    leads.to_csv(leads_path, index=False)
    assert run(["leads", "load", "--data", str(leads_path)], capsys)[0] == 0
    created = pd.to_datetime(source["created_date"])
    won = source["converted"] == 1
    closed = pd.to_datetime(source["conversion_date"]).where(won, created + pd.Timedelta(days=20))
    closed = closed.clip(upper=pd.Timestamp.today().normalize())
    outcomes = pd.DataFrame(
        {
            "lead_id": source["lead_id"],
            "outcome": ["won" if w else "lost" for w in won],
            "date": closed.dt.strftime("%Y-%m-%d"),
            "deal_value": source["deal_value"].where(won),
        }
    )
    first, second = outcomes.head(250), outcomes.tail(150)
    first_path, second_path = tmp_path / "o1.csv", tmp_path / "o2.csv"
    first.to_csv(first_path, index=False)
    second.to_csv(second_path, index=False)
    assert run(["leads", "outcomes", "--data", str(first_path)], capsys)[0] == 0
    code, out, _ = run(["schedule", "run"], capsys)
    assert code == 0 and out.strip() == (
        "skipped: 250 new outcomes since the last retrain; needs 300"
    )
    assert run(["leads", "outcomes", "--data", str(second_path)], capsys)[0] == 0
    code, out, err = run(["schedule", "run"], capsys)
    assert code == 0, err
    assert out.startswith("retrained lead conversion v2 from 400 outcomes")
    exported = sorted((home / "retraining").glob("leads-outcomes-*.csv"))
    table = pd.read_csv(exported[-1])
    assert len(table) == 400 and table["converted"].sum() == int(won.sum())
    code, out, _ = run(["schedule", "run"], capsys)
    assert out.startswith("skipped: last retrain 0.0 days ago; the schedule is every 10")
    code, out, _ = run(["schedule", "list"], capsys)
    decisions = [line.split()[2] for line in out.splitlines()]
    assert decisions == ["skipped", "started", "skipped"]
