"""Shared fixtures: the repository's sites, copied where a test may change them."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_SITE = REPO
GOLDEN_SITE = REPO / "tests" / "golden" / "site"
# Statuses such as "expired" are judged at this moment in tests, so results never drift.
FIXED_NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc)


# Debian's Chromium, never a downloaded browser. The background-networking flags keep it from
# calling home: this machine's network is closed, and tests must not reach the internet.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


def write(site_dir: Path, relative: str, text: str) -> Path:
    path = site_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path, for comparing whole builds."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
