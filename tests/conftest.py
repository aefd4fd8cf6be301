"""Shared fixtures: the repository's sites, copied where a test may change them."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_SITE = REPO
GOLDEN_SITE = REPO / "tests" / "golden" / "site"
# Statuses such as "expired" are judged at this moment in tests, so results never drift.
FIXED_NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc)


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
