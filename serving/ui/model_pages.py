"""Data scientists' pages: champions and challengers, run charts, promote / rollback, training.

Promotion and rollback always show the dry-run comparison first (the decisive metric on top)
and move the alias only on a second, confirmed POST — through `engine.registry.lifecycle`
with the server's champion loader, exactly as POST /v1/models/{family}/promote does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from engine.core.errors import DataError, LodestarError, NotFoundError
from engine.core.families import FAMILIES
from engine.core.families import family as family_of
from engine.registry import lifecycle
from serving.core.auth import Role
from serving.ui.nav import NavItem
from serving.ui.pages import (
    ScientistViewer,
    Viewer,
    checked_form,
    error_body,
    refused,
    render,
)

router = APIRouter(include_in_schema=False)

MLFLOW_UI = "http://127.0.0.1:5000"
SELECTIONS = ("fast", "standard", "full", "baseline")


def promotion_value(metrics: dict[str, float], metric: str) -> float | None:
    """The value of the metric promotion is decided on."""
    return metrics.get(metric)


def ordered_metrics(metrics: dict[str, float], metric: str) -> list[tuple[str, float]]:
    """The promotion metric first, then the others by name."""
    first = [(metric, metrics[metric])] if metric in metrics else []
    return first + [(k, v) for k, v in sorted(metrics.items()) if k != metric]


def mlflow_ui(request: Request) -> dict[str, str]:
    """Where the MLflow UI for this store is, and how to start it when it is local."""
    uri = request.app.state.store.tracking_uri
    if uri.startswith(("http://", "https://")):
        return {"url": uri.rstrip("/"), "command": ""}
    return {"url": MLFLOW_UI, "command": f"mlflow ui --backend-store-uri {uri}"}


def families_view(request: Request) -> list[dict[str, Any]]:
    """Each family's champion and challengers, with history and the decisive metric."""
    store = request.app.state.store
    loaded = request.app.state.champions.versions()
    out = []
    for fam in lifecycle.overview(store, 10):
        spec = FAMILIES[fam["family"]]
        fam["label"] = spec.label
        fam["metric"] = spec.promotion_metric
        fam["higher_is_better"] = spec.higher_is_better
        fam["loaded_version"] = loaded.get(fam["family"])
        fam["history"] = [m.to_record() for m in store.champion_moves(fam["family"])[-5:]]
        for version in [fam["champion"], *fam["challengers"]]:
            if version:
                version["decisive"] = promotion_value(version["metrics"], spec.promotion_metric)
                version["ordered"] = ordered_metrics(version["metrics"], spec.promotion_metric)
        out.append(fam)
    return out


@router.get("/models")
async def models_page(
    request: Request, found: ScientistViewer, notice: str | None = None
) -> Response:
    """Champions, challengers, champion history and the alias-move buttons."""
    families = await run_in_threadpool(families_view, request)
    return render(
        request, found, "models.html", families=families, notice=notice, mlflow=mlflow_ui(request)
    )


@router.get("/models/{family}/versions/{version}")
async def version_page(
    request: Request, found: ScientistViewer, family: str, version: str
) -> Response:
    """One version: its metrics (decisive one first) and the run's charts from MLflow."""
    store = request.app.state.store
    context: dict[str, Any] = {"family": family, "version": version, "mlflow": mlflow_ui(request)}
    try:
        spec = family_of(family)
        info = await run_in_threadpool(store.version_info, family, version)
        summary = lifecycle.version_summary(info)
        context.update(
            label=spec.label,
            metric=spec.promotion_metric,
            summary=summary,
            ordered=ordered_metrics(summary["metrics"], spec.promotion_metric),
            charts=await run_in_threadpool(store.chart_paths, info.run_id) if info.run_id else [],
        )
    except LodestarError as exc:
        context["error"] = error_body(exc)
    return render(request, found, "version.html", **context)


@router.get("/models/{family}/versions/{version}/charts/{path:path}")
async def version_chart(
    request: Request, found: ScientistViewer, family: str, version: str, path: str
) -> Response:
    """A chart PNG from the version's MLflow run (only the run's own charts are served)."""
    store = request.app.state.store
    try:
        info = await run_in_threadpool(store.version_info, family, version)
        if not info.run_id:
            raise NotFoundError(f"{family} v{version} has no run", "version")
        content = await run_in_threadpool(store.chart_bytes, info.run_id, path)
    except LodestarError as exc:
        return Response(exc.message, status_code=exc.http_status, media_type="text/plain")
    return Response(
        content, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"}
    )


def _move(
    request: Request, family: str, action: str, version: str | None, dry_run: bool
) -> lifecycle.AliasMove:
    store = request.app.state.store
    champions = request.app.state.champions
    family_of(family)
    if action not in ("promote", "rollback"):
        raise DataError(f"unknown action '{action}'", "action")
    if action == "promote" and not version:
        raise DataError("choose a version to promote", "version")
    target = version or lifecycle.rollback_target(store, family)
    return lifecycle.move_champion(
        store, family, target, action, dry_run, champions.load_payload, champions.install
    )


async def _refused_move(request: Request, found: Viewer, exc: LodestarError) -> Response:
    """The models page again, saying why the champion move was refused."""
    families = await run_in_threadpool(families_view, request)
    return refused(request, found, "models.html", exc, families=families, mlflow=mlflow_ui(request))


@router.post("/models/{family}/preview")
async def move_preview(request: Request, found: ScientistViewer, family: str) -> Response:
    """The dry run: champion against the target, the decisive metric first; nothing moves."""
    form = await checked_form(request, found)
    action = str(form.get("action") or "promote")
    version = str(form.get("version") or "") or None
    try:
        move = await run_in_threadpool(_move, request, family, action, version, True)
        spec = family_of(family)
        rows = sorted(move.comparison, key=lambda r: r["metric"] != spec.promotion_metric)
        return render(
            request,
            found,
            "move.html",
            move=move,
            rows=rows,
            metric=spec.promotion_metric,
            higher_is_better=spec.higher_is_better,
            label=spec.label,
        )
    except LodestarError as exc:
        return await _refused_move(request, found, exc)


@router.post("/models/{family}/move")
async def move_confirm(request: Request, found: ScientistViewer, family: str) -> Response:
    """Move the champion alias after the user saw the comparison; this server swaps at once."""
    form = await checked_form(request, found)
    action = str(form.get("action") or "promote")
    try:
        move = await run_in_threadpool(
            _move, request, family, action, str(form.get("version") or "") or None, False
        )
    except LodestarError as exc:
        return await _refused_move(request, found, exc)
    return RedirectResponse(f"/models?notice={quote(move.message)}", status_code=303)


def _demo_file(request: Request, family: str) -> str:
    """A sensible default data path: the demo's file for the family when it exists."""
    name = {"sales": "sales.csv", "pricing": "sales.csv", "leads": "leads.csv"}[family]
    path = request.app.state.settings.home / "demo" / name
    return str(path.resolve()) if path.is_file() else ""


@router.get("/models/training")
async def training_page(request: Request, found: ScientistViewer) -> Response:
    """Start a training run; recent runs and their status."""
    runs = [r.to_dict() for r in request.app.state.training_runs.all()][:20]
    defaults = {f: _demo_file(request, f) for f in FAMILIES}
    return render(
        request,
        found,
        "training.html",
        runs=runs,
        defaults=defaults,
        families=FAMILIES,
        selections=SELECTIONS,
    )


@router.post("/models/training")
async def training_start(request: Request, found: ScientistViewer) -> Response:
    """Queue `lodestar train` for a family (as POST /v1/training/runs does), then follow it."""
    form = await checked_form(request, found)
    family = str(form.get("family") or "")
    try:
        family_of(family)
        models = str(form.get("models") or "") or None
        if models is not None and family != "sales":
            models = None
        run = request.app.state.training_runs.submit(
            family, str(form.get("data") or "").strip(), None, None, bool(form.get("force")), models
        )
    except LodestarError as exc:
        runs = [r.to_dict() for r in request.app.state.training_runs.all()][:20]
        return refused(
            request,
            found,
            "training.html",
            exc,
            runs=runs,
            defaults={f: _demo_file(request, f) for f in FAMILIES},
            families=FAMILIES,
            selections=SELECTIONS,
            form=form,
        )
    return RedirectResponse(f"/models/training/{run.id}", status_code=303)


@router.get("/models/training/{run_id}")
async def training_run_page(request: Request, found: ScientistViewer, run_id: str) -> Response:
    """One run, followed live: the page polls GET /v1/training/runs/{id} with the session."""
    try:
        run = request.app.state.training_runs.get(run_id).to_dict()
        return render(request, found, "training_run.html", run=run)
    except LodestarError as exc:
        return refused(request, found, "training_run.html", exc, run=None)


MENU = [
    NavItem("Models", "Champions", "/models", Role.data_scientist),
    NavItem("Models", "Training", "/models/training", Role.data_scientist),
]
"""This module's Workbench menu entries, in menu order."""
