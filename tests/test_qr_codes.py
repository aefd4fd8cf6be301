"""QR codes are segno's, module for module, though made without segno's slow mask search:
the mask badgesite chooses is the one segno chooses, and every code reads back as its text."""

from __future__ import annotations

from pathlib import Path

import pytest
import segno
from hypothesis import example, given, settings
from hypothesis import strategies as st

from badgesite.templating import qr_codes
from test_credential_offer import _decoded, _modules

# Award URLs of the shapes a site publishes, at lengths that take QR versions 3 to 9.
AWARD_URLS = [
    f"https://{host}/{prefix}assertions/{award}/{leaf}"
    for host in ("b.example", "badges.harbour-lab.example", "credentials.university.example.org")
    for prefix in ("", "pages/", "a/much/longer/path/prefix/")
    for award in ("a1", "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01")
    for leaf in ("", "credential.json")
]


def _segno(text: str) -> list[list[bool]]:
    code = segno.make(text, error=qr_codes.ERROR_LEVEL, micro=False)
    return [[bool(m) for m in row] for row in code.matrix_iter(border=qr_codes.QUIET_ZONE)]


def _ours(text: str) -> list[list[bool]]:
    size, path = qr_codes.qr_modules(text)
    box = f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}"'
    return _modules(f'<svg {box}><path d="{path}"/></svg>')


def test_award_urls_make_segnos_codes() -> None:
    masks = set()
    for url in AWARD_URLS:
        assert _ours(url) == _segno(url), url
        masks.add(segno.make(url, error=qr_codes.ERROR_LEVEL, micro=False).mask)
    assert len(masks) >= 6  # the choice among masks is exercised, not one mask every time


def test_segnos_mask_search_does_not_run(monkeypatch) -> None:
    """Its evaluation of the 8 masks, module by module in Python, was most of a code's cost."""

    def not_run(*args: object) -> None:
        raise AssertionError("segno evaluated a mask")

    monkeypatch.setattr(segno.encoder, "evaluate_mask", not_run)
    url = AWARD_URLS[-1]
    expected = _ours(url)
    monkeypatch.undo()
    assert expected == _segno(url)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=300))
@example("x")  # the smallest code, version 1
@example("https://badges.example.org/assertions/x/credential.json")
@example("1" * 2000)  # numeric mode, a large version with version information
def test_any_text_makes_segnos_code(text: str) -> None:
    assert _ours(text) == _segno(text)


def test_a_code_of_each_mask_reads_back_as_its_text(tmp_path: Path) -> None:
    by_mask: dict[int, str] = {}
    for url in AWARD_URLS:
        by_mask.setdefault(segno.make(url, error=qr_codes.ERROR_LEVEL, micro=False).mask, url)
    for url in by_mask.values():
        assert _decoded(str(qr_codes.qr_svg(url)), tmp_path) == url
