"""The points rubric: rules, decay, tiers, TOML round trip and clear refusals."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pandas as pd
import pytest

from engine.core.errors import DataError
from engine.leads.rubric import rubric_changes, rubric_from_dict
from tests.lead_rubrics import rubric_doc

DOC = rubric_doc(
    "Spring rubric",
    (20, 40, 60),
    {
        "downloads >= 1": 15,
        "downloads >= 3": 10,
        "form_fill >= 1": 25,
        "source = referral": 10,
        "industry = education": -10,
        "pricing_page_visit >= 1": 20,
    },
    decay_per_week=5,
)


def _leads(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "downloads": rng.poisson(1.2, n).astype(float),
            "form_fills": rng.poisson(0.5, n).astype(float),
            "source": rng.choice(["referral", " Referral ", "web", None], n),
            "industry": rng.choice(["education", "software"], n),
            "n_pricing_page_visit": rng.poisson(0.3, n).astype(float),
            "last_activity": pd.Timestamp("2026-11-01")
            - pd.to_timedelta(rng.integers(0, 60, n), unit="D"),
        }
    )
    frame.loc[::17, "downloads"] = np.nan
    return frame


def _by_hand(row: pd.Series, as_of: pd.Timestamp) -> tuple[int, int]:
    """(points, decay) of one lead, written out rule by rule."""
    raw = 0
    downloads = row["downloads"]
    if not (isinstance(downloads, float) and math.isnan(downloads)):
        raw += 15 if downloads >= 1 else 0
        raw += 10 if downloads >= 3 else 0
    raw += 25 if row["form_fills"] >= 1 else 0
    source = row["source"]
    raw += 10 if source is not None and source.strip().lower() == "referral" else 0
    raw += -10 if row["industry"] == "education" else 0
    raw += 20 if row["n_pricing_page_visit"] >= 1 else 0
    weeks = (as_of - row["last_activity"]).days // 7
    decay = min(5 * weeks, max(raw, 0))
    return raw - decay, decay


def test_points_match_a_rule_by_rule_count() -> None:
    rubric = rubric_from_dict(DOC)
    leads = _leads()
    as_of = pd.Timestamp("2026-11-20")
    scores = rubric.evaluate(leads, as_of)
    expected = [_by_hand(row, as_of) for _, row in leads.iterrows()]
    assert scores.points.tolist() == [p for p, _ in expected]
    assert scores.decay.tolist() == [d for _, d in expected]
    for i in range(len(leads)):
        assert sum(points for _, points in scores.fired[i]) == scores.raw[i]
    tiers = pd.cut(scores.points, [-np.inf, 20, 40, 60, np.inf], right=False, labels=False)
    names = np.array(["cold", "warm", "hot", "sales-qualified"])
    assert scores.tiers.tolist() == names[np.asarray(tiers, dtype=int)].tolist()


def test_rules_fired_name_the_rule_and_points() -> None:
    rubric = rubric_from_dict(DOC)
    lead = pd.DataFrame([{"downloads": 4, "source": "referral", "form_fills": 0}])
    scores = rubric.evaluate(lead)
    assert scores.fired[0] == [
        ("downloads >= 1", 15),
        ("downloads >= 3", 10),
        ("source = referral", 10),
    ]
    assert scores.points.tolist() == [35] and scores.tiers.tolist() == ["warm"]
    assert scores.absent_fields == ["industry", "pricing_page_visit"]


def test_decay_never_takes_points_below_zero() -> None:
    rubric = rubric_from_dict({**DOC, "decay_per_week": 50})
    leads = pd.DataFrame(
        {
            "downloads": [1.0, 0.0],
            "industry": ["software", "education"],
            "last_activity": [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-01")],
        }
    )
    scores = rubric.evaluate(leads, pd.Timestamp("2026-03-01"))
    assert scores.points.tolist() == [0, -10] and scores.decay.tolist() == [15, 0]
    no_clock = rubric.evaluate(leads)
    assert no_clock.points.tolist() == [15, -10]


def test_toml_round_trip_keeps_every_rule() -> None:
    rubric = rubric_from_dict(DOC)
    again = rubric_from_dict(tomllib.loads(rubric.to_toml()))
    assert again == rubric
    assert again.to_dict()["rules"][0] == {"when": "downloads >= 1", "points": 15}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"rules": []}, "rules", "at least one rule"),
        ({"rules": [{"when": "downloads > 1", "points": 5}]}, "rules.0.when", "must look like"),
        ({"rules": [{"when": "downloads >= many", "points": 5}]}, "rules.0.when", "needs a number"),
        ({"rules": [{"when": "downloads >= 1", "points": 2.5}]}, "rules.0.points", "whole number"),
        ({"rules": [{"when": "downloads >= 1", "points": 5000}]}, "rules.0.points", "between"),
        ({"rules": [{"when": "downloads >= 1"}]}, "rules.0.points", "no points"),
        (
            {
                "rules": [
                    {"when": "source = web", "points": 1},
                    {"when": "Source = WEB", "points": 2},
                ]
            },
            "rules.1.when",
            "appears twice",
        ),
        ({"tiers": {"warm": 50, "hot": 40, "sales-qualified": 60}}, "tiers", "must rise"),
        ({"tiers": {"warm": 5, "hot": 40}}, "tiers.sales-qualified", "no threshold"),
        ({"tiers": {"warm": 5, "hot": 40, "sql": 60}}, "tiers", "unknown tier"),
        ({"decay_per_week": -1}, "decay_per_week", "negative"),
        ({"colour": "blue"}, "colour", "unknown rubric field"),
    ],
)
def test_bad_rubrics_are_refused_naming_the_field(change: dict, field: str, words: str) -> None:
    with pytest.raises(DataError) as err:
        rubric_from_dict({**DOC, **change})
    assert err.value.field == field and words in err.value.message


def test_changes_list_what_differs() -> None:
    before = rubric_from_dict(DOC)
    rules = [r for r in DOC["rules"] if r["when"] != "industry = education"]
    rules[0] = {"when": "downloads >= 1", "points": 20}
    after = rubric_from_dict(
        {**DOC, "rules": [*rules, {"when": "webinars >= 1", "points": 5}], "decay_per_week": 0}
    )
    assert rubric_changes(before, after) == [
        "added 'webinars >= 1': +5",
        "removed 'industry = education' (-10)",
        "'downloads >= 1': +15 -> +20",
        "decay per week: 5 -> 0",
    ]
    assert rubric_changes(None, before) == ["new rubric with 6 rules"]


def test_a_toml_file_is_read_and_a_broken_one_refused() -> None:
    from engine.leads.rubric import rubric_from_toml

    rubric = rubric_from_dict(DOC)
    assert rubric_from_toml(rubric.to_toml()) == rubric
    with pytest.raises(DataError, match="not valid TOML") as caught:
        rubric_from_toml("name = 'x'\n[[rules]\n")
    assert caught.value.field == "rubric"
