"""Settings in one place: LODESTAR_* environment variables (and an optional .env file)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
    def artifact_root(self) -> Path:
        """Folder for run artifacts in the embedded store."""
        return (self.home / "artifacts").resolve()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process (tests build their own Settings instead)."""
    return Settings()
