"""What every training job returns: the run, the registered version and the promotion verdict."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TrainResult:
    """What a training run produced and decided."""

    family: str
    run_id: str
    version: str
    promoted: bool
    reason: str
    metrics: dict[str, float] = field(default_factory=dict)
