"""The default theme in real headless Chromium: accessibility, live status, recipient check,
copy buttons, share links, the printed certificate (PDF on A4 and Letter, its QR code read
back), no foreign requests, and screenshots for people to look at.

The example site is built once for this module with base_url on a loopback server, and one
browser serves every test. Screenshots land in test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from badgesite.build import build, load_site
from helpers import EXAMPLE_SITE, FIXED_NOW, GOLDEN_SITE, REPO
from loopback import serve_folder
from test_listings import add_award, add_earner

AXE = REPO / "tests" / "vendor" / "axe.min.js"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}

VALID_AWARD = "8bdd8583-176c-4df8-8ec7-14ef27ed97d3"  # expires 2030-05-09
EXPIRED_AWARD = "f8fea89c-718e-49c2-a8a9-09a0651ca739"  # expired 2025-02-14
REVOKED_AWARD = "6d90fce2-4b74-4224-b978-e16d5dd520c3"
RECIPIENTS = {
    entry["award"]: entry["email"]
    for entry in yaml.safe_load((REPO / "tests/fixtures/example_recipients.yaml").read_text())
}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Served:
    """The built example site on a loopback server."""

    base_url: str
    output: Path
    pages: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    output = tmp_path_factory.mktemp("browser") / "output"
    output.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    build(EXAMPLE_SITE, output, base_url=base_url, now=FIXED_NOW)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site = load_site(EXAMPLE_SITE)
    revoked = next(a.id for a in site.published_awards if a.revocation)
    assert revoked == REVOKED_AWARD
    pages = {
        "home": "",
        "skills": "skills/",
        "issuer": f"issuers/{next(iter(site.issuers))}/",
        "badge": "badges/kubernetes-operations-specialist/",
        "earner": "earners/dimitra-papadaki/",  # a revoked award and a certification begun
        "earners": "earners/",
        "badges": "badges/",
        "award-valid": f"assertions/{VALID_AWARD}/",
        "award-expired": f"assertions/{EXPIRED_AWARD}/",
        "award-revoked": f"assertions/{REVOKED_AWARD}/",
        "not-found": "404.html",
    }
    try:
        yield Served(base_url, output, pages)
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Visit:
    """A page with everything it logged and requested."""

    page: object
    errors: list[str]
    hosts: set[str]


def _watch(page) -> Visit:
    visit = Visit(page, [], set())
    page.on(
        "console",
        lambda message: visit.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: visit.errors.append(str(error)))
    page.on(
        "request",
        lambda request: (
            visit.hosts.add(urlsplit(request.url).netloc)
            if request.url.startswith("http")
            else None
        ),
    )
    return visit


@pytest.fixture(scope="module")
def shared_context(browser) -> Iterator[object]:
    context = browser.new_context(
        viewport=VIEWPORTS["desktop"], permissions=["clipboard-read", "clipboard-write"]
    )
    yield context
    context.close()


@pytest.fixture
def open_page(browser, shared_context, served: Served) -> Iterator:
    """Opens a page of the site; with a clock, in a context whose clock is set to it."""
    opened = []

    def opener(name: str, clock: dt.datetime | None = None) -> Visit:
        context = shared_context
        if clock is not None:
            context = browser.new_context(viewport=VIEWPORTS["desktop"])
            context.clock.install(time=clock)
        page = context.new_page()
        opened.append((page, context if clock is not None else None))
        visit = _watch(page)
        page.goto(served.base_url + served.pages.get(name, name), wait_until="load")
        return visit

    yield opener
    for page, own_context in opened:
        page.close()
        if own_context is not None:
            own_context.close()


def test_every_page_type_passes_axe_and_stays_on_its_own_host(open_page, served) -> None:
    own_host = urlsplit(served.base_url).netloc
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    visit = open_page("home")
    page = visit.page
    for name, path in served.pages.items():
        page.set_viewport_size(VIEWPORTS["desktop"])
        page.goto(served.base_url + path, wait_until="load")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        )
        problems += [f"{name}: {violation}" for violation in violations]
        page.set_viewport_size(VIEWPORTS["phone"])
        page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
        if name == "award-valid":
            page.emulate_media(media="print")
            page.screenshot(path=str(SCREENSHOTS / f"{name}-print.png"), full_page=True)
            page.emulate_media(media="screen")
    assert problems == []
    assert visit.errors == []
    assert visit.hosts == {own_host}


def _banner(visit: Visit) -> tuple[str, str]:
    banner = visit.page.locator("section.status")
    return banner.get_attribute("class"), banner.locator("[data-state]:visible").inner_text()


def test_status_banner_turns_expired_after_the_build(open_page) -> None:
    built = open_page("award-valid")
    assert _banner(built)[0] == "status status--valid"
    assert "Valid" in _banner(built)[1]
    later = open_page("award-valid", clock=dt.datetime(2030, 6, 1, tzinfo=dt.timezone.utc))
    css_class, text = _banner(later)
    assert css_class == "status status--expired"
    assert "Expired" in text and "May 9, 2030" in text
    assert "Valid" not in text
    checked = later.page.locator("section.status [data-checked]").inner_text()
    assert checked == "Status checked on June 1, 2030, in this browser, against today's date."


def test_status_banner_says_not_yet_valid_before_the_issue_date(open_page) -> None:
    early = open_page("award-valid", clock=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
    css_class, text = _banner(early)
    assert css_class == "status status--not-yet-valid"
    assert text.startswith("Not yet valid") and "May 9, 2025" in text


def test_profile_statuses_turn_expired_after_the_build_too(open_page, served) -> None:
    link = f"a[href='../../assertions/{VALID_AWARD}/']"
    built = open_page("earners/priya-raghunathan/")
    item = built.page.locator("li.card", has=built.page.locator(link))
    assert item.locator(".pill:visible").inner_text() == "Valid"
    later = open_page(
        "earners/priya-raghunathan/", clock=dt.datetime(2030, 6, 1, tzinfo=dt.timezone.utc)
    )
    item = later.page.locator("li.card", has=later.page.locator(link))
    assert item.locator(".pill:visible").inner_text() == "Expired"


def test_a_holder_leaves_the_listings_when_their_award_expires(open_page) -> None:
    holder = "ul.people li:has(a[href='../../earners/priya-raghunathan/'])"
    built = open_page("badges/cloud-security-practitioner/")
    assert built.page.locator(holder).is_visible()
    assert built.page.locator(holder).evaluate("li => getComputedStyle(li).listStyleType") == (
        "none"
    )
    later = open_page(
        "badges/cloud-security-practitioner/",
        clock=dt.datetime(2030, 6, 1, tzinfo=dt.timezone.utc),
    )
    assert later.page.locator(holder).count() == 1 and later.page.locator(holder).is_hidden()
    skills = "li.skill ul.people li:has(a[href='../earners/priya-raghunathan/'])"
    assert open_page("skills/").page.locator(skills).first.is_visible()
    later_skills = open_page("skills/", clock=dt.datetime(2030, 6, 1, tzinfo=dt.timezone.utc))
    hidden = later_skills.page.locator(
        "li.skill:has(a[href='../badges/cloud-security-practitioner/']) " + skills[9:]
    )
    assert hidden.count() >= 1 and all(item.is_hidden() for item in hidden.all())


def test_a_holder_not_valid_yet_appears_once_their_day_comes(browser, tmp_path) -> None:
    site = tmp_path / "site"
    shutil.copytree(GOLDEN_SITE, site)
    add_earner(site, "dee", "Dee Future")
    add_award(site, 1, "dee", issued_on="2027-03-01")
    build(site, site / "output", now=FIXED_NOW)
    holder = "ul.people li:has(a[href='../../earners/dee/'])"
    with serve_folder(site / "output") as base:
        for clock, visible in (
            (None, False),
            (dt.datetime(2027, 3, 2, tzinfo=dt.timezone.utc), True),
        ):
            context = browser.new_context()
            if clock is not None:
                context.clock.install(time=clock)
            page = context.new_page()
            page.goto(base + "badges/soldering/")
            assert page.locator(holder).is_visible() is visible
            context.close()
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(base + "badges/soldering/")
        assert page.locator(holder).is_hidden()  # without the script: as of the build
        context.close()


def _serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )


def test_pages_of_long_listings_pass_axe_and_link_their_neighbours(browser, tmp_path) -> None:
    site = tmp_path / "site"
    shutil.copytree(GOLDEN_SITE, site)
    for number, name in enumerate(("Dee", "Eve", "Fay")):
        add_earner(site, name.lower(), f"{name} Maker")
        add_award(site, number, name.lower(), issued_on=f"2024-10-0{number + 1}")
    with open(site / "content/site.yaml", "a", encoding="utf-8") as config:
        config.write("paginate: 2\n")
    build(site, site / "output", now=FIXED_NOW)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    problems = []
    with serve_folder(site / "output") as base:
        for name, path in (
            ("earners-page-2", "earners/page/2/"),
            ("holders-page-2", "badges/soldering/earners/page/2/"),
        ):
            page.goto(base + path)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
            problems += [f"{name}: {violation}" for violation in _serious_violations(page)]
            current = page.locator("nav.pagination [aria-current=page]")
            assert current.inner_text() == "2"
        page.goto(base + "earners/")
        page.click("nav.pagination a[rel=next]")
        assert page.url == base + "earners/page/2/"
        page.click("nav.pagination a[rel=prev]")
        assert page.url == base + "earners/"
    context.close()
    assert problems == []


def test_status_without_javascript_shows_the_build_time_status(browser, served) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(served.base_url + served.pages["award-expired"])
        assert (
            page.locator("section.status [data-state]:visible").inner_text().startswith("Expired")
        )
        checked = page.locator("section.status [data-checked]").inner_text()
        assert "last publication" in checked
        assert page.locator("[data-print]").is_hidden()  # printing needs no button
        assert page.locator("[data-recipient-check]").is_hidden()
        assert page.locator("button[data-copy]").first.is_hidden()
    finally:
        context.close()


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
        dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc),
    ],
)
def test_a_revoked_award_is_never_shown_as_valid(open_page, moment: dt.datetime) -> None:
    visit = open_page("award-revoked", clock=moment)
    css_class, text = _banner(visit)
    assert css_class == "status status--revoked"
    assert text.startswith("Revoked") and "Valid" not in text
    assert visit.page.locator("#share").count() == 0


def test_recipient_check_says_yes_for_the_right_email_and_no_for_another(open_page) -> None:
    visit = open_page("award-valid")
    page = visit.page
    result = page.locator("[data-check-result]")
    page.fill("#recipient-input", "  " + RECIPIENTS[VALID_AWARD].upper() + " ")
    page.click("[data-recipient-check] button[type=submit]")
    page.wait_for_function("document.querySelector('[data-check-result]').textContent !== ''")
    assert result.inner_text().startswith("Yes")
    page.fill("#recipient-input", "someone.else@example.com")
    page.click("[data-recipient-check] button[type=submit]")
    page.wait_for_function(
        "document.querySelector('[data-check-result]').textContent.startsWith('No')"
    )
    assert visit.hosts == {urlsplit(page.url).netloc}


def test_copy_buttons_copy_the_exact_snippet(open_page, served) -> None:
    page = open_page("award-valid").page
    for box in ("embed-code", "signature-code"):
        snippet = page.locator(f"#{box}").input_value()
        assert snippet.startswith(f'<a href="{served.base_url}assertions/{VALID_AWARD}/"')
        assert "<script" not in snippet and snippet.endswith("</a>")
        page.click(f"button[data-copy='{box}']")
        page.wait_for_function(
            f"document.querySelector('[data-copy-result=\"{box}\"]').textContent !== ''"
        )
        assert page.evaluate("navigator.clipboard.readText()") == snippet


def test_share_links_carry_the_right_parameters(open_page, served) -> None:
    page = open_page("award-valid").page
    page_url = f"{served.base_url}assertions/{VALID_AWARD}/"
    links = {
        link.get_attribute("data-share"): link.get_attribute("href")
        for link in page.locator("[data-share]").all()
    }
    add = urlsplit(links["linkedin-add"])
    assert add.netloc == "www.linkedin.com" and add.path == "/profile/add"
    assert parse_qs(add.query) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Cloud Security Practitioner (2023 programme)"],
        "organizationName": ["Northwind Cloud Academy"],
        "issueYear": ["2025"],
        "issueMonth": ["5"],
        "expirationYear": ["2030"],
        "expirationMonth": ["5"],
        "certUrl": [page_url],
        "certId": [VALID_AWARD],
    }
    assert parse_qs(urlsplit(links["linkedin"]).query) == {"url": [page_url]}
    assert parse_qs(urlsplit(links["facebook"]).query) == {"u": [page_url]}
    x_query = parse_qs(urlsplit(links["x"]).query)
    assert x_query["url"] == [page_url] and "Cloud Security Practitioner" in x_query["text"][0]


# The certificate an award page prints (partials/certificate.html and the print stylesheet).
LINKEDIN_VALUES = {
    "name": "Cloud Security Practitioner (2023 programme)",
    "organization": "Northwind Cloud Academy",
    "issued": "May 2025",
    "expires": "May 2030",
    "id": VALID_AWARD,
}


def _tool(name: str, package: str) -> str:
    """A Debian tool the print tests read PDFs with; scripts/test installs it."""
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed (apt-get install {package}, as scripts/test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _run(*command: object) -> str:
    return subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, check=True
    ).stdout


def _print_to_pdf(page, folder: Path, paper: str) -> tuple[int, str, Path]:
    """The page printed on paper (A4, Letter) as Chromium's "Save as PDF" does: its number
    of pages, its text (whitespace folded) and the file."""
    pdf = folder / f"{paper}.pdf"
    page.pdf(path=str(pdf), format=paper)
    info = _run(_tool("pdfinfo", "poppler-utils"), pdf)
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))
    return pages, " ".join(_run(_tool("pdftotext", "poppler-utils"), pdf, "-").split()), pdf


def _qr_codes_in(pdf: Path, folder: Path) -> list[str]:
    """What a phone reads on the printed page: zbarimg on the PDF at 150 dpi."""
    _run(_tool("pdftoppm", "poppler-utils"), "-r", "150", "-png", "-singlefile", pdf, folder / "p")
    zbarimg = _tool("zbarimg", "zbar-tools")
    return _run(zbarimg, "--quiet", "--raw", folder / "p.png").split()


def test_an_award_prints_as_a_one_page_certificate_on_a4_and_letter(
    open_page, served, tmp_path
) -> None:
    page_url = f"{served.base_url}assertions/{VALID_AWARD}/"
    visit = open_page("award-valid", clock=dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc))
    page = visit.page
    certificate = page.locator("article.certificate")
    button = page.locator("[data-print] button")
    assert certificate.is_hidden() and button.inner_text() == "Print or save as PDF"
    page.evaluate("window.print = () => { window.printed = true; }")
    button.click()
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    assert certificate.is_visible() and button.is_hidden()
    for hidden in ("header.site-header", "section.status", "#share", "#credential", "footer"):
        assert page.locator(hidden).is_hidden(), hidden
    assert _serious_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "award-certificate-print.png"), full_page=True)
    for paper in ("A4", "Letter"):
        pages, text, pdf = _print_to_pdf(page, tmp_path, paper)
        assert pages == 1, paper
        for expected in (
            "Northwind Cloud Academy",
            "This certifies that Priya Raghunathan has been awarded the certification",
            "Cloud Security Practitioner (2023 programme)",
            "May 9, 2025",
            "May 9, 2030",
            VALID_AWARD,
            "Valid This badge was issued by Northwind Cloud Academy",
            "Printed on December 1, 2026; status as of that day.",
            "scan the code or open:",
        ):
            assert expected in text, (paper, expected)
        assert _qr_codes_in(pdf, tmp_path) == [page_url], paper
    assert visit.errors == []


def test_a_certificate_prints_the_status_of_the_day_it_is_printed(open_page, tmp_path) -> None:
    later = open_page("award-valid", clock=dt.datetime(2030, 6, 1, 12, tzinfo=dt.timezone.utc))
    pages, text, _ = _print_to_pdf(later.page, tmp_path, "A4")
    assert pages == 1
    assert "Expired This badge expired on May 9, 2030." in text
    assert "Printed on June 1, 2030; status as of that day." in text
    revoked = open_page("award-revoked")
    pages, text, _ = _print_to_pdf(revoked.page, tmp_path, "Letter")
    assert pages == 1 and "Revoked The issuer revoked this badge." in text
    assert "Valid" not in text


def test_linkedin_values_copy_with_or_without_the_clipboard_api(
    open_page, shared_context, served
) -> None:
    page = open_page("award-valid").page
    expected = {**LINKEDIN_VALUES, "url": f"{served.base_url}assertions/{VALID_AWARD}/"}
    for key, value in expected.items():
        assert page.locator(f"#linkedin-{key}").inner_text() == value
        page.click(f"button[data-copy='linkedin-{key}']")
        page.wait_for_function(
            f"document.querySelector('[data-copy-result=\"linkedin-{key}\"]').textContent !== ''"
        )
        assert page.evaluate("navigator.clipboard.readText()") == value, key
    # Without the Clipboard API (a page served over plain HTTP): the value is selected, so
    # that the earner copies it by hand if the browser's own copy command fails too.
    fallback = shared_context.new_page()
    try:
        fallback.add_init_script(
            "Object.defineProperty(navigator, 'clipboard', {value: undefined})"
        )
        fallback.goto(served.base_url + served.pages["award-valid"], wait_until="load")
        fallback.click("button[data-copy='linkedin-id']")
        assert fallback.evaluate("window.getSelection().toString()") == VALID_AWARD
    finally:
        fallback.close()
