"""The award page offers its Open Badges 3.0 credential: a download, its URL to copy, a QR
code of that URL made at build time, VerifierPlus, and how it verifies under both standards;
only when the build publishes the credential."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
import resvg_py
import zxingcpp

from badgesite import urls
from badgesite.build import build, load_site
from badgesite.plan import Plan, plan_site
from badgesite.render import Renderer
from badgesite.templating.qr_codes import QUIET_ZONE, qr_svg
from badgesite.templating.sharing import verifierplus_url
from badgesite.templating.themes import resolve_theme_chain
from helpers import FIXED_NOW, write
from loopback import serve_folder
from test_browser import _serious_violations

SOLDERING_AWARD = "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01"  # Ada's, valid
REVOKED_AWARD = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c04"  # Bo's, revoked
BASE_URL = "https://badges.harbour-lab.example/pages/"
SVG = "{http://www.w3.org/2000/svg}"


def _section(page: str) -> str:
    found = re.search(r'<section class="panel credential" id="credential".*?</section>', page, re.S)
    assert found, "no credential section"
    return found.group(0)


def _svg(html: str) -> str:
    found = re.search(r"<svg class=\"qr-code\".*?</svg>", html, re.S)
    assert found, "no QR code"
    return found.group(0)


def _modules(svg: str) -> list[list[bool]]:
    """The dark modules the SVG's path draws, row by row."""
    root = ET.fromstring(svg)
    size = int(root.get("viewBox").split()[2])
    grid = [[False] * size for _ in range(size)]
    path = root.find(f"{SVG}path").get("d")
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path):
        for column in range(int(x), int(x) + int(width)):
            grid[int(y)][column] = True
    return grid


def _library_modules(text: str) -> list[list[bool]]:
    """The dark modules of zxing-cpp's QR code of text, with the quiet zone around it."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    pixels = memoryview(code.to_image(scale=1, add_quiet_zones=False))
    width = pixels.shape[0]
    light = [False] * (width + 2 * QUIET_ZONE)
    rows = [
        [False] * QUIET_ZONE + [pixels[y, x] == 0 for x in range(width)] + [False] * QUIET_ZONE
        for y in range(width)
    ]
    return (
        [list(light) for _ in range(QUIET_ZONE)] + rows + [list(light) for _ in range(QUIET_ZONE)]
    )


def _decoded(svg: str, folder: Path) -> str:
    """What a QR reader reads in the SVG: zbarimg (Debian's zbar-tools, an implementation
    independent of zxing-cpp, which made the code) on a rendering of it."""
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg is not installed (apt-get install zbar-tools)")
    png = folder / "qr.png"
    png.write_bytes(bytes(resvg_py.svg_to_bytes(svg_string=svg, width=400, height=400)))
    done = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def built(site: Path) -> Path:
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    return output


def test_the_award_page_offers_the_credential(built: Path, tmp_path: Path) -> None:
    path = urls.award_credential(SOLDERING_AWARD)
    credential_url = BASE_URL + path
    assert (built / path).is_file()
    section = _section((built / urls.file_path(urls.award_page(SOLDERING_AWARD))).read_text())
    assert (
        f'href="../../{path}" type="application/ld+json" '
        f'download="soldering-{SOLDERING_AWARD}.json"'
    ) in section
    box = re.search(r'<textarea id="credential-url"[^>]*>(.*?)</textarea>', section, re.S)
    assert box and unescape(box.group(1)) == credential_url
    assert 'data-copy="credential-url"' in section
    verifier = re.search(r'href="(https://verifierplus\.org/[^"]*)"', section)
    assert verifier and unescape(verifier.group(1)) == (
        "https://verifierplus.org/#verify?vc=" + quote(credential_url, safe="")
    )
    svg = _svg(section)
    assert _modules(svg) == _library_modules(credential_url)
    assert "Learner Credential Wallet" in section
    # Both standards, each linked to its document.
    assert f'href="../../{urls.award_json(SOLDERING_AWARD)}"' in section
    assert "Open Badges 2.0" in section and "Open Badges 3.0" in section
    assert "did:web" in section
    assert _decoded(svg, tmp_path) == credential_url


def test_the_offer_is_in_german_on_a_german_site(site: Path) -> None:
    write(site, "content/site.yaml", (site / "content/site.yaml").read_text() + "language: de\n")
    output = site / "output"
    report = build(site, output, now=FIXED_NOW)
    assert report.warnings == ()  # every language of the theme has the new texts
    section = _section((output / urls.file_path(urls.award_page(SOLDERING_AWARD))).read_text())
    assert "Nachweis herunterladen (JSON)" in section
    assert 'aria-label="QR-Code der URL des Nachweises"' in section
    assert "Download the credential" not in section


def test_no_offer_when_the_build_does_not_publish_the_credential(site: Path) -> None:
    loaded = load_site(site)
    chain = resolve_theme_chain("default", site)
    plan = plan_site(loaded, chain, FIXED_NOW, credentials=True)
    award = loaded.awards[SOLDERING_AWARD]
    page = next(output for output in plan.outputs if output.subject is award)
    credential = urls.award_credential(award.id)
    without = Plan(tuple(output for output in plan.outputs if output.path != credential))
    assert 'id="credential"' in Renderer(loaded, plan, chain, FIXED_NOW).page(page)
    rendered = Renderer(loaded, without, chain, FIXED_NOW).page(page)
    assert 'id="credential"' not in rendered and "credential.json" not in rendered
    assert "QR code of the credential URL" not in rendered  # the certificate's code remains


def test_a_revoked_award_offers_no_wallet_but_can_still_be_verified(built: Path) -> None:
    page = (built / urls.file_path(urls.award_page(REVOKED_AWARD))).read_text()
    section = _section(page)
    assert "verifierplus.org" in section and "credential-url" in section
    assert "qr-code" not in section and "Learner Credential Wallet" not in section


def test_the_qr_code_is_a_safe_scalable_svg_with_a_name() -> None:
    svg = str(qr_svg("https://example.org/a?b=1&c=<2>", 'Code "of" <this>'))
    assert not svg.startswith("<?xml") and "<?xml" not in svg
    root = ET.fromstring(svg)  # well-formed: the label and text are escaped
    assert root.tag == f"{SVG}svg"
    assert [child.tag for child in root] == [f"{SVG}title", f"{SVG}rect", f"{SVG}path"]
    assert root.find(f"{SVG}title").text == 'Code "of" <this>'
    assert root.get("role") == "img" and root.get("aria-label") == 'Code "of" <this>'
    size = len(_modules(svg))
    assert root.get("viewBox") == f"0 0 {size} {size}"
    assert set(root.attrib) <= {
        "class",
        "viewBox",
        "width",
        "height",
        "role",
        "aria-label",
        "shape-rendering",
    }
    assert re.fullmatch(r"(M\d+ \d+h\d+v1h-\d+z)+", root.find(f"{SVG}path").get("d"))
    assert "script" not in svg and "href" not in svg
    # Without a label, the text itself names the code.
    assert ET.fromstring(str(qr_svg("hello"))).get("aria-label") == "hello"


def test_qr_code_reads_back_as_its_text(tmp_path: Path) -> None:
    text = "https://badges.example.org/assertions/x/credential.json"
    assert _decoded(str(qr_svg(text)), tmp_path) == text


def test_verifierplus_link_encodes_the_whole_url() -> None:
    url = "https://h.example/p/assertions/a b/credential.json?x=1&y=2#z"
    link = verifierplus_url(url)
    prefix = "https://verifierplus.org/#verify?vc="
    assert link.startswith(prefix)
    encoded = link[len(prefix) :]
    assert unquote(encoded) == url
    assert not set(":/?&#= ") & set(encoded)


@pytest.mark.parametrize(
    ("language", "copied"), [("en", "Copied."), ("de", "Kopiert.")], ids=["en", "de"]
)
def test_in_chromium_the_offer_copies_downloads_prints_and_passes_axe(
    browser, site: Path, language: str, copied: str
) -> None:
    if language != "en":
        config = (site / "content/site.yaml").read_text()
        write(site, "content/site.yaml", config + f"language: {language}\n")
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    credential_url = BASE_URL + urls.award_credential(SOLDERING_AWARD)
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        with serve_folder(output) as base:
            page.goto(base + urls.award_page(SOLDERING_AWARD), wait_until="load")
            offer = page.locator("#credential")
            assert offer.get_attribute("aria-labelledby") == "credential-title"
            assert _serious_violations(page) == []
            page.click("button[data-copy='credential-url']")
            page.wait_for_function(
                "document.querySelector('[data-copy-result=\"credential-url\"]').textContent !== ''"
            )
            assert page.evaluate("navigator.clipboard.readText()") == credential_url
            assert page.locator("[data-copy-result='credential-url']").inner_text() == copied
            with page.expect_download() as download:
                page.click("[data-credential-download]")
            assert download.value.suggested_filename == f"soldering-{SOLDERING_AWARD}.json"
            qr = offer.locator("svg.qr-code")
            box = qr.bounding_box()
            assert box and 100 <= box["width"] == box["height"] <= 200  # scaled by the CSS
            page.emulate_media(media="print")  # the page prints as its certificate
            assert offer.is_hidden() and page.locator(".certificate svg.qr-code").is_visible()
    finally:
        context.close()


def test_qr_codes_are_made_once_and_read_back_from_the_image_cache(
    site: Path, tmp_path: Path, monkeypatch
) -> None:
    """A QR code costs milliseconds per award page: a page rendered again (a new day, another
    template, a fresh checkout with the cache restored) reads its code from the image cache."""
    real = zxingcpp.create_barcode
    made: list[str] = []

    def counting(text, *options, **named):
        made.append(text)
        return real(text, *options, **named)

    monkeypatch.setattr(zxingcpp, "create_barcode", counting)
    cache = tmp_path / "cache"
    build(site, tmp_path / "first", now=FIXED_NOW, cache_dir=cache)
    pages = list((tmp_path / "first").glob("assertions/*/index.html"))
    with_code = [page for page in pages if '<svg class="qr-code"' in page.read_text()]
    # Each code made once (a page shows the credential's and, for print, its own URL's).
    assert with_code and len(made) == len(set(made)) >= len(with_code)
    made.clear()
    build(site, tmp_path / "second", now=FIXED_NOW, cache_dir=cache, clean=True)
    assert made == []
    for page in with_code:
        assert (tmp_path / "second" / page.relative_to(tmp_path / "first")).read_bytes() == (
            page.read_bytes()
        )
