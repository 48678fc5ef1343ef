"""Fan per-series work out with joblib, on local processes or an existing Dask cluster.

`--backend dask --scheduler ADDRESS` connects a dask.distributed Client and runs the same joblib
calls through joblib's Dask backend, so the job code does not change between a laptop and a
cluster. A tqdm progress bar shows on long runs when stderr is a terminal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from joblib import Parallel, delayed, parallel_config
from tqdm.auto import tqdm

from engine.core.errors import DataError

BACKENDS = ("loky", "threading", "dask")
TASK_SERIES = 500
"""Most series one task fits: bounds a worker's memory per task and balances uneven workers."""


@dataclass
class Runner:
    """How to run a list of independent tasks: workers, backend, progress bar."""

    n_jobs: int = 1
    backend: str = "loky"
    scheduler: str | None = None
    progress: bool = False

    def chunk_count(self, n_items: int) -> int:
        """Pieces to split n_items series into: two per worker at least, TASK_SERIES at most each.

        A Dask cluster's size is not known here, so it counts as four workers.
        """
        workers = self.n_jobs if self.n_jobs > 0 and self.backend != "dask" else 4
        if self.n_jobs == 1 and self.backend != "dask":
            workers = 1
        return max(2 * workers, -(-n_items // TASK_SERIES), 1)

    def map(self, func: Callable[..., Any], tasks: Sequence[tuple], desc: str = "") -> list[Any]:
        """[func(*task) for task in tasks], in order, possibly in parallel."""
        bar = tqdm(total=len(tasks), desc=desc, disable=not self.progress or None, leave=False)
        try:
            if self.n_jobs == 1 and self.backend != "dask" or len(tasks) <= 1:
                out = []
                for task in tasks:
                    out.append(func(*task))
                    bar.update()
                return out
            with self._context():
                results = Parallel(n_jobs=self.n_jobs, return_as="generator")(
                    delayed(func)(*task) for task in tasks
                )
                out = []
                for result in results:
                    out.append(result)
                    bar.update()
                return out
        finally:
            bar.close()

    @contextlib.contextmanager
    def _context(self) -> Iterator[None]:
        if self.backend not in BACKENDS:
            raise DataError(
                f"unknown backend '{self.backend}' (use {', '.join(BACKENDS)})", "backend"
            )
        if self.backend != "dask":
            with parallel_config(backend=self.backend, n_jobs=self.n_jobs):
                yield
            return
        if not self.scheduler:
            raise DataError("--backend dask needs --scheduler ADDRESS", "scheduler")
        from dask.distributed import Client

        try:
            client = Client(self.scheduler, timeout=10, set_as_default=False)
        except OSError as exc:
            raise DataError(
                f"cannot reach Dask scheduler {self.scheduler}: {exc}", "scheduler"
            ) from None
        try:
            with client.as_current(), parallel_config(backend="dask", n_jobs=-1):
                yield
        finally:
            client.close()


def chunks(n: int, n_chunks: int) -> list[range]:
    """Split range(n) into at most n_chunks contiguous, non-empty pieces."""
    n_chunks = max(1, min(n_chunks, n))
    size = -(-n // n_chunks)
    return [range(i, min(i + size, n)) for i in range(0, n, size)]
