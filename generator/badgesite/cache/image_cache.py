"""The image cache: processed images stored under a hash of everything that made them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from badgesite.cache.code_identity import identity
from badgesite.cache.store import Store


@dataclass(frozen=True)
class ImageCache:
    """Results by key; folder None keeps nothing. Deleting the folder only costs time."""

    folder: Path | None

    @staticmethod
    def key(*parts: str) -> str:
        """The hash of what made a result: badgesite's code and libraries (Pillow, resvg),
        and the parts its maker names (source digest, size, ...)."""
        return identity("image", *parts)

    def get_or_make(self, kind: str, parts: tuple[str, ...], make: Callable[[], bytes]) -> bytes:
        """The cached result for (kind, parts), or make() stored for next time."""
        if self.folder is None:
            return make()
        key = self.key(kind, *parts)
        store = Store(self.folder / kind / key[:2] / key, "image-1")
        stored = store.read(key, bytes)
        if stored is not None:
            return stored
        data = make()
        store.write(key, data)
        return data
