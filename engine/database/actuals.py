"""Actuals in the database: load validated sales rows (a later load of the same series and date
replaces the number), and read them back for a plan's series."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.core.contracts import SalesHistory
from engine.database import audit
from engine.database.models import Actual, utc_now
from engine.database.setup import Database

CHUNK = 2000


def series_label(keys: dict[str, str]) -> str:
    """One series' keys as stored: 'product=P01|region=North|store=S01' (sorted by key name)."""
    return "|".join(f"{k}={keys[k]}" for k in sorted(keys))


def load_actuals(db: Database, history: SalesHistory, actor: str, source: str) -> dict[str, Any]:
    """Insert or replace every (series, date) of a validated table, in one transaction."""
    keys = history.series_keys
    frame = history.frame[[*keys, "date", "units"]]
    frame = frame.groupby([*keys, "date"], as_index=False, sort=True)["units"].sum()
    labels = frame[keys].astype(str).to_dict(orient="records")
    now = utc_now()
    rows = [
        {
            "series": series_label(k),
            "keys": k,
            "date": d.date(),
            "units": float(u),
            "loaded_at": now,
        }
        for k, d, u in zip(labels, pd.DatetimeIndex(frame["date"]), frame["units"], strict=True)
    ]
    with db.write() as session:
        dialect = postgresql if db.dialect == "postgresql" else sqlite
        for start in range(0, len(rows), CHUNK):
            stmt = dialect.insert(Actual).values(rows[start : start + CHUNK])
            stmt = stmt.on_conflict_do_update(
                index_elements=["series", "date"],
                set_={"units": stmt.excluded.units, "loaded_at": stmt.excluded.loaded_at},
            )
            session.execute(stmt)
        summary = {
            "rows": len(rows),
            "series": int(frame[keys].drop_duplicates().shape[0]),
            "first_date": str(frame["date"].min().date()),
            "last_date": str(frame["date"].max().date()),
            "keys": keys,
        }
        audit.record(session, actor, "actuals.load", after=source[:500], detail=summary)
        return summary


def actuals_for(
    session: Session, keys: list[str], series: pd.DataFrame, first: dt.date, last: dt.date
) -> pd.DataFrame:
    """Actuals of a plan's bottom series between two dates: series (row number), date, units."""
    labels = series[keys].astype(str).to_dict(orient="records")
    where = {series_label(k): i for i, k in enumerate(labels)}
    stmt = select(Actual.series, Actual.date, Actual.units).where(
        Actual.date >= first, Actual.date <= last
    )
    found = pd.DataFrame(session.execute(stmt).all(), columns=["series", "date", "units"])
    found["series"] = found["series"].map(where)
    found = found.dropna(subset=["series"])
    found["series"] = found["series"].astype(np.int64)
    found["date"] = pd.to_datetime(found["date"])
    return found.reset_index(drop=True)
