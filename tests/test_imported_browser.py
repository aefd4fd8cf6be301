"""An imported badge's page in real headless Chromium: the live re-check, CORS or not, and
the layout of imported badges on the profile and on their own page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, Page

from badgesite.build import build
from badgesite.cli import main
from helpers import FIXED_NOW, REPO
from loopback import Served, serve_corpus, serve_folder
from test_render import HOSTILE_MARKDOWN, add_imported_badge

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
SOLDERING_AWARD = "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    opened = browser.new_page()
    yield opened
    opened.close()


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Served]:
    with serve_corpus(tmp_path / "www") as served:
        yield served


def _import(site: Path, url: str) -> str:
    arguments = ["import", url, "--earner", "ada", "--site", str(site), "--allow-private-hosts"]
    result = CliRunner().invoke(main, [*arguments, "--email", "ada@learner.example"])
    assert result.exit_code == 0, result.output
    path = Path(result.output.rsplit(" into ", 1)[1].strip())
    return path.stem


def _status(page: Page, page_url: str) -> str:
    page.goto(page_url)
    page.wait_for_function(
        "document.querySelector('[data-live-check]').dataset.state !== 'checking' "
        "&& document.querySelector('[data-live-check]').dataset.state !== undefined"
    )
    return page.locator("[data-live-status]").inner_text()


def test_the_page_rechecks_the_live_assertion(
    page: Page, site: Path, corpus: Served, tmp_path: Path
) -> None:
    live = _import(site, corpus.base + "assertions/valid-iri.json")
    blocked = _import(site, corpus.base + "nocors/no-cors.json")
    output = tmp_path / "output"
    build(site, output, now=FIXED_NOW)
    # The site is served from another origin than the issuer: the check is a real CORS fetch.
    with serve_folder(output) as base:
        live_page = f"{base}earners/ada/imported/{live}/"
        assert "the badge is valid" in _status(page, live_page)

        blocked_text = _status(page, f"{base}earners/ada/imported/{blocked}/")
        assert "does not let this page check it live" in blocked_text
        assert "last verified on" in blocked_text

        served = corpus.root / "assertions" / "valid-iri.json"
        document = json.loads(served.read_text()) | {"revoked": True}
        served.write_text(json.dumps(document))
        assert "the issuer has revoked this badge" in _status(page, live_page)

        served.write_text(json.dumps(document | {"revoked": False, "id": "https://x.example/"}))
        assert "answered with a different assertion" in _status(page, live_page)

        served.unlink()
        assert "no longer hosts" in _status(page, live_page)


def test_without_javascript_the_page_says_when_it_was_last_verified(
    browser: Browser, site: Path, corpus: Served, tmp_path: Path
) -> None:
    key = _import(site, corpus.base + "assertions/valid-iri.json")
    output = tmp_path / "output"
    build(site, output, now=FIXED_NOW)
    with serve_folder(output) as base:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{base}earners/ada/imported/{key}/")
        assert page.locator("[data-live-status]").inner_text().startswith("Last verified on ")
        assert page.locator("h2#status-heading").inner_text() == "Verified"
        context.close()


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def test_imported_badges_are_laid_out_like_the_earners_own(
    browser: Browser, site: Path, tmp_path: Path
) -> None:
    key = add_imported_badge(site, HOSTILE_MARKDOWN, criteria="1. Pass the *final review*")
    output = tmp_path / "output"
    build(site, output, now=FIXED_NOW)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # No script: the layout is the stylesheet's, and the live check would call another host.
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    with serve_folder(output) as base:
        page.goto(f"{base}earners/ada/")
        page.screenshot(path=str(SCREENSHOTS / "imported-profile-desktop.png"), full_page=True)
        item = "section.imported li"
        assert page.locator(item).evaluate("li => getComputedStyle(li).listStyleType") == "none"
        assert page.locator(item).evaluate(
            "li => getComputedStyle(li.parentElement).paddingLeft"
        ) == ("0px")
        own_image = _box(page, "li.card--award:not(.card--imported) img.badge-image")
        imported_image = _box(page, f"{item} img.badge-image")
        imported_card = _box(page, item)
        # Same column, same size, centred in its card, as the earner's own badges are.
        assert abs(imported_image["x"] - own_image["x"]) <= 1
        assert abs(imported_image["width"] - own_image["width"]) <= 1
        card_middle = imported_card["y"] + imported_card["height"] / 2
        assert abs(imported_image["y"] + imported_image["height"] / 2 - card_middle) <= 2

        page.goto(f"{base}earners/ada/imported/{key}/")
        page.screenshot(path=str(SCREENSHOTS / "imported-page-desktop.png"), full_page=True)
        banner = _box(page, "section.status")
        heading = _box(page, "#status-heading")
        imported_gap = heading["y"] - banner["y"]
        main = _box(page, "main")
        page.goto(f"{base}assertions/{SOLDERING_AWARD}/")
        own_title = _box(page, ".status__body:not([hidden]) .status__title")
        own_gap = own_title["y"] - _box(page, "section.status")["y"]
        # No empty band: the banner sits where our own award's does, its title as close to its top.
        assert (
            banner["y"] - main["y"] == _box(page, "section.status")["y"] - _box(page, "main")["y"]
        )
        assert abs(imported_gap - own_gap) <= 2
        page.goto(f"{base}earners/ada/imported/{key}/")
        image = _box(page, ".hero img.badge-image")
        title = _box(page, ".hero h1")
        assert image["x"] + image["width"] < title["x"]  # side by side, not stacked
        assert image["y"] < title["y"] + title["height"]
        for label, value in zip(
            page.locator(".facts dt").all(), page.locator(".facts dd").all(), strict=True
        ):
            assert (
                label.bounding_box()["x"] == value.bounding_box()["x"]
            )  # each value under its label
        assert page.locator("main strong", has_text="streaming").count() == 1
        assert "**" not in page.locator("main").inner_text()
    context.close()
