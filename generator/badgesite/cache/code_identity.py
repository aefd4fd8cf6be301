"""badgesite's own code as one hash, so nothing made by other code is ever reused."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from badgesite import __version__


def hash_parts(parts: Iterable[str]) -> str:
    # One update per hash: feeding the parts one by one costs more than hashing them.
    text = "\x00".join(parts) + "\x00"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


def file_hash(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=20).hexdigest()


@cache
def code_fingerprint() -> str:
    """Every file of the badgesite package (code, fonts, scaffold): a change to how
    outputs are made, even without a new release, must not reuse what the old code made."""
    package = Path(__file__).resolve().parents[1]
    files = sorted(
        path
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )
    return hash_parts([__version__, *(f"{p.relative_to(package)}:{file_hash(p)}" for p in files)])
