"""Champion/challenger: a new version takes the champion alias only when it beats the incumbent."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

from engine.core.errors import StoreUnavailableError
from engine.registry.crashpoints import crash_point
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


def conclude(
    store: ModelStore,
    family: str,
    run: RunLogger,
    version: str,
    decision: PromotionDecision,
    metrics: dict[str, float],
) -> TrainResult:
    """Apply the decision to a version whose run has completed, and say what happened.

    The comparison is logged on the run, then the alias moves (recorded in the champion
    history as moved by this training run). If that fails, the version is withdrawn and the
    run marked FAILED: a run whose decision could not be applied leaves nothing behind.
    """
    values = {f"challenger_{decision.metric}": decision.challenger}
    if decision.champion is not None:
        values[f"champion_{decision.metric}"] = decision.champion
    try:
        run.tags(
            {
                "lodestar.promotion_reason": decision.reason,
                "lodestar.compared_with": decision.champion_version or "none",
            }
        )
        run.metrics(values)
        if decision.promoted:
            store.set_champion(
                family, version, f"training run {run.run_id}", "train", decision.reason
            )
    except BaseException as exc:
        store.withdraw(family, run, f"failed while promoting: {exc}")
        raise
    crash_point("after_promote")
    with contextlib.suppress(StoreUnavailableError):  # a label only; the move is recorded
        run.tags({"lodestar.promotion": "promoted" if decision.promoted else "kept champion"})
    return TrainResult(
        family,
        run.run_id,
        version,
        decision.promoted,
        decision.reason,
        metrics,
        decision.champion_version,
    )


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
