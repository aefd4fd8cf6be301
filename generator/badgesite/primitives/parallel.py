"""Work on many items on every core: forked workers share everything already loaded."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from badgesite.primitives.collector import settle, settling

# Below this many outputs to render, starting workers costs more than it saves.
PARALLEL_THRESHOLD = 2000
_CHUNK = 200  # the fewest items sent to a worker at once
_RUNS_PER_WORKER = 16

Progress = Callable[[int], None]  # told how many more items are done
Item = TypeVar("Item")
Result = TypeVar("Result")


class _Job(Generic[Item, Result]):
    """Set in the parent before forking; workers inherit it and receive only index ranges."""

    def __init__(self, work: Callable[[Item], Result], items: Sequence[Item]) -> None:
        self.work = work
        self.items = items


_job: _Job[Any, Any] | None = None


def _work_on_range(bounds: tuple[int, int]) -> list[object]:
    assert _job is not None
    return [_job.work(item) for item in _job.items[bounds[0] : bounds[1]]]


def worker_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def map_parallel(
    work: Callable[[Item], Result],
    items: Sequence[Item],
    processes: int | None = None,
    progress: Progress | None = None,
    threshold: int | None = None,
) -> list[Result]:
    """work(item) for every item, in order; on several cores when there are threshold
    (default PARALLEL_THRESHOLD) or more.

    Workers are forked, so they start with the loaded site, the compiled templates and
    whatever work refers to; they only send results back, so work should return little
    (write what it makes, and say what it wrote). The results are those of one process.
    """
    processes = worker_count() if processes is None else processes
    if (
        processes < 2
        or len(items) < (PARALLEL_THRESHOLD if threshold is None else threshold)
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        results = []
        for item in items:
            results.append(work(item))
            if progress:
                progress(1)
        return results
    return _map_forked(_Job(work, items), processes, progress)


def _map_forked(job: _Job[Item, Result], processes: int, progress: Progress | None) -> list[Result]:
    global _job
    _job = job
    # Few, long runs of neighbouring items per worker: a worker then touches (and so copies
    # from its parent) the memory of the objects of its runs only, not of everything.
    size = max(_CHUNK, len(job.items) // (processes * _RUNS_PER_WORKER))
    chunks = [(start, start + size) for start in range(0, len(job.items), size)]
    try:
        with settling():
            # Objects made before the fork stay put: the collector would otherwise touch
            # (and so copy) every page of memory the workers share with the parent.
            settle()
            context = multiprocessing.get_context("fork")
            with context.Pool(processes) as pool:
                results: list[Result] = []
                for chunk in pool.imap(_work_on_range, chunks, chunksize=1):
                    results.extend(chunk)  # type: ignore[arg-type]
                    if progress:
                        progress(len(chunk))
    finally:
        _job = None
    return results
