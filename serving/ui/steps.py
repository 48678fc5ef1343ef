"""Workflow steps on the Workbench pages: the role check, the posted form and decision, as the /v1
step routes take them (the engine decides whether the step is allowed from the state)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request

from serving.planning.schemas import Decision
from serving.planning.steps import Step
from serving.ui.pages import PageForbidden, Viewer, checked_form


def require_step(found: Viewer, steps: Mapping[str, Step], action: str, thing: str) -> None:
    """PageForbidden unless `action` is one of `steps` and the viewer has the role it needs."""
    step = steps.get(action)
    if step is None:
        raise PageForbidden(found, found.role, f"'{action}' is not a step {thing} can take")
    if not found.may(step.role):
        message = f"to {action} {thing} needs the {step.role.value} role"
        raise PageForbidden(found, step.role, message)


async def step_form(
    request: Request, found: Viewer, steps: Mapping[str, Step], action: str, thing: str
) -> dict[str, Any]:
    """The posted form of a step, once the viewer may take it and its CSRF token checks out."""
    require_step(found, steps, action, thing)
    return await checked_form(request, found)


def posted_decision(form: Mapping[str, Any]) -> Decision:
    """The step form's comment and the revision the page showed (checked by the API schema)."""
    revision = str(form.get("revision") or "").strip()
    return Decision(
        comment=str(form.get("comment") or ""),
        revision=int(revision) if revision.isdigit() else None,
    )


def offered(
    found: Viewer,
    steps: Mapping[str, Step],
    transitions: Mapping[str, tuple[tuple[str, ...], str]],
    action: str,
    state: str,
) -> bool:
    """Whether to offer the step's button: the viewer has its role and the engine's workflow
    (`transitions`: action -> states it starts from, target) allows it from `state`."""
    return found.may(steps[action].role) and state in transitions[action][0]
