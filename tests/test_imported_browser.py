"""An imported badge's page in real headless Chromium: the live re-check, CORS or not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, Page

from badgesite.build import build
from badgesite.cli import main
from conftest import FIXED_NOW
from loopback import Served, serve_corpus, serve_folder


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
    result = CliRunner().invoke(
        main, ["import", url, "--earner", "ada", "--site", str(site), "--allow-private-hosts"]
    )
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
