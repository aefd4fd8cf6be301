"""Shared fixtures: the repository's sites, copied where a test may change them, and one
browser. Plain helpers (paths, FIXED_NOW, write, tree_bytes) live in helpers.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import CHROMIUM, CHROMIUM_ARGS, EXAMPLE_SITE, GOLDEN_SITE

# Modules whose every test runs the 1EdTech reference validator in its own environment.
VALIDATOR_MODULES = {"test_conformance.py", "test_verify_agreement.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark slow what must be slow, so `-m "not slow"` is the quick lane: every test that
    drives Chromium (it asks for the `browser` fixture) and every validator run."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) or item.path.name in VALIDATOR_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for every browser test of the run (starting one is slow)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A private copy of the small golden site, free to edit."""
    target = tmp_path / "site"
    shutil.copytree(GOLDEN_SITE, target)
    return target


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A private copy of the example site's content/."""
    target = tmp_path / "example"
    shutil.copytree(EXAMPLE_SITE / "content", target / "content")
    return target
