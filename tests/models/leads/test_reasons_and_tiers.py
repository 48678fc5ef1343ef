"""Scoring payload: faithful reasons, tiers from precision targets, per-row errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.errors import DataError
from models.leads import (
    LeadConversionModel,
    LeadScorer,
    parse_thresholds,
    thresholds_from_precision,
)
from models.leads.reasons import typical_values
from models.leads.tiers import make_thresholds


@pytest.fixture(scope="module")
def scorer(known_rule, fitted) -> LeadScorer:
    train, val = known_rule["train"], known_rule["val"]
    p = fitted.predict_proba(val[known_rule["features"]])[:, 1]
    tiers = thresholds_from_precision(val["converted"].to_numpy(), p)
    reference = typical_values(
        train[known_rule["features"]], fitted.numeric_features_, fitted.categorical_features_
    )
    return LeadScorer(fitted, tiers, reference, {})


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
    ]
    assert out["lead_id"].tolist() == sample["lead_id"].tolist()
    assert out["probability"].between(0, 1).all()
    assert (out["score"] == np.round(out["probability"] * 100)).all()
    assert set(out["tier"]) <= {"cold", "warm", "hot", "sales-qualified"}


def _probabilities(scorer: LeadScorer, frame: pd.DataFrame) -> np.ndarray:
    """Public scoring without reasons (lead ids made unique so every row is scored)."""
    frame = frame.assign(lead_id=[f"x{i}" for i in range(len(frame))])
    scored, errors = scorer.score_batch(frame, reasons=False)
    assert not errors
    return scored["probability"].to_numpy()


def test_reasons_are_faithful(scorer, sample) -> None:
    """Setting a reason's feature to its typical value moves the score by the stated points."""
    scored, errors = scorer.score_batch(sample, detail=True)
    assert not errors
    rows, stated = [], []
    for i, reasons in enumerate(scored["reasons"]):
        assert 1 <= len(reasons) <= 3
        for reason in reasons:
            changed = sample.iloc[[i]].copy()
            changed[reason["feature"]] = reason["typical"]
            rows.append(changed)
            stated.append((scored["probability"].iloc[i], reason))
    moved = _probabilities(scorer, pd.concat(rows, ignore_index=True))
    assert len(stated) >= 60
    for after, (before, reason) in zip(moved, stated, strict=True):
        # the stated direction is what the feature's value does to the score
        if reason["direction"] == "raises":
            assert after < before
        else:
            assert after > before
        assert (before - after) * 100 == pytest.approx(reason["points"], abs=0.01)


def test_reasons_are_the_three_largest_effects(scorer, sample) -> None:
    """No feature outside the stated reasons moves the score more than the weakest reason."""
    head = sample.head(8)
    scored, _ = scorer.score_batch(head, detail=True)
    names = list(scorer.reference)
    rows = []
    for i in range(len(head)):
        rows.append(head.iloc[[i]])
        for col in names:
            changed = head.iloc[[i]].copy()
            changed[col] = scorer.reference[col]
            rows.append(changed)
    p = _probabilities(scorer, pd.concat(rows, ignore_index=True)).reshape(len(head), -1)
    for i, reasons in enumerate(scored["reasons"]):
        effects = dict(zip(names, np.abs(p[i, 0] - p[i, 1:]), strict=True))
        named = {r["feature"] for r in reasons}
        weakest = min(abs(r["points"]) for r in reasons) / 100
        assert all(v <= weakest + 1e-4 for k, v in effects.items() if k not in named)
        assert [r["feature"] for r in reasons] == sorted(named, key=lambda k: -effects[k])


def test_reason_text_states_value_typical_and_direction(scorer, sample) -> None:
    scored, _ = scorer.score_batch(sample.head(3), detail=True)
    first = scored["reasons"].iloc[0][0]
    text = scored["reason_1"].iloc[0]
    assert text.startswith(f"{first['feature']} = ")
    typical = first["typical"]
    shown = f"{typical:g}" if isinstance(typical, float) else str(typical)
    assert f"(typical {shown})" in text
    assert first["direction"] in text


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
    p = fitted.predict_proba(val[known_rule["features"]])[:, 1]
    tiers = thresholds_from_precision(y, p)
    assert tiers.warm <= tiers.hot <= tiers.sales_qualified
    assert "precision targets" in tiers.describe()
    for name, threshold in tiers.as_dict().items():
        at_or_above = p >= threshold
        assert y[at_or_above].mean() >= tiers.targets[name] - 1e-9
    assert y.mean() < tiers.targets["warm"] < tiers.targets["hot"]
    assigned = tiers.assign(p)
    assert (assigned[p >= tiers.sales_qualified] == "sales-qualified").all()
    assert (assigned[p < tiers.warm] == "cold").all()


def test_unreachable_targets_fall_back_to_top_shares() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(1000)
    y = (rng.random(1000) < 0.05).astype(int)  # scores unrelated to outcome
    tiers = thresholds_from_precision(y, p)
    assert "fallback" in tiers.source
    assert (p >= tiers.sales_qualified).mean() == pytest.approx(0.05, abs=0.01)


def test_tier_thresholds_parse_and_check() -> None:
    tiers = parse_thresholds("warm=0.1,hot=25%,sql=0.5")
    assert tiers.as_dict() == {"warm": 0.1, "hot": 0.25, "sales-qualified": 0.5}
    assert list(tiers.assign([0.05, 0.1, 0.3, 0.9])) == ["cold", "warm", "hot", "sales-qualified"]
    for bad, match in [
        ("warm=0.5,hot=0.2,sales-qualified=0.6", "rise"),
        ("warm=0.1,hot=0.2", "sales-qualified"),
        ("warm=0.1,hot=x,sales-qualified=0.6", "not a number"),
        ("tepid=0.1", "unknown tier"),
    ]:
        with pytest.raises(DataError, match=match):
            parse_thresholds(bad)
    with pytest.raises(DataError, match="between 0 and 1"):
        make_thresholds(0.1, 0.2, 1.5)


def test_reasons_are_faithful_for_the_logistic_learner(known_rule) -> None:
    """The generic (re-encode per feature) path tells the truth too."""
    train = known_rule["train"].head(3000)
    features = known_rule["features"]
    model = LeadConversionModel(learner="logistic").fit(train[features], train["converted"])
    reference = typical_values(
        train[features], model.numeric_features_, model.categorical_features_
    )
    scorer = LeadScorer(model, make_thresholds(0.1, 0.3, 0.5), reference, {})
    sample = known_rule["val"][["lead_id", *features]].head(10).reset_index(drop=True)
    scored, _ = scorer.score_batch(sample, detail=True)
    for i, reasons in enumerate(scored["reasons"]):
        for reason in reasons:
            changed = sample.iloc[[i]].assign(**{reason["feature"]: reason["typical"]})
            after = _probabilities(scorer, changed)[0]
            delta = (scored["probability"].iloc[i] - after) * 100
            assert delta == pytest.approx(reason["points"], abs=0.01)
            assert (delta > 0) == (reason["direction"] == "raises")
