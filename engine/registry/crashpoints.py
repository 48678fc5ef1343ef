"""Named points in a training run where the fault tests kill the process (kill -9 on itself).

Set LODESTAR_TEST_CRASH_AT=<point> in a `lodestar train` child and it dies at that point, the
way a machine losing power would; the tests then check what the registry shows. Unset (always,
outside those tests) it does nothing.
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "after_run_created",
    "after_model_logged",
    "after_register",
    "after_finish",
    "after_complete",
    "after_promote",
)
_VARIABLE = "LODESTAR_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    """Kill this process with SIGKILL when LODESTAR_TEST_CRASH_AT names this point."""
    if os.environ.get(_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
