"""Lead scoring and pipeline answers for marketing, sales and planners."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_BATCH = 10_000
"""Leads per request; bigger files go through `lodestar score leads`."""

_EXAMPLE_LEADS = [
    {
        "lead_id": "L000101",
        "created_date": "2026-10-02",
        "source": "referral",
        "region": "North",
        "industry": "software",
        "company_size": 240,
        "site_visits": 6,
        "page_views": 21,
        "email_opens": 4,
        "email_clicks": 2,
        "downloads": 1,
        "form_fills": 1,
        "webinars": 0,
        "time_on_site": 18.5,
        "deal_value": 42000,
    },
    {"lead_id": "L000102", "source": "paid_search", "site_visits": "many"},
]


def rows_field(most: int, description: str, example: list[dict[str, Any]]) -> Any:
    """A request's batch of JSON rows: one at least, `most` at the most (bigger go by file)."""
    return Field(min_length=1, max_length=most, description=description, examples=[example])


class ScoreRequest(BaseModel):
    """Leads as rows of the columns the model was trained on; missing cells are imputed."""

    leads: list[dict[str, Any]] = rows_field(
        MAX_BATCH, "One object per lead: lead_id (optional) and feature columns.", _EXAMPLE_LEADS
    )


class Reason(BaseModel):
    """One reason: the score points this feature's value adds (its share of the score)."""

    feature: str = Field(examples=["form_fills"])
    value: Any = Field(default=None, examples=[2])
    direction: Literal["raises", "lowers"]
    points: float = Field(description="Score points this value adds (negative: removes).")
    text: str = Field(examples=["form_fills = 2 raises the score by 12.30 points"])


class ScoredLead(BaseModel):
    """A lead's calibrated probability, 0-100 score, tier and top three reasons.

    base_score + the reasons' points + other_points = score: the points are an exact additive
    split of the score (Shapley values of the model's log-odds, carried through the calibration).
    """

    row: int = Field(description="Position of the lead in the request.")
    lead_id: str
    probability: float = Field(ge=0, le=1, examples=[0.42])
    score: int = Field(ge=0, le=100, examples=[42])
    tier: Literal["cold", "warm", "hot", "sales-qualified"]
    reason_1: str
    reason_2: str
    reason_3: str
    reasons: list[Reason]
    base_score: float = Field(description="The score of a lead at the model's average.")
    other_points: float = Field(
        description="Points of every feature not named, and the score's rounding to a whole."
    )


class RowErrorBody(BaseModel):
    """Why one lead of the batch was not scored (the others still are)."""

    row: int
    lead_id: str | None = None
    field: str | None = Field(default=None, examples=["site_visits"])
    message: str = Field(examples=["'site_visits' must be a number, got 'many'"])


class ScoreResponse(BaseModel):
    """Scores for every valid lead, and an error for every invalid one."""

    model_version: str
    tiers: dict[str, int] = Field(
        description="Score (0-100) at or above which a lead enters each tier.",
        examples=[{"warm": 10, "hot": 25, "sales-qualified": 35}],
    )
    scored: list[ScoredLead]
    errors: list[RowErrorBody]


class PipelineRequest(ScoreRequest):
    """Leads to plan from, and the segments to total them by."""

    by: list[str] = Field(
        default_factory=list,
        description="Segment columns, e.g. source or region; [] totals per quarter.",
        examples=[["source"]],
    )
    as_of: str | None = Field(
        default=None,
        description="Planning date (default today); conversions land no earlier than it.",
        examples=["2026-11-16"],
    )


class PipelineRow(BaseModel):
    """Expected conversions and pipeline value of one segment in one quarter, with intervals."""

    model_config = ConfigDict(extra="allow")  # the segment columns ride along

    quarter: str = Field(examples=["2027Q1"])
    leads: int
    expected_conversions: float
    conversions_lo_95: float
    conversions_lo_80: float
    conversions_hi_80: float
    conversions_hi_95: float
    expected_value: float = Field(description="Sum of probability x deal value.")
    value_lo_95: float
    value_lo_80: float
    value_hi_80: float
    value_hi_95: float


class PipelineResponse(BaseModel):
    """Planners' pipeline from the leads champion: per quarter and segment."""

    model_version: str
    by: list[str]
    as_of: str
    lag_days: float = Field(description="Typical days from lead creation to conversion.")
    pipeline: list[PipelineRow]
    errors: list[RowErrorBody]


class RuleFired(BaseModel):
    """One rubric rule that gave its points to this lead."""

    rule: str = Field(examples=["downloads >= 1"])
    points: int = Field(examples=[15])


class BothScores(BaseModel):
    """The rubric's view of a lead beside the model's, and which of the two set the tier."""

    model_tier: Literal["cold", "warm", "hot", "sales-qualified"] = Field(
        description="The tier the model's score alone gives."
    )
    points: int | None = Field(
        default=None, description="Rubric points (rules fired less decay); null without a rubric."
    )
    decay: int | None = Field(default=None, description="Points lost to weeks of inactivity.")
    rubric_version: int | None = Field(default=None, description="The active rubric's version.")
    rubric_tier: Literal["cold", "warm", "hot", "sales-qualified"] | None = None
    rules_fired: list[RuleFired] = Field(default_factory=list)
    tier_source: str = Field(
        description="What set `tier`: 'rubric vN' or 'model' (deployment setting "
        "LODESTAR_LEAD_TIER_SOURCE).",
        examples=["rubric v3"],
    )


class ScoredLeadBoth(ScoredLead, BothScores):
    """A scored lead: the model's probability and reasons, the rubric's points and rules."""


class ScoreResponseBoth(ScoreResponse):
    """Scores with both views; `tiers` are the model's score thresholds."""

    scored: list[ScoredLeadBoth]  # type: ignore[assignment]
    rubric: dict[str, Any] | None = Field(
        default=None, description="The active rubric (version and document), if any."
    )
    tier_source: str = Field(examples=["rubric v3"])


class RubricIn(BaseModel):
    """A new rubric version (a draft until marketing and sales have both signed it)."""

    rubric: dict[str, Any] = Field(
        description="name, decay_per_week, tiers {warm, hot, sales-qualified}, rules "
        "[{when, points}] (the TOML file's shape).",
        examples=[
            {
                "name": "Spring rubric",
                "decay_per_week": 5,
                "tiers": {"warm": 20, "hot": 40, "sales-qualified": 60},
                "rules": [
                    {"when": "downloads >= 1", "points": 15},
                    {"when": "source = referral", "points": 10},
                ],
            }
        ],
    )
    based_on: int | None = Field(default=None, ge=1, description="The version this changes.")
    note: str = Field(default="", max_length=2000)


class SignOffIn(BaseModel):
    """A team's sign-off; the team is the caller key's team."""

    comment: str = Field(default="", max_length=2000)


class RubricVersion(BaseModel):
    """One rubric version: its document, status and sign-offs."""

    model_config = ConfigDict(extra="allow")

    version: int
    name: str
    status: Literal["draft", "active", "retired"]
    rubric: dict[str, Any]
    signoffs: list[dict[str, Any]]
    waiting_for: list[str]


class RubricList(BaseModel):
    """Every rubric version, newest first, and the active one."""

    active: int | None
    rubrics: list[RubricVersion]


MAX_EVENTS = 1000
"""Events (or lead records) per request."""


class LeadRecordsIn(BaseModel):
    """Leads for the loop to follow: created or replaced whole (their events' counts stay)."""

    leads: list[dict[str, Any]] = rows_field(
        MAX_EVENTS,
        "lead_id, owner (the rep alerted), created_date, attributes and counts.",
        [
            {
                "lead_id": "L1",
                "owner": "sam",
                "created_date": "2026-11-02",
                "source": "referral",
                "downloads": 1,
            }
        ],
    )


class LeadRecordsOut(BaseModel):
    """How many leads were new and how many replaced."""

    created: int
    updated: int


class LeadView(BaseModel):
    """A lead now: both scores, the tier and what set it."""

    model_config = ConfigDict(extra="allow")

    lead_id: str
    owner: str | None
    points: int | None
    rubric_version: int | None
    rubric_tier: str | None
    rules_fired: list[RuleFired]
    probability: float | None
    model_version: str | None
    model_tier: str | None
    tier: str | None
    tier_source: str | None


class EventsIn(BaseModel):
    """Activity events; an event id already stored is the same event and changes nothing."""

    events: list[dict[str, Any]] = rows_field(
        MAX_EVENTS,
        "event_id, lead_id, activity (e.g. form_fill), occurred_at (ISO with a time zone), "
        "properties (optional).",
        [
            {
                "event_id": "evt-0001",
                "lead_id": "L1",
                "activity": "pricing_page_visit",
                "occurred_at": "2026-11-26T09:15:00Z",
            }
        ],
    )


class EventsOut(BaseModel):
    """What the batch did: new events, resent ones (ignored), alerts written, leads now."""

    accepted: list[str]
    duplicates: list[str]
    alerts: list[int]
    leads: list[LeadView]


class AlertOut(BaseModel):
    """An alert in the inbox: lead, activity, tier and the webhook's delivery state."""

    model_config = ConfigDict(extra="allow")

    id: int
    lead_id: str
    owner: str | None
    activity: str
    tier: str
    status: Literal["pending", "delivered", "dead", "inbox"]
    attempts: int
    payload: dict[str, Any]


class AlertList(BaseModel):
    """Alerts newest first."""

    alerts: list[AlertOut]


class OutcomesIn(BaseModel):
    """Outcomes sales records: won, lost or disqualified, with date, deal value and reason."""

    outcomes: list[dict[str, Any]] = rows_field(
        MAX_BATCH,
        "lead_id, outcome (won/lost/disqualified), date (YYYY-MM-DD), deal_value (required when "
        "won), reason.",
        [
            {
                "lead_id": "L1",
                "outcome": "won",
                "date": "2026-11-24",
                "deal_value": 42000,
                "reason": "budget approved",
            }
        ],
    )


class OutcomesOut(BaseModel):
    """How many outcomes were new and how many replaced an earlier one."""

    recorded: int
    replaced: int


class OutcomeList(BaseModel):
    """Recorded outcomes, newest first, with the tier each lead had when recorded."""

    outcomes: list[dict[str, Any]]


class TierConversion(BaseModel):
    """How leads recorded in one tier actually ended."""

    tier: str
    decided: int
    won: int
    conversion_rate: float | None
    hotter_than_below: bool | None = Field(
        description="Did this tier convert at least as well as the tier below it?"
    )


class MarketingStats(BaseModel):
    """Conversion, win rate, time to convert, revenue and pipeline; per group, period, tier."""

    by: list[str]
    period: str
    overall: dict[str, Any]
    groups: list[dict[str, Any]] = Field(default_factory=list)
    over_time: list[dict[str, Any]]
    rubric_tiers: list[TierConversion]
    tiers: list[TierConversion]


class RepIn(BaseModel):
    """A rep: territories and segments it may take (no segments: any), weekly capacity."""

    territories: list[str] = Field(min_length=1, max_length=200, examples=[["North", "East"]])
    segments: list[str] = Field(default_factory=list, max_length=200, examples=[["smb"]])
    weekly_capacity: int = Field(ge=0, le=100_000, examples=[25])
    webhook_url: str | None = Field(
        default=None,
        max_length=2000,
        pattern=r"^https?://",
        description="Where this rep's alerts go (default: LODESTAR_LEAD_WEBHOOK_URL).",
    )
    active: bool = True


class RepOut(RepIn):
    """A rep as stored."""

    name: str


class RepList(BaseModel):
    reps: list[RepOut]


class AllocationIn(BaseModel):
    """What to allocate: the open leads nobody owns, to the active reps."""

    territory_column: str = Field(default="region", max_length=80)
    segment_column: str | None = Field(default=None, max_length=80)
    fairness_cap: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="Largest share of the expected value one rep may receive (1: no cap).",
    )
    weeks: int = Field(default=1, ge=1, le=52, description="Capacity is weekly x weeks.")
    default_deal_value: float | None = Field(
        default=None, ge=0, description="For leads without a deal_value (else they are skipped)."
    )


class AllocationOut(BaseModel):
    """A proposal (or an accepted allocation): items, objective, greedy baseline, summary."""

    model_config = ConfigDict(extra="allow")

    id: int
    status: Literal["proposed", "accepted"]
    objective: float = Field(description="Expected pipeline value assigned.")
    greedy_objective: float = Field(description="What the greedy baseline would assign.")
    solver: str
    summary: dict[str, Any]
    items: list[dict[str, Any]]


class AcceptIn(BaseModel):
    comment: str = Field(default="", max_length=2000)
