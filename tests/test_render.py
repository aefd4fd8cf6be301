"""render: sanitized markdown, translations with an English fallback, escaping of content."""

from __future__ import annotations

from pathlib import Path

import pytest

from badgesite.build import build
from badgesite.errors import BuildError
from badgesite.render import MarkdownRenderer, Translations
from badgesite.themes import resolve_theme_chain
from conftest import FIXED_NOW, write


def test_markdown_is_rendered_and_sanitized() -> None:
    render = MarkdownRenderer()
    assert render("Some *emphasis*") == "<p>Some <em>emphasis</em></p>"
    dangerous = render(
        "<script>alert(1)</script> [x](javascript:alert(1)) <img src=https://evil.example/t.png>"
        ' <a href="https://ok.example/" onclick="steal()">ok</a>'
    )
    assert "<script" not in dangerous and "javascript:" not in dangerous
    assert "<img" not in dangerous and "onclick" not in dangerous
    assert 'href="https://ok.example/"' in dangerous


def test_translations_fall_back_to_english(site: Path) -> None:
    write(site, "themes/plain/theme.yaml", "name: plain\n")
    write(site, "themes/plain/i18n/it.yaml", "nav_home: Pagina iniziale\n")
    chain = resolve_theme_chain("plain", site)
    italian = Translations(chain, "it")  # the built-in themes have no Italian
    assert italian("nav_home") == "Pagina iniziale"
    assert italian("status_valid") == "Valid"
    with pytest.raises(BuildError, match="no text for 'no_such_key'"):
        italian("no_such_key")


def test_content_is_escaped_in_pages(site: Path) -> None:
    write(
        site,
        "content/earners/ada.yaml",
        'name: "Ada <script>alert(1)</script>"\nheadline: "<b onmouseover=x>hi</b>"\n'
        "bio: \"<iframe src='https://evil.example'></iframe> fine\"\n",
    )
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    page = (output / "earners/ada/index.html").read_text()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<b onmouseover" not in page
    assert "<iframe" not in page and "fine" in page
