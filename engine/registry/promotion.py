"""Champion/challenger: a new version takes the champion alias only when it beats the incumbent."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.registry.store import ModelStore, RunLogger


@dataclass(frozen=True)
class PromotionDecision:
    """The comparison logged on the run, and what it decided."""

    promoted: bool
    metric: str
    challenger: float
    champion: float | None
    champion_version: str | None
    reason: str


def decide(
    metric: str,
    challenger: float,
    champion: float | None,
    champion_version: str | None,
    force: bool = False,
    higher_is_better: bool = False,
) -> PromotionDecision:
    """Promote when forced, when there is no champion, or when strictly better on `metric`."""
    if force:
        return PromotionDecision(True, metric, challenger, champion, champion_version, "forced")
    if champion_version is None or champion is None or not math.isfinite(champion):
        return PromotionDecision(
            True, metric, challenger, champion, champion_version, "no champion"
        )
    better = challenger > champion if higher_is_better else challenger < champion
    verdict = "beats" if better else "does not beat"
    reason = (
        f"challenger {metric} {challenger:.4f} {verdict} "
        f"champion v{champion_version} {champion:.4f}"
    )
    return PromotionDecision(better, metric, challenger, champion, champion_version, reason)


def apply(
    store: ModelStore, family: str, run: RunLogger, version: str, decision: PromotionDecision
) -> None:
    """Log the comparison on the run and move the alias when promoted."""
    run.tags(
        {
            "lodestar.promotion": "promoted" if decision.promoted else "kept champion",
            "lodestar.promotion_reason": decision.reason,
            "lodestar.compared_with": decision.champion_version or "none",
        }
    )
    values = {f"challenger_{decision.metric}": decision.challenger}
    if decision.champion is not None:
        values[f"champion_{decision.metric}"] = decision.champion
    run.metrics(values)
    if decision.promoted:
        store.set_champion(family, version, f"training run {run.run_id}", "train", decision.reason)


@dataclass
class TrainResult:
    """What a training run produced and decided."""

    family: str
    run_id: str
    version: str
    promoted: bool
    reason: str
    metrics: dict[str, float] = field(default_factory=dict)
    previous_champion: str | None = None

    @property
    def outcome(self) -> str:
        """What happened to the champion, in words: 'now champion (there was none)', ..."""
        if self.promoted and self.previous_champion is None:
            return "now champion (there was none)"
        if self.promoted:
            return f"now champion, replacing v{self.previous_champion}: {self.reason}"
        if self.previous_champion is None:
            return f"not made champion: {self.reason}"
        return f"kept v{self.previous_champion} as champion: {self.reason}"
