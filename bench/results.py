"""Write one benchmark's tables into its own section of bench/RESULTS.md, leaving the rest."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine_line() -> str:
    """Date and machine the figures come from."""
    return (
        f"_Run {dt.date.today().isoformat()} on {platform.machine()} with {os.cpu_count()} cores, "
        f"Python {platform.python_version()}._"
    )


def write_section(name: str, body: str) -> None:
    """Replace the text between `<!-- section:name -->` and `<!-- end:name -->`."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    start, end = f"<!-- section:{name} -->", f"<!-- end:{name} -->"
    block = f"{start}\n{machine_line()}\n\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = (
        pattern.sub(lambda _: block, text) if pattern.search(text) else text + "\n" + block + "\n"
    )
    RESULTS.write_text(text)
