"""The README's example rubric is a valid rubric that scores as its text says."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from engine.leads.rubric import rubric_from_toml

README = Path(__file__).resolve().parents[3] / "README.md"


def test_the_readme_rubric_loads_and_scores_by_its_rules() -> None:
    section = README.read_text().split("## The lead loop", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None, "the lead loop section shows a rubric"
    rubric = rubric_from_toml(block.group(1))
    leads = pd.DataFrame(
        {
            "lead_id": ["a", "b", "c"],
            "downloads": [1, 1, 0],
            "form_fills": [1, 0, 0],
            "source": ["referral", "web", "referral"],
        }
    )
    scores = rubric.evaluate(leads)
    assert list(scores.points) == [15 + 30 + 10, 15, 10]
    assert list(scores.tiers) == ["sales-qualified", "warm", "cold"]
    assert rubric.decay_per_week == 5
