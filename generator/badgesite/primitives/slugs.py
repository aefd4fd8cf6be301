"""Slugs made from names: the one slugifier, used by everything that makes a slug."""

from __future__ import annotations

import hashlib
import unicodedata

from slugify import slugify as _ascii_slug
from text_unidecode import unidecode

HASH_LENGTH = 8


def slugify(text: str, max_length: int = 0) -> str:
    """`Søren Kowalski` -> `soren-kowalski`, `Иван Петров` -> `ivan-petrov`.

    Letters of every script are transliterated to ASCII (text-unidecode, the same table
    whatever else is installed, so a name always gives the same slug); when nothing is
    left (a name of emoji), a short hash of the name stands in, stable for the same name.
    The result always matches SLUG_PATTERN.
    """
    slug = _ascii_slug(unidecode(text), max_length=max_length)
    if slug:
        return slug
    normalized = unicodedata.normalize("NFC", text).strip().casefold()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:HASH_LENGTH]
