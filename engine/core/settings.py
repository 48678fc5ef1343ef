"""Settings in one place: LODESTAR_* environment variables (and an optional .env file)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from engine.core.errors import SettingsError


class Settings(BaseSettings):
    """Process-wide configuration; every field can be set as LODESTAR_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="LODESTAR_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path(".lodestar"), description="Embedded MLflow store lives here.")
    data_dir: Path = Field(
        default=Path("../shared/data"), description="Real public data sets for tests and benches."
    )
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    api_keys: str | None = Field(
        default=None, description="Comma list of role:sha256hex (or role:plain) API keys."
    )
    api_keys_file: Path | None = Field(default=None, description="TOML/text file with API keys.")
    auth_enabled: bool = Field(default=True)
    refresh_seconds: float = Field(default=5.0, gt=0, description="Champion alias poll period.")
    log_level: str = "INFO"
    data_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Folders that training data sent over the API may come from, separated by "
        f"'{os.pathsep}' (default: LODESTAR_HOME/data and LODESTAR_HOME/demo).",
    )

    @field_validator("data_roots", mode="before")
    @classmethod
    def _split_roots(cls, value: Any) -> Any:
        """'a:b' (os.pathsep separated, as in PATH) -> ['a', 'b']; lists pass through."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(os.pathsep) if part.strip()]
        return value

    @property
    def training_data_roots(self) -> list[Path]:
        """The data roots as absolute paths: the configured ones, else home/data and home/demo."""
        roots = self.data_roots or [self.home / "data", self.home / "demo"]
        return [Path(os.path.abspath(root)) for root in roots]

    database_url: str | None = Field(
        default=None,
        description="Application database (plans, audit, price lists); default SQLite under home.",
    )
    plan_reason_codes: str = Field(
        default="promotion,market_intelligence,customer,supply,pricing,correction,other",
        description="Comma list of the reason codes a plan override may carry.",
    )
    max_body_bytes: int = Field(
        default=8 * 1024 * 1024,
        gt=0,
        description="Largest request body the API reads (413 beyond); a 10,000-lead batch fits.",
    )
    lead_tier_source: Literal["rubric", "model"] = Field(
        default="rubric",
        description="What sets a lead's tier: 'rubric' (the active points rubric once both teams "
        "signed one, the model before that) or 'model' (always the model's score).",
    )
    lead_alert_activities: str = Field(
        default="form_fill,pricing_page_visit,demo_request",
        description="Comma list of activities that alert a sales-qualified lead's owner.",
    )
    lead_webhook_url: str | None = Field(
        default=None, description="Where alerts go when the owner (rep) has no webhook of its own."
    )
    lead_webhook_secret: str | None = Field(
        default=None, description="HMAC-SHA256 key signing every alert webhook body."
    )
    lead_webhook_max_attempts: int = Field(
        default=6, ge=1, le=50, description="Delivery attempts before an alert is a dead letter."
    )
    lead_webhook_backoff_seconds: float = Field(
        default=2.0, gt=0, le=3600, description="Wait before the first retry; doubles each time."
    )
    lead_retrain_every_days: float = Field(
        default=10.0,
        ge=0,
        le=366,
        description="Retrain the lead model from stored outcomes at most this often (0: never).",
    )
    lead_retrain_min_new_outcomes: int = Field(
        default=50, ge=1, description="...and only when at least this many outcomes are new."
    )
    lead_retrain_in_server: bool = Field(
        default=False,
        description="Let the server check the retraining schedule hourly (else: cron runs "
        "`lodestar schedule run`).",
    )
    lead_webhook_timeout_seconds: float = Field(
        default=5.0, gt=0, le=120, description="How long one delivery attempt waits for an answer."
    )

    @model_validator(mode="after")
    def _webhooks_are_signed(self) -> Settings:
        """A webhook target needs the signing key: alerts never go out unsigned."""
        if self.lead_webhook_url and not self.lead_webhook_secret:
            raise ValueError(
                "LODESTAR_LEAD_WEBHOOK_SECRET must be set when LODESTAR_LEAD_WEBHOOK_URL is "
                "(alert webhooks are always signed)"
            )
        return self

    @property
    def tracking_uri(self) -> str:
        """MLFLOW_TRACKING_URI when set, else a SQLite store under home (created on first use)."""
        env_uri = os.environ.get("MLFLOW_TRACKING_URI")
        if env_uri:
            return env_uri
        return f"sqlite:///{(self.home / 'mlflow.db').resolve()}"

    @property
    def database_uri(self) -> str:
        """LODESTAR_DATABASE_URL when set, else a SQLite file under home (created on first use)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'lodestar.db').resolve()}"

    @property
    def reason_codes(self) -> list[str]:
        """The configured override reason codes, in the order given."""
        return [c.strip() for c in self.plan_reason_codes.split(",") if c.strip()]

    @property
    def alert_activities(self) -> list[str]:
        """The significant activities that alert a sales-qualified lead's owner, as given."""
        return [a.strip() for a in self.lead_alert_activities.split(",") if a.strip()]

    @property
    def artifact_root(self) -> Path:
        """Folder for run artifacts in the embedded store."""
        return (self.home / "artifacts").resolve()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process (tests build their own Settings instead)."""
    return read_settings()


def read_settings() -> Settings:
    """LODESTAR_* settings from the environment; a bad one is a SettingsError naming it."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a rule across settings: its message names them
            raise SettingsError(message) from None
        field = f"LODESTAR_{str(first['loc'][0]).upper()}"
        raise SettingsError(message, field) from None
