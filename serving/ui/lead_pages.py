"""Sales and marketing pages: the scored lead list, CSV upload, and the pipeline it implies.

The team's lead list is the last CSV uploaded here, kept (atomically) under
LODESTAR_HOME/ui/leads and scored by the leads champion with `engine.leads.answers` — the
same functions as POST /v1/leads/score and /v1/leads/pipeline.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from engine.core.contracts.readers import read_table
from engine.core.errors import DataError, LodestarError
from engine.core.files import atomic_path, write_json
from engine.leads.answers import pipeline_table, score_table
from serving.core.auth import Role
from serving.leads.schemas import MAX_BATCH
from serving.ui import charts
from serving.ui.exports import ExportFormat, export_response
from serving.ui.nav import NavItem
from serving.ui.pages import (
    PlannerViewer,
    checked_form,
    error_body,
    refused,
    render,
)

router = APIRouter(include_in_schema=False)

TIERS = ("sales-qualified", "hot", "warm", "cold")
CARRIED = ("source", "owner", "region", "industry", "created_date", "deal_value")
"""Lead columns shown beside the score and offered as filters or segments when present."""
SHOWN = 500
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
LEAD_COLUMNS = [
    "lead_id",
    "score",
    "probability",
    "tier",
    "source",
    "owner",
    "reason_1",
    "reason_2",
    "reason_3",
]


class LeadBook:
    """The uploaded lead file and its scores, rescored when the file or the champion changes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "leads.csv"
        self.meta_path = folder / "leads.json"
        self._lock = threading.Lock()
        self._cached: tuple[Any, Any] | None = None

    def meta(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def frame(self) -> pd.DataFrame | None:
        """The uploaded leads as read by the same reader the CLI uses (None before any upload)."""
        return read_table(self.path) if self.path.is_file() else None

    def replace(self, content: bytes, filename: str, uploaded_by: str) -> int:
        """Check the CSV reads and fits one batch, then swap it in whole; returns its row count."""
        if not content.strip():
            raise DataError("the uploaded file is empty", "file")
        if len(content) > MAX_UPLOAD_BYTES:
            raise DataError("the uploaded file is larger than 20 MB", "file")
        self.folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.path) as tmp:
            tmp.write_bytes(content)
            probe = tmp.with_suffix(".csv")
            probe.write_bytes(content)
            try:
                frame = read_table(probe)
            finally:
                probe.unlink(missing_ok=True)
            if frame.empty:
                raise DataError("the uploaded file has a header but no leads", "file")
            if len(frame) > MAX_BATCH:
                raise DataError(
                    f"{len(frame)} leads is more than {MAX_BATCH}; score bigger files with "
                    "`lodestar score leads`",
                    "file",
                )
        write_json(
            {
                "filename": filename,
                "rows": len(frame),
                "uploaded_by": uploaded_by,
                "uploaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            self.meta_path,
        )
        return len(frame)

    def scored(self, champion: Any) -> tuple[pd.DataFrame, list[Any]] | None:
        """(scored leads with their carried columns, row errors), cached per file and version."""
        if not self.path.is_file():
            return None
        key = (self.path.stat().st_mtime_ns, champion.version)
        with self._lock:
            if self._cached is not None and self._cached[0] == key:
                return self._cached[1]
            frame = self.frame()
            assert frame is not None
            keep = [c for c in CARRIED if c in frame.columns]
            scored, errors = score_table(champion.payload, frame, detail=True)
            extra = frame.reset_index(drop=True).iloc[scored["row"].to_numpy()][keep]
            scored = scored.assign(**{c: extra[c].to_numpy() for c in keep if c not in scored})
            answer = (scored.sort_values(["score", "probability"], ascending=False), errors)
            self._cached = (key, answer)
            return answer


def lead_book(request: Request) -> LeadBook:
    state = request.app.state
    if not hasattr(state, "ui_lead_book"):
        state.ui_lead_book = LeadBook(state.settings.home / "ui" / "leads")
    return state.ui_lead_book


def _choices(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return []
    return sorted(frame[column].dropna().astype(str).unique())


def _filtered(scored: pd.DataFrame, filters: dict[str, str]) -> pd.DataFrame:
    for column, value in filters.items():
        if value and column in scored.columns:
            scored = scored[scored[column].astype(str) == value]
    return scored


def _lead_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        row["reasons"] = [r if isinstance(r, dict) else dict(r) for r in row.get("reasons") or []]
        out.append(row)
    return out


def lead_filter(tier: str = "", source: str = "", owner: str = "") -> dict[str, str]:
    """Dependency: the lead list's filters from the query, column -> value ('' for any)."""
    return {"tier": tier, "source": source, "owner": owner}


LeadFilter = Annotated[dict[str, str], Depends(lead_filter)]


@router.get("/leads")
def leads_page(request: Request, found: PlannerViewer, wanted: LeadFilter) -> Response:
    """Leads sorted by score with tier badges and reasons; filters by tier, source and owner."""
    book = lead_book(request)
    context: dict[str, Any] = {**wanted, "tiers": TIERS, "meta": book.meta()}
    try:
        champion = request.app.state.champions.get("leads")
        context["version"] = champion.version
        answer = book.scored(champion)
        if answer is not None:
            scored, errors = answer
            others = _filtered(scored, {**wanted, "tier": ""})
            chosen = _filtered(others, {"tier": wanted["tier"]})
            context.update(
                sources=_choices(scored, "source"),
                owners=_choices(scored, "owner"),
                counts={t: int((others["tier"] == t).sum()) for t in TIERS},
                matched=len(chosen),
                total=len(scored),
                leads=_lead_rows(chosen.head(SHOWN)),
                row_errors=[e.to_dict() for e in errors][:50],
                n_errors=len(errors),
            )
    except LodestarError as exc:
        context["error"] = error_body(exc)
    return render(request, found, "leads.html", **context)


@router.get("/leads/export")
def leads_export(
    request: Request, found: PlannerViewer, wanted: LeadFilter, file_format: ExportFormat = "csv"
) -> Response:
    """The filtered lead list (every matching lead, by score) as CSV or XLSX."""
    try:
        champion = request.app.state.champions.get("leads")
        answer = lead_book(request).scored(champion)
        if answer is None:
            raise DataError("no leads uploaded yet", "file")
        chosen = _filtered(answer[0], wanted)
        columns = [c for c in LEAD_COLUMNS if c in chosen.columns]
        rows = chosen[columns].to_dict(orient="records")
        return export_response(rows, columns, f"leads_v{champion.version}", file_format)
    except LodestarError as exc:
        return refused(request, found, "leads.html", exc, tiers=TIERS)


@router.post("/leads/upload")
async def leads_upload(request: Request, found: PlannerViewer) -> Response:
    """Replace the lead list with an uploaded CSV, then show it scored."""
    form = await checked_form(request, found)
    upload = form.get("file")
    try:
        if upload is None or not hasattr(upload, "read"):
            raise DataError("choose a CSV file of leads to upload", "file")
        content = await upload.read(MAX_UPLOAD_BYTES + 1)
        filename = str(upload.filename or "leads.csv")
        await run_in_threadpool(lead_book(request).replace, content, filename, found.name)
    except LodestarError as exc:
        book = lead_book(request)
        return refused(
            request,
            found,
            "leads.html",
            exc,
            tiers=TIERS,
            meta=book.meta(),
            **lead_filter(),
        )
    return RedirectResponse("/leads", status_code=303)


@router.get("/leads/pipeline")
def pipeline_page(
    request: Request, found: PlannerViewer, by: str = "source", as_of: str = ""
) -> Response:
    """Expected conversions and pipeline value per quarter and segment, with intervals."""
    book = lead_book(request)
    context: dict[str, Any] = {"by": by, "as_of": as_of, "meta": book.meta()}
    try:
        champion = request.app.state.champions.get("leads")
        context["version"] = champion.version
        frame = book.frame()
        if frame is not None:
            context["segments"] = [
                c for c in CARRIED if c in frame.columns and c not in ("created_date", "deal_value")
            ]
            try:
                when = pd.Timestamp(as_of) if as_of else pd.Timestamp.today().normalize()
            except ValueError:
                raise DataError(f"as_of '{as_of}' is not a date", "as_of") from None
            context["as_of"] = str(when.date())
            segment = [by] if by else []
            table, errors, lag = pipeline_table(
                champion.payload,
                frame,
                segment,
                when,
                request.app.state.settings.fiscal_year_start_month,
            )
            rows = table.to_dict(orient="records")
            context.update(
                rows=rows,
                lag=lag,
                n_errors=len(errors),
                figure=charts.pipeline_chart(rows, by or None),
            )
    except LodestarError as exc:
        context["error"] = error_body(exc)
    return render(request, found, "pipeline.html", **context)


MENU = [
    NavItem("Sales & marketing", "Leads", "/leads", Role.planner),
    NavItem("Sales & marketing", "Pipeline", "/leads/pipeline", Role.planner),
]
"""This module's Workbench menu entries, in menu order."""
