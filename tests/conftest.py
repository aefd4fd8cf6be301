"""Shared fixtures: the repository's sites, copied where a test may change them, and one
browser. Plain helpers (paths, FIXED_NOW, write, tree_bytes) live in helpers.py."""

from __future__ import annotations

import fcntl
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from badgesite.authoring.keys import key_day, make_signing_key
from badgesite.guards.credentials import key_file_path
from helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EXAMPLE_SITE,
    FIXED_NOW,
    GOLDEN_SITE,
    install_golden_key,
)

# Modules whose every test runs the 1EdTech reference validator in its own environment.
VALIDATOR_MODULES = {"test_conformance.py", "test_verify_agreement.py"}


# How long each test took when last measured (scripts/measure-test-durations writes it).
DURATIONS = Path(__file__).with_name("durations.json")
# A test measured to take longer than this is left out of the quick lane (the rest, about
# 1,080 tests, take about 45 s on 2 cores); a test not measured yet stays in it.
QUICK_LANE_LIMIT = 0.25  # seconds


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark slow what is slow, so `-m "not slow"` is a quick lane of under a minute: every
    test that drives Chromium (it asks for the `browser` fixture), every validator run, and
    every test measured to take longer than QUICK_LANE_LIMIT."""
    measured = json.loads(DURATIONS.read_text()) if DURATIONS.is_file() else {}
    for item in items:
        if (
            "browser" in getattr(item, "fixturenames", ())
            or item.path.name in VALIDATOR_MODULES
            or measured.get(item.nodeid, 0) > QUICK_LANE_LIMIT
        ):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def golden_site_key() -> None:
    """The golden site's key where its keeper's builds find it: a test that builds the
    repository's golden site in place signs with the key its records hold, never makes one.
    (.badgesite/ is git-ignored.)"""
    install_golden_key(GOLDEN_SITE)


@pytest.fixture(scope="session", autouse=True)
def example_site_key(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The example site's key, made once before any test builds the site in place: with
    several workers (pytest-xdist), two first builds at once would each make a key."""
    lock_file = tmp_path_factory.getbasetemp().parent / "example-site-key.lock"
    with lock_file.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not key_file_path(EXAMPLE_SITE).exists():
            make_signing_key(EXAMPLE_SITE, key_day(EXAMPLE_SITE, FIXED_NOW), environ={})


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
    # Without the caches a check of the repository's golden site leaves in it, and with the
    # golden key where a local build finds it.
    shutil.copytree(GOLDEN_SITE, target, ignore=shutil.ignore_patterns(".cache", ".badgesite"))
    install_golden_key(target)
    return target


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A private copy of the example site's content/."""
    target = tmp_path / "example"
    # Without the public key a build in place made (each clone makes its own key).
    ignored = shutil.ignore_patterns("signing-keys.txt")
    shutil.copytree(EXAMPLE_SITE / "content", target / "content", ignore=ignored)
    return target
