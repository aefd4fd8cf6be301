"""Keeping a build's long-lived objects out of the garbage collector, and handing them back."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from badgesite.build import BuildOptions, SiteBuilder, build
from badgesite.primitives.collector import BetweenBuilds, settle, settling


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_settle_freezes_only_within_settling_and_the_end_hands_everything_back() -> None:
    gc.unfreeze()
    settle()
    assert gc.get_freeze_count() == 0  # outside a block it does nothing
    with settling():
        settle()
        assert gc.get_freeze_count() > 0
        with settling():  # a nested block is the outer one's: its end unfreezes nothing
            settle()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_a_cycle_dropped_while_frozen_is_collected_after_the_block() -> None:
    with settling():
        node = _Node()
        gone = weakref.ref(node)
        settle()
        del node
        gc.collect()
        assert gone() is not None  # frozen: the collector leaves it alone
    gc.collect()
    assert gone() is None


def test_a_build_leaves_nothing_frozen(site: Path, tmp_path: Path) -> None:
    build(site, tmp_path / "output", cache_dir=tmp_path / "cache", processes=1)
    assert gc.get_freeze_count() == 0


def test_between_builds_the_state_is_frozen_and_dropped_cycles_are_collected() -> None:
    gc.unfreeze()
    gc.collect()
    between = BetweenBuilds()
    between.freeze()  # the first build: a full collection, then everything frozen
    assert gc.get_freeze_count() > 0
    nodes = [_Node() for _ in range(2 * gc.get_freeze_count())]
    gone = weakref.ref(nodes[0])
    between.freeze()  # the second build
    del nodes
    for _ in range(BetweenBuilds.COLLECT_EVERY - 2):  # the third to the tenth
        between.freeze()
        assert gone() is not None  # frozen, and not yet counted
    between.freeze()  # the eleventh: the frozen objects have more than doubled
    assert gone() is None
    gc.unfreeze()


def test_a_site_builder_keeps_its_state_frozen(site: Path, tmp_path: Path) -> None:
    gc.unfreeze()
    options = BuildOptions(site, tmp_path / "output", cache_dir=tmp_path / "cache", processes=1)
    builder = SiteBuilder(options)
    builder.build()
    try:
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
