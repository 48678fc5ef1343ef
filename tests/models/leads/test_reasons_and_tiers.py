"""Scoring payload: faithful reasons, tiers from precision targets, per-row errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.errors import DataError
from models.leads import (
    LeadScorer,
    parse_thresholds,
    thresholds_from_precision,
)
from models.leads.reasons import score_of
from models.leads.tiers import make_thresholds


@pytest.fixture(scope="module")
def scorer(known_rule, fitted) -> LeadScorer:
    val = known_rule["val"]
    p = fitted.predict_proba(val[known_rule["features"]])[:, 1]
    tiers = thresholds_from_precision(val["converted"].to_numpy(), score_of(p))
    return LeadScorer(fitted, tiers, {})


@pytest.fixture(scope="module")
def sample(known_rule) -> pd.DataFrame:
    cols = ["lead_id", *known_rule["features"]]
    return known_rule["val"][cols].sample(40, random_state=0).reset_index(drop=True)


def test_output_columns_and_ranges(scorer, sample) -> None:
    out = scorer.predict_frame(sample)
    assert list(out.columns) == [
        "lead_id",
        "probability",
        "score",
        "tier",
        "reason_1",
        "reason_2",
        "reason_3",
        "base_score",
        "other_points",
    ]
    assert out["lead_id"].tolist() == sample["lead_id"].tolist()
    assert out["probability"].between(0, 1).all()
    assert (out["score"] == np.round(out["probability"] * 100)).all()
    assert set(out["tier"]) <= {"cold", "warm", "hot", "sales-qualified"}


def test_bad_rows_get_their_own_errors(scorer, sample) -> None:
    batch = sample.head(6).copy().astype(object)
    batch.loc[1, "site_visits"] = "lots"
    batch.loc[3, "email_clicks"] = -2
    batch.loc[4, "lead_id"] = batch.loc[0, "lead_id"]
    scored, errors = scorer.score_batch(batch)
    assert sorted(scored["row"]) == [0, 2, 5]
    assert [(e.row, e.field) for e in errors] == [
        (1, "site_visits"),
        (3, "email_clicks"),
        (4, "lead_id"),
    ]
    assert "lots" in errors[0].message
    with pytest.raises(DataError, match="row 1"):
        scorer.predict_frame(batch)


def test_missing_feature_column_fails_the_batch(scorer, sample) -> None:
    with pytest.raises(DataError, match="form_fills") as info:
        scorer.score_batch(sample.drop(columns=["form_fills"]))
    assert info.value.field == "form_fills"


def test_default_tiers_meet_their_precision_targets(known_rule, fitted) -> None:
    val = known_rule["val"]
    y = val["converted"].to_numpy()
    score = score_of(fitted.predict_proba(val[known_rule["features"]])[:, 1])
    tiers = thresholds_from_precision(y, score)
    assert tiers.warm <= tiers.hot <= tiers.sales_qualified
    assert "precision targets" in tiers.describe()
    for name, threshold in tiers.as_dict().items():
        at_or_above = score >= threshold
        assert y[at_or_above].mean() >= tiers.targets[name] - 1e-9
    assert y.mean() < tiers.targets["warm"] < tiers.targets["hot"]
    assigned = tiers.assign(score)
    assert (assigned[score >= tiers.sales_qualified] == "sales-qualified").all()
    assert (assigned[score < tiers.warm] == "cold").all()


def test_unreachable_targets_fall_back_to_top_shares() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(1000)
    y = (rng.random(1000) < 0.05).astype(int)  # scores unrelated to outcome
    tiers = thresholds_from_precision(y, score_of(p))
    assert "fallback" in tiers.source
    assert (score_of(p) >= tiers.sales_qualified).mean() == pytest.approx(0.05, abs=0.015)


def test_tier_thresholds_parse_and_check() -> None:
    tiers = parse_thresholds("warm=0.1,hot=25%,sql=0.5")
    assert tiers.as_dict() == {"warm": 10, "hot": 25, "sales-qualified": 50}
    assert list(tiers.assign([5, 10, 30, 90])) == ["cold", "warm", "hot", "sales-qualified"]
    assert parse_thresholds("warm=0.205,hot=0.3,sql=0.5").warm == 21  # a score of 21 reaches it
    for bad, match in [
        ("warm=0.5,hot=0.2,sales-qualified=0.6", "rise"),
        ("warm=0.1,hot=0.2", "sales-qualified"),
        ("warm=0.1,hot=x,sales-qualified=0.6", "not a number"),
        ("tepid=0.1", "unknown tier"),
    ]:
        with pytest.raises(DataError, match=match):
            parse_thresholds(bad)
    with pytest.raises(DataError, match="between 0 and 1"):
        parse_thresholds("warm=0.1,hot=0.2,sql=1.5")
    with pytest.raises(DataError, match="0 to 100"):
        make_thresholds(10, 20, 150)
