"""QR codes: zxing-cpp's code, module for module, drawn as the page's SVG path, and read
back as its text by zbarimg, an independent reader."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from badgesite.templating import qr_codes
from test_credential_offer import _decoded, _library_modules, _modules

# Award URLs of the shapes a site publishes, at lengths that take QR versions 3 to 9.
AWARD_URLS = [
    f"https://{host}/{prefix}assertions/{award}/{leaf}"
    for host in ("b.example", "badges.harbour-lab.example", "credentials.university.example.org")
    for prefix in ("", "pages/", "a/much/longer/path/prefix/")
    for award in ("a1", "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01")
    for leaf in ("", "credential.json")
]


def _ours(text: str) -> list[list[bool]]:
    size, path = qr_codes.qr_modules(text)
    box = f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}"'
    return _modules(f'<svg {box}><path d="{path}"/></svg>')


def test_award_urls_draw_the_librarys_codes() -> None:
    sizes = set()
    for url in AWARD_URLS:
        ours = _ours(url)
        assert ours == _library_modules(url), url
        sizes.add(len(ours))
    assert len(sizes) >= 4  # several versions, not one size every time


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=300))
@example("x")  # the smallest code, version 1
@example("https://badges.example.org/assertions/x/credential.json")
@example("1" * 2000)  # numeric mode, a large version with version information
def test_any_text_draws_the_librarys_code(text: str) -> None:
    assert _ours(text) == _library_modules(text)


@pytest.mark.parametrize(
    "text",
    [
        AWARD_URLS[0],  # the smallest of them
        AWARD_URLS[-1],  # the largest
        "https://b.example/assertions/a1/?name=Zoë+Çelik&x=%C3%A9",
        "1" * 500,  # numeric mode
    ],
)
def test_a_code_reads_back_as_its_text(text: str, tmp_path: Path) -> None:
    assert _decoded(str(qr_codes.qr_svg(text)), tmp_path) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [("x" * 3000, "too long"), ("", "empty"), ("a\ud800b", "no QR code of this text")],
)
def test_a_text_no_code_can_hold_is_a_plain_error(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        qr_codes.qr_modules(text)


def test_codes_are_made_at_error_correction_level_m() -> None:
    """15% of the code may be lost and it still reads: level M, read back from the code."""
    size, _path = qr_codes.qr_modules(AWARD_URLS[-1])
    scale = 4
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(_ours(AWARD_URLS[-1])):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle((x * scale, y * scale, x * scale + 3, y * scale + 3), fill=0)
    [found] = zxingcpp.read_barcodes(image)
    assert found.text == AWARD_URLS[-1] and found.ec_level == "M"
