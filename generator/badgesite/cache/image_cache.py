"""The image cache: processed images stored under a hash of everything that made them."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

import PIL

from badgesite import __version__
from badgesite.primitives.atomic import write_atomic

CACHE_FOLDER = Path(".cache") / "badgesite" / "images"


@cache
def _tool_versions() -> str:
    """Library versions that change output bytes: a new one must not reuse old results."""
    try:
        resvg = metadata.version("resvg-py")
    except metadata.PackageNotFoundError:
        resvg = "none"
    return f"badgesite {__version__}; pillow {PIL.__version__}; resvg-py {resvg}"


@cache
def code_fingerprint(module_file: str) -> str:
    """The hash of the module that makes an image: changing how it is made, even without a
    new release, must not reuse what the old code made."""
    return hashlib.sha256(Path(module_file).read_bytes()).hexdigest()


def default_cache_dir(site_dir: Path) -> Path:
    return site_dir / CACHE_FOLDER


@dataclass(frozen=True)
class ImageCache:
    """Results by key; folder None keeps nothing. Deleting the folder only costs time."""

    folder: Path | None

    @staticmethod
    def key(*parts: str) -> str:
        digest = hashlib.sha256()
        for part in (_tool_versions(), *parts):
            digest.update(part.encode("utf-8") + b"\x00")
        return digest.hexdigest()

    def get_or_make(self, kind: str, parts: tuple[str, ...], make: Callable[[], bytes]) -> bytes:
        """The cached result for (kind, parts), or make() stored for next time."""
        if self.folder is None:
            return make()
        key = self.key(kind, *parts)
        path = self.folder / kind / key[:2] / key
        try:
            return path.read_bytes()
        except OSError:
            pass
        data = make()
        self._store(path, data)
        return data

    @staticmethod
    def _store(path: Path, data: bytes) -> None:
        # A cache that cannot be written (read-only checkout, full disk) only costs time.
        with contextlib.suppress(OSError):
            write_atomic(path, data)
