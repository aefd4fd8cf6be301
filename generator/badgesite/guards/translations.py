"""The translation lint: a site language the theme chain does not translate in full."""

from __future__ import annotations

from pathlib import Path

from badgesite.config import SiteConfig
from badgesite.errors import Finding
from badgesite.templating.themes import (
    FALLBACK_LANGUAGE,
    Theme,
    ThemeChain,
    read_texts,
    setting_line,
    translation_codes,
)

MISSING_KEYS_SHOWN = 12


def lint_translations(theme: ThemeChain, config: SiteConfig) -> list[Finding]:
    """A warning for a site language the theme chain does not translate in full: the pages
    would mix English text into a page that says lang="fr".

    One warning per theme whose English texts lack a translation (at the file to add them
    to), or one at site.yaml's `language` when no theme of the chain has the language at all.
    """
    language = config.language
    if language.split("-")[0] == FALLBACK_LANGUAGE:
        return []  # the language every text is written in
    codes = translation_codes(language)[1:]
    introduced_by: dict[str, Theme] = {}  # each English text, and the theme that adds it
    translated: set[str] = set()
    files_found = False
    for member in reversed(theme.themes):
        for key in _texts(member.texts_file(FALLBACK_LANGUAGE), theme):
            introduced_by.setdefault(key, member)
        for code in codes:
            path = member.texts_file(code)
            if path.is_file():
                files_found = True
                translated.update(_texts(path, theme))
    if not files_found:
        names = ", ".join(member.name for member in theme.themes)
        return [
            Finding.warning(
                config.source,
                setting_line(theme.site_dir, "language"),
                "language",
                f"no translation for '{language}' in the theme (i18n/{codes[0]}.yaml in "
                f'{names}): pages say lang="{language}" but their text is English',
            )
        ]
    missing: dict[Theme, list[str]] = {}
    for key, member in introduced_by.items():
        if key not in translated:
            missing.setdefault(member, []).append(key)
    findings = []
    for member, keys in missing.items():
        existing = [code for code in codes if member.texts_file(code).is_file()]
        target = member.texts_file(existing[-1] if existing else codes[0])
        shown = ", ".join(sorted(keys)[:MISSING_KEYS_SHOWN])
        more = len(keys) - MISSING_KEYS_SHOWN
        listed = f"{shown} and {more} more" if more > 0 else shown
        total = sum(1 for owner in introduced_by.values() if owner == member)
        findings.append(
            Finding.warning(
                theme.shown(target),
                0,
                "",
                f"no '{language}' translation for {len(keys)} of {total} texts, shown in "
                f"English: {listed}",
            )
        )
    return findings


def _texts(path: Path, theme: ThemeChain) -> dict[str, str]:
    if not path.is_file():
        return {}
    return read_texts(path, theme.site_dir, [])  # errors: reported by the theme's translations
