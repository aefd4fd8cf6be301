"""The email-address lint: plain addresses in content/, found as readers will see them once
published (YAML and JSON escapes, character references, PNG text chunks decoded)."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from badgesite.errors import ContentError, Finding
from badgesite.load import display_path, read_yaml
from badgesite.primitives.png_chunks import (
    MAX_TEXT_BYTES,
    TEXT_CHUNKS,
    PngDamaged,
    PngTextDamaged,
    is_png,
    read_text_chunk,
    walk_png,
)

SCANNED_SUFFIXES = (".yaml", ".yml", ".txt", ".md", ".csv", ".svg", ".json", ".html", ".png")
MAX_SCANNED_BYTES = 5 * 1024 * 1024
MAX_PNG_TEXT_BYTES = MAX_TEXT_BYTES
# Bytes without which a text file holds no address, even encoded: `@`, a character
# reference (`&#64;`), an escape (`\u0040` in YAML or JSON, `\@` in markdown) or an at
# sign that NFKC folds into `@` (fullwidth U+FF20, small U+FE6B).
_MARKERS = (b"@", b"&", b"\\", "\uff20".encode(), "\ufe6b".encode())
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# A match starts only where a run of address characters starts (the lookbehind): without it,
# each position of a long run that ends in no address is tried again, in quadratic time.
EMAIL_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)


def public_addresses(site_dir: Path) -> set[str]:
    """The addresses that are public on purpose, so never flagged: the issuers' contact
    addresses, and the sender and reply-to addresses of site.yaml's `smtp` settings."""
    addresses: set[str] = set()
    settings = read_yaml(site_dir / "content" / "site.yaml", site_dir)
    if not isinstance(settings, ContentError) and isinstance(settings[0], dict):
        smtp = settings[0].get("smtp")
        if isinstance(smtp, dict):
            for key in ("from", "reply_to"):
                if isinstance(smtp.get(key), str):
                    addresses.add(smtp[key].strip().lower())
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


def plain_email_addresses(path: str, site_dir: Path, allowed: set[str]) -> Iterator[Finding]:
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
        yield Finding.warning(
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
            strings = [body.decode("latin-1")]  # the keyword with the rest
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
