"""Work on many outputs on every core: forked workers share the site already loaded."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from badgesite.plan import Output

# Below this many outputs, starting workers costs more than it saves.
PARALLEL_THRESHOLD = 2000
_CHUNK = 200

Progress = Callable[[int], None]  # told how many more outputs are done
Result = TypeVar("Result")


class _Job(Generic[Result]):
    """Set in the parent before forking; workers inherit it and receive only index ranges."""

    def __init__(self, work: Callable[[Output], Result], outputs: Sequence[Output]) -> None:
        self.work = work
        self.outputs = outputs


_job: _Job | None = None  # type: ignore[type-arg]


def _work_on_range(bounds: tuple[int, int]) -> list[object]:
    assert _job is not None
    return [_job.work(output) for output in _job.outputs[bounds[0] : bounds[1]]]


def worker_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def map_outputs(
    work: Callable[[Output], Result],
    outputs: Sequence[Output],
    processes: int | None = None,
    progress: Progress | None = None,
) -> list[Result]:
    """work(output) for every output, in order; on several cores when there are many.

    Workers are forked, so they start with the loaded site, the compiled templates and
    whatever work refers to; they only send results back, so work should return little
    (write what it makes, and say what it wrote). The results are those of one process.
    """
    processes = worker_count() if processes is None else processes
    if (
        processes < 2
        or len(outputs) < PARALLEL_THRESHOLD
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        results = []
        for output in outputs:
            results.append(work(output))
            if progress:
                progress(1)
        return results
    return _map_forked(_Job(work, outputs), processes, progress)


def _map_forked(job: _Job[Result], processes: int, progress: Progress | None) -> list[Result]:
    global _job
    _job = job
    chunks = [(start, start + _CHUNK) for start in range(0, len(job.outputs), _CHUNK)]
    # Objects made before the fork stay put: the collector would otherwise touch (and so
    # copy) every page of memory the workers share with the parent.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(processes) as pool:
            results: list[Result] = []
            for chunk in pool.imap(_work_on_range, chunks, chunksize=1):
                results.extend(chunk)  # type: ignore[arg-type]
                if progress:
                    progress(len(chunk))
    finally:
        gc.unfreeze()
        _job = None
    return results
