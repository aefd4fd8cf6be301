"""The award page's printable certificate and LinkedIn's values to paste, as built; QR codes
kept in the image cache. (In Chromium, printed to PDF: tests/test_browser.py.)"""

from __future__ import annotations

import re
import shutil
import zlib
from html import unescape
from pathlib import Path

import pytest

from badgesite import urls
from badgesite.build import build
from badgesite.cache.image_cache import ImageCache
from badgesite.templating import qr_codes
from helpers import FIXED_NOW, GOLDEN_SITE, install_golden_key, write
from test_credential_offer import _library_modules, _modules

BASE_URL = "https://badges.harbour-lab.example/pages/"
SOLDERING_AWARD = "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01"  # Ada's, valid, never expires
EXPIRED_AWARD = "7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02"  # Ada's laser cutting, expired
REVOKED_AWARD = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c04"  # Bo's, revoked


def _page(output: Path, award_id: str) -> str:
    return (output / urls.file_path(urls.award_page(award_id))).read_text(encoding="utf-8")


def _certificate(page: str) -> str:
    found = re.search(r'<article class="certificate print-only[^"]*".*?</article>', page, re.S)
    assert found, "no certificate"
    return found.group(0)


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _copy_values(page: str) -> dict[str, str]:
    return {
        key: unescape(value)
        for key, value in re.findall(
            r'<span class="copy-value" id="linkedin-([a-z]+)">([^<]*)</span>', page
        )
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The golden site built once for the tests that only read it."""
    site = tmp_path_factory.mktemp("certificate") / "site"
    shutil.copytree(GOLDEN_SITE, site, ignore=shutil.ignore_patterns(".cache", ".badgesite"))
    install_golden_key(site)
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    return output


def test_the_certificate_names_everything_a_reader_checks(built: Path) -> None:
    page_url = BASE_URL + urls.award_page(EXPIRED_AWARD)
    certificate = _certificate(_page(built, EXPIRED_AWARD))
    text = _text(certificate)
    for expected in (
        "Harbour Lab",
        "Certificate",
        "This certifies that Ada Nkemelu has passed the exam Laser cutting exam",
        "Issued on April 10, 2024",
        "Expires April 10, 2025",
        f"Credential ID {EXPIRED_AWARD}",
        "This badge expired on April 10, 2025.",  # the status judged at build time
        "Status as of this page's last publication.",
        page_url,
    ):
        assert expected in text, expected
    # The script says the day it is printed, and judges the status again then.
    assert 'data-checked-text="Printed on {date}; status as of that day."' in certificate
    assert "data-live-status" in certificate and 'data-expires="2025-04-10' in certificate
    # Its QR code is the page's URL (the wallet's code of the credential is another).
    svg = re.search(r'<svg class="qr-code".*?</svg>', certificate, re.S).group(0)
    assert 'aria-label="QR code of this award&#39;s verification page"' in svg
    assert _modules(svg) == _library_modules(page_url)
    # A print button, shown by the script (no inline script: the theme serves its JS).
    assert '<p class="print-action" data-print hidden><button type="button"' in _page(
        built, EXPIRED_AWARD
    )


def test_a_revoked_award_prints_as_revoked(built: Path) -> None:
    text = _text(_certificate(_page(built, REVOKED_AWARD)))
    assert "Revoked The issuer revoked this badge." in text
    assert "data-revoked" in _certificate(_page(built, REVOKED_AWARD))


def test_linkedin_values_to_paste_match_the_add_to_profile_link(built: Path) -> None:
    page = _page(built, EXPIRED_AWARD)
    assert "If LinkedIn&#39;s form opens empty, copy these values into it:" in page
    assert _copy_values(page) == {
        "name": "Laser cutting exam",
        "organization": "Harbour Lab",
        "issued": "April 2024",
        "expires": "April 2025",
        "id": EXPIRED_AWARD,
        "url": BASE_URL + urls.award_page(EXPIRED_AWARD),
    }
    link = unescape(re.search(r'href="([^"]+)"[^>]*data-share="linkedin-add"', page).group(1))
    assert "issueYear=2024&issueMonth=4&expirationYear=2025&expirationMonth=4" in link
    assert f"certId={EXPIRED_AWARD}" in link
    for key in _copy_values(page):
        assert f'data-copy="linkedin-{key}"' in page
    # No expiry, no expiry to paste.
    assert "expires" not in _copy_values(_page(built, SOLDERING_AWARD))


def test_the_certificate_and_values_are_german_on_a_german_site(site: Path) -> None:
    write(site, "content/site.yaml", (site / "content/site.yaml").read_text() + "language: de\n")
    long_name = "Bo Alexandra Maria-Theresia von Lindqvist-Hohenstein-Wolkenburg"
    write(site, "content/earners/bo.yaml", f"name: {long_name}\nvisibility: unlisted\n")
    output = site / "output"
    assert build(site, output, now=FIXED_NOW).warnings == ()
    page = _page(output, SOLDERING_AWARD)
    assert _copy_values(page)["issued"] == "März 2024"
    assert "Ausstellende Organisation" in page and "Drucken oder als PDF speichern" in page
    text = _text(_certificate(page))
    assert "Hiermit wird bestätigt, dass Ada Nkemelu die folgende Prüfung bestanden hat" in text
    assert "Printed on" not in page and "Issuing organization" not in page
    # Long names are set smaller, so that the certificate stays one page.
    assert '<article class="certificate print-only" ' in page
    long_page = _page(output, REVOKED_AWARD)
    assert '<article class="certificate print-only certificate--long" ' in long_page
    assert long_name in _text(_certificate(long_page))


def test_qr_codes_are_kept_in_the_image_cache(tmp_path: Path, monkeypatch) -> None:
    cache = ImageCache(tmp_path / "cache")
    url = BASE_URL + urls.award_page(SOLDERING_AWARD)
    made = qr_codes.qr_svg(url, "label", cache)
    assert made == qr_codes.qr_svg(url, "label")  # the same code, cached or not
    [stored] = [path for path in (tmp_path / "cache" / "qr").rglob("*") if path.is_file()]
    assert stored.stat().st_size < 2000  # compressed: about 1.3 KB instead of 6 KB

    def not_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the code was made again")

    monkeypatch.setattr(qr_codes.zxingcpp, "create_barcode", not_again)
    assert qr_codes.qr_svg(url, "label", cache) == made


def test_a_cached_qr_code_that_is_not_a_path_is_made_again(tmp_path: Path) -> None:
    """What the cache holds goes into pages as markup: anything but a size and the
    characters of path runs (digits, M, h, v, z, space, hyphen) is not used."""
    cache = ImageCache(tmp_path / "cache")
    url = "https://example.org/a"
    for planted in (
        zlib.compress(b'29 M4 4h7v1h-7z"/><script>alert(1)</script><path d="'),
        b"not compressed at all",
    ):
        key = (qr_codes.ERROR_LEVEL, str(qr_codes.QUIET_ZONE), url)
        cache.get_or_make("qr", key, lambda planted=planted: planted)
        svg = str(qr_codes.qr_svg(url, "", cache))
        assert "script" not in svg and svg == str(qr_codes.qr_svg(url))
        for path in (tmp_path / "cache").rglob("*"):
            if path.is_file():
                path.unlink()
