"""Rendering many outputs on every core: forked workers share the site already loaded."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence

from badgesite.plan import Output
from badgesite.render import Rendered, Renderer

# Below this many outputs, starting workers costs more than it saves.
PARALLEL_THRESHOLD = 2000
_CHUNK = 200

# Set in the parent before forking; workers inherit them and receive only index ranges.
Progress = Callable[[int], None]  # told how many more outputs are done
_renderer: Renderer | None = None
_outputs: Sequence[Output] = ()


def _render_range(bounds: tuple[int, int]) -> list[Rendered]:
    assert _renderer is not None
    return [_renderer.render(output) for output in _outputs[bounds[0] : bounds[1]]]


def worker_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def render_outputs(
    renderer: Renderer,
    outputs: Sequence[Output],
    processes: int | None = None,
    progress: Progress | None = None,
) -> tuple[Rendered, ...]:
    """Every output rendered, in order; on several cores when there are many.

    Workers are forked, so they start with the loaded site and compiled templates, and
    they only send bytes back. The result is the same as rendering one by one.
    """
    processes = worker_count() if processes is None else processes
    if (
        processes < 2
        or len(outputs) < PARALLEL_THRESHOLD
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        rendered = []
        for output in outputs:
            rendered.append(renderer.render(output))
            if progress:
                progress(1)
        return tuple(rendered)
    return _render_forked(renderer, outputs, processes, progress)


def _render_forked(
    renderer: Renderer,
    outputs: Sequence[Output],
    processes: int,
    progress: Progress | None = None,
) -> tuple[Rendered, ...]:
    global _renderer, _outputs
    _renderer, _outputs = renderer, outputs
    chunks = [(start, start + _CHUNK) for start in range(0, len(outputs), _CHUNK)]
    # Objects made before the fork stay put: the collector would otherwise touch (and so
    # copy) every page of memory the workers share with the parent.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(processes) as pool:
            results = []
            for chunk in pool.imap(_render_range, chunks, chunksize=1):
                results.append(chunk)
                if progress:
                    progress(len(chunk))
    finally:
        gc.unfreeze()
        _renderer, _outputs = None, ()
    return tuple(item for chunk in results for item in chunk)
