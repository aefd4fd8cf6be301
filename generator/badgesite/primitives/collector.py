"""Keeping what lives until a build ends out of the garbage collector's full collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_settling = False


@contextmanager
def settling() -> Iterator[None]:
    """Within, settle() takes every object made so far out of the collector's generations
    (gc.freeze); at the end, whatever was frozen is handed back, so that no reference cycle
    outlives the block. Nested blocks are the outer one's.

    A build's records, model and plan live until it ends: each full collection would walk
    them all again (at 10,000 awards some million objects; five collections took 0.3 s of
    a rebuild that rendered nothing). Frozen objects are still freed by reference counting.
    """
    global _settling
    if _settling:
        yield
        return
    _settling = True
    try:
        yield
    finally:
        _settling = False
        gc.unfreeze()


def settle() -> None:
    """Within settling(): what exists now lives on; collections leave it alone."""
    if _settling:
        gc.freeze()


class BetweenBuilds:
    """Keeps a long-lived process's kept build state (`serve`) out of the collector between
    its builds: at 10,000 awards it holds some 400,000 objects, which a full collection
    during the next build would walk (0.15-0.2 s). What a build drops is freed by reference
    counting; every COLLECT_EVERY builds, should the frozen objects have grown to twice
    what a full collection last left (cycles that were dropped), they are collected
    (counting them walks them all)."""

    COLLECT_EVERY = 10

    def __init__(self) -> None:
        self._builds = 0
        self._frozen_after_collecting = 0

    def freeze(self) -> None:
        """After a build: keep everything alive now out of collections."""
        self._builds += 1
        if self._builds % self.COLLECT_EVERY == 1 and (
            gc.get_freeze_count() >= 2 * self._frozen_after_collecting
        ):
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._frozen_after_collecting = gc.get_freeze_count()
        else:
            gc.freeze()
