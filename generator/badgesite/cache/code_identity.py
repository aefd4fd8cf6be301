"""The one hash of every cache, and the one identity of what made a stored thing."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from badgesite import __version__

# The libraries whose versions can change what badgesite makes (pages, images, parsed
# records): a new one must not reuse what the old one made. Named as their dist-info
# folders spell them (PEP 503 normalized, "_" for "-").
LIBRARIES = (
    "babel",
    "jinja2",
    "markdown",
    "markupsafe",
    "nh3",
    "pillow",
    "python_slugify",
    "pyyaml",
    "resvg_py",
    "text_unidecode",
    "zxing_cpp",
)


def hash_bytes(data: bytes | memoryview) -> str:
    """The one hash of the caches: BLAKE2b, 160 bits, as hex."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def hash_parts(parts: Iterable[str]) -> str:
    # One update per hash: feeding the parts one by one costs more than hashing them.
    text = "\x00".join(parts) + "\x00"
    return hash_bytes(text.encode("utf-8", "surrogatepass"))


def file_hash(path: Path) -> str:
    return hash_bytes(path.read_bytes())


@cache
def code_fingerprint() -> str:
    """badgesite's version, every file of its package (code, fonts, scaffold) and the
    versions of the libraries it makes things with: a change to how things are made, even
    without a new release, must not reuse what the old code made."""
    package = Path(__file__).resolve().parents[1]
    files = sorted(
        path
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )
    return hash_parts(
        [
            __version__,
            *library_versions(),
            *(f"{p.relative_to(package)}:{file_hash(p)}" for p in files),
        ]
    )


def identity(*parts: str) -> str:
    """What a stored thing must have been made by and for to be reused: badgesite's code
    (code_fingerprint) and the parts that store names (folders, settings, inputs)."""
    return hash_parts([code_fingerprint(), *parts])


def library_versions() -> list[str]:
    """The version of each of LIBRARIES ("name 1.0"), from the first dist-info (or egg-info) folder
    on sys.path that names it, as an import would find it. importlib.metadata would take
    longer to import than a no-op build takes to run."""
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            stem, dot, suffix = name.rpartition(".")
            if not dot or suffix not in ("dist-info", "egg-info"):
                continue
            project, _, version = stem.partition("-")
            key = project.lower().replace("-", "_").replace(".", "_")
            if key in LIBRARIES and key not in found:
                found[key] = version.partition("-")[0]  # egg-info: name-1.0-py3.11
    return [f"{name} {found.get(name, 'none')}" for name in LIBRARIES]
