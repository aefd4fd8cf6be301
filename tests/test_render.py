"""render: sanitized markdown (ours and other issuers'), plain-text descriptions in the JSON,
translations with an English fallback, escaping of content."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from badgesite.build import build
from badgesite.errors import BuildError
from badgesite.render import Translations
from badgesite.templating.markdown_text import MarkdownRenderer, plain_text
from badgesite.templating.themes import resolve_theme_chain
from helpers import EXAMPLE_SITE, FIXED_NOW, write


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


IMPORTED_KEY = "streaming-data-pipelines-13cc6b90"
HOSTILE_MARKDOWN = (
    "Designs **streaming** pipelines.\n\n- exactly-once delivery\n- replay\n\n"
    "<script>alert(1)</script><img src=https://evil.example/t.png onerror=x> "
    "See [the course](https://lighthouse-data.example/c) or [this](javascript:alert(1))."
)


def add_imported_badge(site: Path, description: str, criteria: str = "") -> str:
    """The example site's imported badge, given to Ada of the golden site, with other texts."""
    source = EXAMPLE_SITE / "content/imported"
    target = site / "content/imported"
    shutil.copytree(source / IMPORTED_KEY, target / IMPORTED_KEY)
    snapshot = json.loads((source / f"{IMPORTED_KEY}.json").read_text(encoding="utf-8"))
    snapshot["earner"] = "ada"
    snapshot["badge"]["json"]["description"] = description
    if criteria:
        snapshot["badge"]["json"]["criteria"]["narrative"] = criteria
    (target / f"{IMPORTED_KEY}.json").write_text(json.dumps(snapshot, indent=2), encoding="utf-8")
    return IMPORTED_KEY


def test_imported_markdown_is_rendered_and_sanitized_like_our_own(site: Path) -> None:
    key = add_imported_badge(site, HOSTILE_MARKDOWN, criteria="1. Pass the *final review*")
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    page = (output / f"earners/ada/imported/{key}/index.html").read_text()
    main = page[page.index("<main") :]
    assert "<strong>streaming</strong>" in main and "**" not in main
    assert "<li>exactly-once delivery</li>" in main
    assert "<ol>\n<li>Pass the <em>final review</em></li>" in main
    assert "<script>alert" not in page and "&lt;script" not in page
    assert "evil.example" not in page and "javascript:" not in page
    # Another issuer's links vouch for nothing here.
    link = '<a href="https://lighthouse-data.example/c" rel="nofollow noopener noreferrer ugc">'
    assert link in main
    # The meta description is the words, without markup.
    assert '<meta name="description" content="Designs streaming pipelines.' in page


def test_plain_text_strips_markup_unescapes_and_collapses_whitespace() -> None:
    text = "A **bold** claim &amp; [a link](https://x.example/)\n\n- one\n- two"
    assert plain_text(text) == "A bold claim & a link one two"
    assert plain_text("Use <b>tags</b> &lt;here&gt; & `code`") == "Use tags <here> & code"


def test_open_badges_and_json_ld_descriptions_are_plain_text(site: Path) -> None:
    record = site / "content/badges/soldering.yaml"
    record.write_text(
        record.read_text().replace(
            "description: Passed the practical soldering exam.",
            'description: "Passed the *practical* exam:\\n\\n- irons\\n- [flux](https://flux.example/)"',
        )
    )
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    badge = json.loads((output / "badges/soldering.json").read_text())
    assert badge["description"] == "Passed the practical exam: irons flux"
    issuer = json.loads((output / "issuers/harbour-lab.json").read_text())
    assert issuer["description"] == "A community makerspace by the old harbour."
    page = (output / "badges/soldering/index.html").read_text()
    json_ld = page[page.index('<script type="application/ld+json">') :]
    assert '"description": "Passed the practical exam: irons flux"' in json_ld
    # The page itself still shows the formatting.
    assert "<em>practical</em>" in page
