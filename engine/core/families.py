"""The three model families, defined once: key, registered model, train command, payload, metric.

The store, the CLI, the server and background training runs all read this table, so a family's
name, its `lodestar train` command and how its champion is judged are never written twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.errors import NotFoundError


@dataclass(frozen=True)
class Family:
    """One model family and everything the rest of Lodestar needs to know about it."""

    key: str
    label: str
    train_command: str
    payload_type: str
    promotion_metric: str
    higher_is_better: bool = False

    @property
    def registered_model(self) -> str:
        """The MLflow registered model name, e.g. 'lodestar-sales-forecast'."""
        return "lodestar-" + self.label.replace(" ", "-")

    @property
    def train_hint(self) -> str:
        """How a user gets a first version of this family."""
        return (
            f"train one with `lodestar train {self.train_command} --data PATH` or "
            f'POST /v1/training/runs {{"family": "{self.key}", "data": "PATH"}}'
        )


# key, label (and registered model), train command, payload class, promotion metric
SALES = Family("sales", "sales forecast", "forecast", "ForecastSet", "backtest_wape")
LEADS = Family("leads", "lead conversion", "leads", "LeadScorer", "brier")
PRICING = Family("pricing", "price sensitivity", "pricing", "PricingSet", "holdout_rmse_log_units")

FAMILIES: dict[str, Family] = {f.key: f for f in (SALES, LEADS, PRICING)}
"""Family key -> family, in the order users see them."""


def family(key: str) -> Family:
    """The family for a key; an unknown key is a NotFoundError naming the known ones."""
    try:
        return FAMILIES[key]
    except KeyError:
        raise NotFoundError(
            f"unknown model family '{key}' (known: {', '.join(FAMILIES)})", "family"
        ) from None
