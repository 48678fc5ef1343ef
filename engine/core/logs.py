"""Logging set-up: one line per event, our loggers at INFO, chatty libraries at WARNING."""

from __future__ import annotations

import logging
import os
import warnings

_CHATTY = ("mlflow", "alembic", "urllib3", "numba", "distributed", "matplotlib", "httpx")


def quiet_libraries(level: int = logging.WARNING) -> None:
    """Keep library chatter (MLflow DB migrations, progress bars) off the user's terminal."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("MLFLOW_CONFIGURE_LOGGING", "false")
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="mlflow")
    warnings.filterwarnings("ignore", category=FutureWarning)
