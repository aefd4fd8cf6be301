"""Lints run by `badgesite check` and before every build: mistakes the model cannot see."""

from __future__ import annotations

import html
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from badgesite.config import SiteConfig
from badgesite.errors import ERROR, WARNING, ContentError, ContentErrors, Finding
from badgesite.guards.published import Reconciliation, withdrawn_path
from badgesite.load import display_path, not_a_regular_file, read_yaml
from badgesite.model import Site
from badgesite.primitives.png_chunks import (
    MAX_TEXT_BYTES,
    TEXT_CHUNKS,
    PngDamaged,
    PngTextDamaged,
    is_png,
    read_text_chunk,
    walk_png,
)
from badgesite.templating.themes import (
    FALLBACK_LANGUAGE,
    Theme,
    ThemeChain,
    read_texts,
    setting_line,
    translation_codes,
)
from badgesite.urls import PLACEHOLDER_BASE_URL

SCANNED_SUFFIXES = (".yaml", ".yml", ".txt", ".md", ".csv", ".svg", ".json", ".html", ".png")
MAX_SCANNED_BYTES = 5 * 1024 * 1024
MAX_PNG_TEXT_BYTES = MAX_TEXT_BYTES
# Bytes without which a text file holds no address, even encoded: `@`, a character
# reference (`&#64;`), an escape (`\u0040` in YAML or JSON, `\@` in markdown) or an at
# sign that NFKC folds into `@` (fullwidth U+FF20, small U+FE6B).
_MARKERS = (b"@", b"&", b"\\", "\uff20".encode(), "\ufe6b".encode())
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
SCANNED_FOLDERS = ("content", "templates", "themes")
# A match starts only where a run of address characters starts (the lookbehind): without it,
# each position of a long run that ends in no address is tried again, in quadratic time.
EMAIL_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class CheckFailed(ContentErrors):
    """Content errors, with the warnings found alongside them."""

    def __init__(self, errors: Iterable[ContentError], warnings: Iterable[Finding] = ()) -> None:
        super().__init__(errors)
        self.warnings: tuple[Finding, ...] = tuple(sorted(set(warnings)))


def errors_of(findings: Iterable[Finding]) -> list[ContentError]:
    return [finding.problem for finding in findings if finding.severity == ERROR]


def warnings_of(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == WARNING]


def _warning(path: str, line: int, field: str, message: str) -> Finding:
    return Finding(WARNING, ContentError(path, line, field, message))


def _error(path: str, line: int, field: str, message: str) -> Finding:
    return Finding(ERROR, ContentError(path, line, field, message))


def lint_files(site_dir: Path) -> list[Finding]:
    """Lints on the files themselves, which run even when records do not parse.

    One walk serves both lints; a symlink costs a resolve, any other file none (a file in a
    folder that is not a symlink cannot lead out of the site). It runs before every build,
    so it walks with os.scandir, whose entries know their type without another system call.
    """
    findings: list[Finding] = []
    root = site_dir.resolve()
    allowed = _issuer_addresses(site_dir)
    for folder_name in SCANNED_FOLDERS:
        folder = site_dir / folder_name
        if folder.is_symlink():
            findings.extend(_escaping(folder, root, site_dir))
            continue
        if not folder.is_dir():
            continue
        pending = [str(folder)]
        while pending:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    if entry.is_symlink():
                        escaping = list(_escaping(Path(entry.path), root, site_dir))
                        findings.extend(escaping)
                        if escaping or entry.is_dir():
                            continue  # never read what lies outside; never walk a link twice
                    if entry.is_dir():
                        pending.append(entry.path)
                    elif not entry.is_file():
                        findings.extend(_special_file(entry.path, site_dir))
                    elif folder_name == "content" and entry.name.lower().endswith(SCANNED_SUFFIXES):
                        findings.extend(_plain_email_addresses(entry.path, site_dir, allowed))
    return sorted(findings)


def _special_file(path: str, site_dir: Path) -> Iterator[Finding]:
    """A FIFO, socket or device is refused, never opened: reading one would hang the build."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # a dangling symlink: whatever reads it says it cannot
    yield _error(display_path(Path(path), site_dir), 0, "", not_a_regular_file(mode))


def _escaping(path: Path, root: Path, site_dir: Path) -> Iterator[Finding]:
    if not path.resolve().is_relative_to(root):
        yield _error(
            display_path(path, site_dir),
            0,
            "",
            f"is a symlink to {os.readlink(path)}, outside the site; refused (a build "
            "would publish or read files that are not part of the site)",
        )


def _issuer_addresses(site_dir: Path) -> set[str]:
    """The issuers' contact addresses: public on purpose, so never flagged."""
    addresses: set[str] = set()
    folder = site_dir / "content" / "issuers"
    if not folder.is_dir():
        return addresses
    for path in folder.glob("*.yaml"):
        parsed = read_yaml(path, site_dir)
        if isinstance(parsed, ContentError):
            continue  # the loader reports it
        data = parsed[0]
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            addresses.add(data["email"].strip().lower())
    return addresses


def _json_strings(value: Any, key: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from _json_strings(child, str(child_key))
    elif isinstance(value, list):
        for child in value:
            yield from _json_strings(child, key)
    elif isinstance(value, str) and key != "email":  # an issuer's public contact address
        yield value


def _yaml_strings(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every string of decoded YAML (keys too), with the key path that locates it."""
    if isinstance(value, dict):
        for child_key, child in value.items():
            if isinstance(child_key, str):
                yield path, child_key
            yield from _yaml_strings(child, (*path, child_key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _yaml_strings(child, (*path, index))
    elif isinstance(value, str):
        yield path, value


def as_published(text: str) -> str:
    """text as readers see it once published: character references (`&#64;`, `&#x40;`,
    `&commat;`, as HTML, markdown and XML decode them) and markdown's backslash escapes
    (`\\@`) resolved, and compatibility forms folded (NFKC: the fullwidth at sign U+FF20
    reads as `@`)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if "&" in text:
        text = html.unescape(text)
    if "\\" in text:
        text = _MARKDOWN_ESCAPE.sub(r"\1", text)
    return text


def addresses_in(text: str) -> list[str]:
    """The email addresses a reader would see in text once it is published."""
    return [match.group() for match in EMAIL_IN_TEXT.finditer(as_published(text))]


def _mask(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"


def _read_scanned(path: str) -> bytes | None:
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_SCANNED_BYTES + 1)
    except OSError:
        return None
    return None if len(data) > MAX_SCANNED_BYTES else data  # the loaders refuse such files


def _plain_email_addresses(path: str, site_dir: Path, allowed: set[str]) -> Iterator[Finding]:
    """Addresses in a file of content/, found in what it publishes: decoded as its readers
    decode it (YAML escapes, character references, JSON escapes, PNG text chunks)."""
    data = _read_scanned(path)
    if data is None:
        return
    lowered = path.lower()
    if lowered.endswith(".png"):
        found = [(0, address, where) for address, where in _png_text_addresses(data)]
    else:
        if not any(marker in data for marker in _MARKERS):
            return  # no address, entity or escape: the common case costs one scan
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return
        if lowered.endswith(".json"):
            try:
                strings = list(_json_strings(json.loads(text)))
            except (ValueError, RecursionError):
                return
            found = [(0, address, "") for item in strings for address in addresses_in(item)]
        else:
            found = [
                (number, address, "")
                for number, line in enumerate(text.split("\n"), start=1)
                for address in addresses_in(line)
            ]
            if lowered.endswith((".yaml", ".yml")) and "\\" in text:
                found += _yaml_escaped_addresses(Path(path), site_dir, {a for _, a, _ in found})
    shown = display_path(Path(path), site_dir)
    for line, address, where in found:
        if address.lower() in allowed:
            continue
        yield _warning(
            shown,
            line,
            "",
            f"plain email address '{_mask(address)}'{where}: everything in content/ is public "
            "once the site or its repository is. Remove it; recipients are stored only as "
            "hashes (`badgesite award --email` makes them)",
        )


def _yaml_escaped_addresses(
    path: Path, site_dir: Path, seen: set[str]
) -> list[tuple[int, str, str]]:
    """Addresses that only the decoded YAML shows (`\\u0040`, `\\x40`, escaped line breaks)."""
    parsed = read_yaml(path, site_dir)
    if isinstance(parsed, ContentError):
        return []  # the loader reports it
    data, locator = parsed
    found = []
    for key_path, value in _yaml_strings(data):
        for address in addresses_in(value):
            if address not in seen:
                seen.add(address)
                found.append(
                    (locator.line(key_path), address, " (once its YAML escapes are decoded)")
                )
    return found


def _png_text_addresses(data: bytes) -> Iterator[tuple[str, str]]:
    """(address, where) for each address in a PNG's tEXt, zTXt and iTXt chunks.

    Every copy of the image in the repository carries these chunks. A chunk the decoder
    refuses (damaged, not UTF-8, over MAX_PNG_TEXT_BYTES) is scanned as its stored bytes:
    an address written plainly into it is there for anyone who reads the file.
    """
    if not is_png(data) or not any(kind in data for kind in TEXT_CHUNKS):
        return
    try:
        layout = walk_png(data)
    except PngDamaged:
        return  # the image checks report a damaged file
    for chunk in layout.chunks:
        if chunk.kind not in TEXT_CHUNKS:
            continue
        body = chunk.body(data)
        try:
            decoded = read_text_chunk(chunk.kind, body, MAX_PNG_TEXT_BYTES)
        except PngTextDamaged:
            keyword = body.partition(b"\0")[0].decode("latin-1")
            strings = [keyword, body.decode("latin-1")]
        else:
            parts = (decoded.keyword, decoded.language, decoded.translated_keyword)
            keyword = " ".join(part for part in parts if part)
            strings = [keyword]
            try:  # a baked assertion: the issuer's address in it is public
                strings += _json_strings(json.loads(decoded.text))
            except (ValueError, RecursionError):
                strings.append(decoded.text)
        shown_keyword = "".join(c for c in as_published(keyword) if c.isprintable())[:40]
        where = f" in its PNG {chunk.kind.decode()} chunk '{shown_keyword}'"
        for string in strings:
            for address in addresses_in(string):
                yield address, where


def lint_settings(config: SiteConfig, site_dir: Path) -> list[Finding]:
    """Lints of site.yaml alone, which run even when records have errors."""
    return list(_base_url(config, site_dir))


def lint_site(site: Site, reconciliation: Reconciliation) -> list[Finding]:
    """Lints that need the validated site."""
    findings: list[Finding] = []
    findings.extend(_linkedin(site))
    findings.extend(_images(site))
    shown = display_path(withdrawn_path(site.root), site.root)
    # An id withdrawn twice is shown at its first line.
    withdrawn = reversed(reconciliation.record.withdrawn)
    withdrawn_lines = {item.award_id: item.line for item in withdrawn}
    for award_id in reconciliation.withdrawn_but_published:
        findings.append(
            _warning(
                shown,
                withdrawn_lines[award_id],
                "",
                f"award '{award_id}' is recorded as withdrawn but is still published",
            )
        )
    return findings


def _base_url(config: SiteConfig, site_dir: Path) -> Iterator[Finding]:
    source = config.source
    line = setting_line(site_dir, "base_url")
    base_url = config.base_url
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if base_url == PLACEHOLDER_BASE_URL:
        yield _warning(
            source,
            line,
            "base_url",
            f"still the placeholder '{base_url}': set it to the address the site is published "
            "at, before the first award is shared (award URLs are permanent)",
        )
    if parts.scheme != "https" and host not in _LOCAL_HOSTS:
        yield _warning(
            source,
            line,
            "base_url",
            f"'{base_url}' is not https: verifiers, browsers and LinkedIn expect https, and "
            "GitHub Pages and Netlify serve it",
        )
    if host.endswith(".github.io") and parts.path in ("", "/"):
        owner = host.removesuffix(".github.io")
        yield _warning(
            source,
            line,
            "base_url",
            f"'{base_url}' has no repository path: a GitHub Pages project site lives at "
            f"https://{owner}.github.io/REPO/ (only a repository named {host} is served at "
            "the root)",
        )


def _linkedin(site: Site) -> Iterator[Finding]:
    for issuer in site.issuers.values():
        value = issuer.linkedin_organization_id
        if value and int(value) <= 0:
            yield _error(
                issuer.source,
                0,
                "linkedin_organization_id",
                f"'{value}' is not a LinkedIn organization id: use the company's positive "
                "numeric id (the number in its page admin URL)",
            )


def _images(site: Site) -> Iterator[Finding]:
    used: set[Path] = set()
    for badge in site.badges.values():
        used.add(badge.image.path.resolve())
        if badge.image.width != badge.image.height:
            yield _warning(
                badge.source,
                0,
                "image",
                f"'{badge.image.path.name}' is {badge.image.width}x{badge.image.height}: badge "
                "images are shown square, so it will be cropped or padded",
            )
    for issuer in site.issuers.values():
        if issuer.image is not None:
            used.add(issuer.image.path.resolve())
    for earner in site.earners.values():
        if earner.image is not None:
            used.add(earner.image.path.resolve())
    images_dir = site.root / "content" / "images"
    if not images_dir.is_dir():
        return
    for path in sorted(images_dir.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.resolve() not in used:
            yield _warning(
                display_path(path, site.root),
                0,
                "",
                "not used by any record (delete it, or refer to it as an image)",
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
            _warning(
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
            _warning(
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
