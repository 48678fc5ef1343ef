"""The points rubric marketing and sales agree on: rules, tier thresholds and inactivity decay.

A rule gives whole points when a lead's column meets it: an activity or numeric band
(`downloads >= 1`, points when the count is at least 1) or an attribute value (`source =
referral`, compared as text, case and outer spaces ignored). A lead's points are the sum of the
rules that fire, less the decay: `decay_per_week` points per full week since its last activity,
never taking the points below zero (a lead already below zero loses nothing more). The tier is
a function of the points only (`TierThresholds`, as for the model's 0-100 score), so equal
points always share a tier and more points never mean a lower tier.

A rule may name an activity by its event type (`download`, `pricing_page_visit`) or by its
count column (`downloads`, `n_pricing_page_visit`); both reach the same count.

Rubrics come from a TOML file or an API body with the same shape:

    name = "Spring rubric"
    decay_per_week = 5
    [tiers]
    warm = 20
    hot = 40
    sales-qualified = 60
    [[rules]]
    when = "downloads >= 1"
    points = 15
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.core.contracts.leads import activity_column
from engine.core.errors import DataError
from models.leads.tiers import TIERS, TierThresholds, make_thresholds

MAX_RULES = 200
MAX_POINTS = 1000
"""One rule gives at most this many points (either sign)."""
MAX_THRESHOLD = 100_000
MAX_DECAY = 1000
_WHEN = re.compile(r"^\s*(?P<field>[^=<>!]+?)\s*(?P<op>>=|==|=)\s*(?P<value>.+?)\s*$")


@dataclass(frozen=True)
class Rule:
    """Points for a lead whose `field` is at least `value` (op '>=') or equals it (op '=')."""

    field: str
    op: str
    value: float | str
    points: int

    @property
    def text(self) -> str:
        """The condition as people write it: 'downloads >= 1', 'source = referral'."""
        return f"{self.field} {self.op} {_show(self.value)}"

    def fires(self, frame: pd.DataFrame) -> np.ndarray:
        """Per lead: does this rule give its points? A lead without the column never fires."""
        column = resolve_field(self.field, frame.columns)
        if column is None:
            return np.zeros(len(frame), dtype=bool)
        values = frame[column]
        if self.op == ">=":
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                return np.nan_to_num(numbers, nan=-np.inf) >= float(self.value)
        return _equals(values, self.value)


@dataclass(frozen=True)
class Rubric:
    """A versionable set of rules, the tier thresholds on their points, and the decay."""

    rules: tuple[Rule, ...]
    tiers: TierThresholds
    decay_per_week: int = 0
    name: str = ""

    def fields(self) -> list[str]:
        """The columns the rules read, in rule order, each once."""
        return list(dict.fromkeys(rule.field for rule in self.rules))

    def evaluate(self, frame: pd.DataFrame, as_of: pd.Timestamp | None = None) -> RubricScores:
        """Points, rules fired, decay and tier per lead (decay needs `last_activity` and as_of)."""
        fired = (
            np.column_stack([rule.fires(frame) for rule in self.rules])
            if self.rules
            else (np.zeros((len(frame), 0), dtype=bool))
        )
        weights = np.array([rule.points for rule in self.rules], dtype=np.int64)
        raw = fired.astype(np.int64) @ weights if self.rules else np.zeros(len(frame), np.int64)
        weeks = inactive_weeks(frame, as_of)
        decay = np.minimum(self.decay_per_week * weeks, np.maximum(raw, 0))
        points = raw - decay
        names = [rule.text for rule in self.rules]
        per_lead = [
            [(names[j], int(self.rules[j].points)) for j in np.flatnonzero(row)] for row in fired
        ]
        absent = [f for f in self.fields() if resolve_field(f, frame.columns) is None]
        return RubricScores(
            points=points.astype(np.int64),
            raw=raw.astype(np.int64),
            decay=decay.astype(np.int64),
            tiers=self.tiers.assign(points),
            fired=per_lead,
            absent_fields=absent,
        )

    def to_dict(self) -> dict[str, Any]:
        """The rubric as an API body or stored document (parse it back with `rubric_from_dict`)."""
        return {
            "name": self.name,
            "decay_per_week": self.decay_per_week,
            "tiers": self.tiers.as_dict(),
            "rules": [{"when": rule.text, "points": rule.points} for rule in self.rules],
        }

    def to_toml(self) -> str:
        """The rubric as a TOML file people can edit and load again."""
        lines = [f"name = {_toml_text(self.name)}", f"decay_per_week = {self.decay_per_week}"]
        lines += ["", "[tiers]"]
        lines += [f"{k} = {v}" for k, v in self.tiers.as_dict().items()]
        for rule in self.rules:
            lines += ["", "[[rules]]", f"when = {_toml_text(rule.text)}", f"points = {rule.points}"]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class RubricScores:
    """A rubric applied to leads: points = raw - decay; the rules that fired with their points."""

    points: np.ndarray
    raw: np.ndarray
    decay: np.ndarray
    tiers: np.ndarray
    fired: list[list[tuple[str, int]]]
    absent_fields: list[str] = field(default_factory=list)


def resolve_field(name: str, columns: Any) -> str | None:
    """The column a rule's field reads: itself, or the count column of an activity type."""
    present = set(map(str, columns))
    if name in present:
        return name
    counted = activity_column(name)
    return counted if counted in present else None


def inactive_weeks(frame: pd.DataFrame, as_of: pd.Timestamp | None) -> np.ndarray:
    """Full weeks from each lead's `last_activity` to `as_of` (0 when either is unknown)."""
    if as_of is None or "last_activity" not in frame.columns:
        return np.zeros(len(frame), dtype=np.int64)
    last = pd.to_datetime(frame["last_activity"], errors="coerce", utc=True)
    moment = pd.Timestamp(as_of)
    moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
    days = (moment - last).dt.total_seconds().to_numpy(dtype=float) / 86400.0
    weeks = np.floor(np.nan_to_num(days, nan=0.0) / 7.0)
    return np.maximum(weeks, 0).astype(np.int64)


def parse_rule(when: Any, points: Any, where: str) -> Rule:
    """One rule from its condition text and points; errors name `where` (e.g. rules.2.when)."""
    if not isinstance(when, str) or not when.strip():
        raise DataError("a rule needs a condition such as 'downloads >= 1'", f"{where}.when")
    found = _WHEN.match(when)
    if found is None:
        raise DataError(
            f"rule '{when}' must look like 'downloads >= 1' or 'source = referral'",
            f"{where}.when",
        )
    name, op, raw = found.group("field").strip(), found.group("op"), found.group("value")
    raw = raw.strip().strip("\"'")
    if not raw:
        raise DataError(f"rule '{when}' has no value after '{op}'", f"{where}.when")
    value: float | str = raw
    if op == ">=":
        try:
            value = float(raw)
        except ValueError:
            raise DataError(
                f"rule '{when}': '>=' needs a number, got '{raw}'", f"{where}.when"
            ) from None
        if not math.isfinite(value):
            raise DataError(f"rule '{when}': the number must be finite", f"{where}.when")
    return Rule(name, ">=" if op == ">=" else "=", value, whole_points(points, f"{where}.points"))


def whole_points(value: Any, where: str, limit: int = MAX_POINTS) -> int:
    """A whole number of points within ±limit (True/False and 2.5 are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(f"points must be a whole number, got {value!r}", where)
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        raise DataError(f"points must be a whole number, got {value!r}", where)
    if abs(int(value)) > limit:
        raise DataError(f"points must be between -{limit} and {limit}, got {int(value)}", where)
    return int(value)


def rubric_from_dict(doc: dict[str, Any]) -> Rubric:
    """Check and build a rubric from its TOML or JSON shape (module docstring)."""
    if not isinstance(doc, dict):
        raise DataError("a rubric must be an object with rules and tiers", "rubric")
    unknown = sorted(set(doc) - {"name", "decay_per_week", "tiers", "rules"})
    if unknown:
        raise DataError(
            f"unknown rubric field '{unknown[0]}' (fields: name, decay_per_week, tiers, rules)",
            unknown[0],
        )
    name = doc.get("name", "")
    if not isinstance(name, str) or len(name) > 120:
        raise DataError("name must be text of at most 120 characters", "name")
    decay = whole_points(doc.get("decay_per_week", 0), "decay_per_week", MAX_DECAY)
    if decay < 0:
        raise DataError("decay_per_week must not be negative", "decay_per_week")
    rules_doc = doc.get("rules")
    if not isinstance(rules_doc, list) or not rules_doc:
        raise DataError("a rubric needs at least one rule", "rules")
    if len(rules_doc) > MAX_RULES:
        raise DataError(f"a rubric has at most {MAX_RULES} rules", "rules")
    rules = []
    for i, item in enumerate(rules_doc):
        where = f"rules.{i}"
        if not isinstance(item, dict) or set(item) - {"when", "points"}:
            raise DataError("each rule is {when = '...', points = N}", where)
        if "points" not in item:
            raise DataError("the rule has no points", f"{where}.points")
        rules.append(parse_rule(item.get("when"), item["points"], where))
    seen: dict[str, int] = {}
    for i, rule in enumerate(rules):
        key = f"{rule.field.lower()} {rule.op} {_show(rule.value).lower()}"
        if key in seen:
            raise DataError(
                f"rule '{rule.text}' appears twice (rules {seen[key]} and {i})", f"rules.{i}.when"
            )
        seen[key] = i
    return Rubric(tuple(rules), thresholds_from_doc(doc.get("tiers")), decay, name)


def rubric_from_toml(text: str) -> Rubric:
    """A rubric from its TOML text (a broken file is refused with the parser's line and column)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"the rubric file is not valid TOML: {exc}", "rubric") from None
    return rubric_from_dict(doc)


def thresholds_from_doc(doc: Any) -> TierThresholds:
    """{warm, hot, sales-qualified} whole points, rising, within ±MAX_THRESHOLD."""
    if not isinstance(doc, dict):
        raise DataError("tiers must give warm, hot and sales-qualified points", "tiers")
    values: dict[str, int] = {}
    for key, raw in doc.items():
        name = str(key).strip().lower().replace("_", "-")
        if name not in TIERS[1:]:
            raise DataError(f"unknown tier '{key}' (tiers: {', '.join(TIERS[1:])})", "tiers")
        values[name] = whole_points(raw, f"tiers.{name}", MAX_THRESHOLD)
    missing = [t for t in TIERS[1:] if t not in values]
    if missing:
        raise DataError(f"tier '{missing[0]}' has no threshold", f"tiers.{missing[0]}")
    return make_thresholds(
        values["warm"],
        values["hot"],
        values["sales-qualified"],
        "rubric",
        lowest=-MAX_THRESHOLD,
        highest=MAX_THRESHOLD,
    )


def rubric_changes(before: Rubric | None, after: Rubric) -> list[str]:
    """What changed from one rubric to the next, one line per change (for the audit trail)."""
    if before is None:
        return [f"new rubric with {len(after.rules)} rules"]
    old = {rule.text: rule.points for rule in before.rules}
    new = {rule.text: rule.points for rule in after.rules}
    lines = [f"added '{text}': {new[text]:+d}" for text in new if text not in old]
    lines += [f"removed '{text}' ({old[text]:+d})" for text in old if text not in new]
    lines += [
        f"'{text}': {old[text]:+d} -> {new[text]:+d}"
        for text in new
        if text in old and old[text] != new[text]
    ]
    for tier, value in after.tiers.as_dict().items():
        was = before.tiers.as_dict()[tier]
        if was != value:
            lines.append(f"tier {tier}: {was} -> {value}")
    if before.decay_per_week != after.decay_per_week:
        lines.append(f"decay per week: {before.decay_per_week} -> {after.decay_per_week}")
    if before.name != after.name:
        lines.append(f"name: '{before.name}' -> '{after.name}'")
    return lines or ["no change"]


def _equals(values: pd.Series, wanted: float | str) -> np.ndarray:
    """Text equality, case and outer spaces ignored; missing cells never match."""
    target = _show(wanted).strip().lower()
    present = values.notna().to_numpy()
    out = np.zeros(len(values), dtype=bool)
    if not present.any():
        return out
    shown = values[present].map(_show).str.strip().str.lower().to_numpy()
    out[present] = shown == target
    return out


def _show(value: Any) -> str:
    """Numbers without a needless '.0' (1.0 -> '1'), text as it is."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return str(value)


def _toml_text(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
