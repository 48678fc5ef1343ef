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
    registered_model: str
    train_command: str
    payload_type: str
    promotion_metric: str
    higher_is_better: bool = False

    @property
    def train_hint(self) -> str:
        """How a user gets a first version of this family."""
        return (
            f"train one with `lodestar train {self.train_command} --data PATH` or "
            f'POST /v1/training/runs {{"family": "{self.key}", "data": "PATH"}}'
        )


SALES = Family(
    key="sales",
    label="sales forecast",
    registered_model="lodestar-sales-forecast",
    train_command="forecast",
    payload_type="models.forecasting.forecast_set.ForecastSet",
    promotion_metric="backtest_wape",
)
LEADS = Family(
    key="leads",
    label="lead conversion",
    registered_model="lodestar-lead-conversion",
    train_command="leads",
    payload_type="models.leads.scorer.LeadScorer",
    promotion_metric="brier",
)
PRICING = Family(
    key="pricing",
    label="price sensitivity",
    registered_model="lodestar-price-sensitivity",
    train_command="pricing",
    payload_type="models.pricing.payload.PricingSet",
    promotion_metric="holdout_rmse_log_units",
)

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
