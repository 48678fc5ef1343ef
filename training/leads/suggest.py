"""`lodestar leads rubric suggest`: a rubric proposed from the training data, compared on the
validation split (the same split training uses) with the active rubric and the model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.core.contracts import LeadTable
from engine.core.errors import NoChampionError
from engine.leads.rubric import Rubric
from engine.leads.suggest import ranking_report, suggest_rubric, tier_changes
from engine.leads.tiering import ActiveRubric
from engine.registry.store import ModelStore
from training.leads.job import lead_hashes, split_leads


@dataclass(frozen=True)
class Suggestion:
    """The suggested rubric and the comparison report."""

    rubric: Rubric
    report: dict[str, Any]


def suggest_from_table(
    table: LeadTable, store: ModelStore | None, active: ActiveRubric | None
) -> Suggestion:
    """Suggest on the training leads; rank the validation leads by suggestion, active, model."""
    train_idx, val_idx, how = split_leads(table)
    frame = table.frame
    train, val = frame.loc[train_idx], frame.loc[val_idx]
    y_train, y_val = train["converted"].to_numpy(), val["converted"].to_numpy()
    rubric = suggest_rubric(train, y_train, table.features)
    mine = rubric.evaluate(val)
    report: dict[str, Any] = {
        "split": how,
        "n_train": int(len(train)),
        "n_validation": int(len(val)),
        "suggested": ranking_report(y_val, mine.points, mine.tiers),
        "active": None,
        "model": None,
        "changes": None,
        "notes": [],
    }
    if active is not None:
        theirs = active.rubric.evaluate(val)
        report["active"] = {
            "version": active.version,
            **ranking_report(y_val, theirs.points, theirs.tiers),
        }
        report["changes"] = tier_changes(val["lead_id"], theirs.tiers, mine.tiers)
        if theirs.absent_fields:
            report["notes"].append(
                f"the active rubric reads {', '.join(theirs.absent_fields)}, absent here: "
                "those rules never fire on these leads"
            )
    else:
        report["notes"].append("no active rubric to compare with (none signed by both teams)")
    if store is not None:
        report["model"] = _model_report(store, val, y_val, report["notes"])
    return Suggestion(rubric, report)


def _model_report(
    store: ModelStore, val: Any, y_val: np.ndarray, notes: list[str]
) -> dict[str, Any] | None:
    try:
        version, scorer = store.load_champion("leads")
    except NoChampionError:
        notes.append("no leads champion to compare with")
        return None
    scored, errors = scorer.score_batch(val, reasons=False)
    if errors or len(scored) != len(val):
        notes.append(f"the champion could not score {len(errors)} validation leads; left out")
    seen = scorer.info.get("trained_ids")
    if seen is not None and np.isin(lead_hashes(val["lead_id"]), seen).any():
        notes.append(
            f"champion v{version} was trained on some of these validation leads: its figures "
            "are optimistic"
        )
    y = y_val[scored["row"].to_numpy(dtype=int)]
    return {
        "version": version,
        **ranking_report(y, scored["probability"].to_numpy(), scored["tier"].to_numpy()),
    }
