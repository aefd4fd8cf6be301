"""Markdown to sanitized HTML, and to plain text: the one renderer of every markdown field."""

from __future__ import annotations

import hashlib
import html as html_lib

import markdown as markdown_lib
import nh3
from markupsafe import Markup

# Markdown may format and link, never embed: images would load from other hosts.
ALLOWED_TAGS = nh3.ALLOWED_TAGS - {"img"}
# Links in text other issuers wrote vouch for nothing on this site.
FOREIGN_LINK_REL = "nofollow noopener noreferrer ugc"


class MarkdownRenderer:
    """Markdown to sanitized HTML; each distinct text is rendered once.

    Raw HTML in the markdown goes through the same sanitizer (nh3) as the rendered markup,
    so a text from anyone, our records or another issuer's badge, can only format and link.
    """

    def __init__(self, link_rel: str = "noopener noreferrer") -> None:
        self._cache: dict[str, Markup] = {}
        self._plain_cache: dict[str, str] = {}
        self._converter = markdown_lib.Markdown(extensions=["sane_lists", "smarty"])
        # Plain text keeps the characters the author typed: no typographic quotes.
        self._plain_converter = markdown_lib.Markdown(extensions=["sane_lists"])
        self._link_rel = link_rel

    def __call__(self, text: str) -> Markup:
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        cached = self._cache.get(key)
        if cached is None:
            html = self._converter.reset().convert(text)
            cached = Markup(nh3.clean(html, tags=ALLOWED_TAGS, link_rel=self._link_rel))
            self._cache[key] = cached
        return cached

    def plain(self, text: str) -> str:
        """The markdown's words without markup, entities unescaped, whitespace collapsed: for
        meta descriptions, previews and the `description` of Open Badges and schema.org
        documents, which are plain text."""
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        cached = self._plain_cache.get(key)
        if cached is None:
            words = nh3.clean(self._plain_converter.reset().convert(text), tags=set())
            cached = " ".join(html_lib.unescape(words).split())
            self._plain_cache[key] = cached
        return cached


_SHARED = MarkdownRenderer()


def plain_text(markdown: str) -> str:
    """`markdown` as plain text (see MarkdownRenderer.plain), with one shared renderer."""
    return _SHARED.plain(markdown)
