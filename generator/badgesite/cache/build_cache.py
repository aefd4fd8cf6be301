"""The build cache: each output's fingerprint and file state from the last build, or none."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from badgesite.cache import code_identity
from badgesite.cache.store import BuildStores

# Output path -> (fingerprint, size, mtime_ns).
_SHAPE = {str: (str, int, int)}


@dataclass(frozen=True, slots=True)
class FileState:
    """What an output file looked like right after it was written: changed since means
    someone else touched it, so it is made again."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path | str) -> FileState | None:
        try:
            return cls.of_status(os.stat(path))
        except OSError:
            return None

    @classmethod
    def of_status(cls, status: os.stat_result) -> FileState:
        return cls(status.st_size, status.st_mtime_ns)


@dataclass(frozen=True)
class BuildIdentity:
    """What a cache must have been made for to be trusted (and by: badgesite's code)."""

    site_dir: str
    output_dir: str
    base_url: str
    theme: str

    @classmethod
    def of(cls, site_dir: Path, output_dir: Path, base_url: str, theme: str) -> BuildIdentity:
        return cls(str(site_dir), str(output_dir), base_url, theme)

    def key(self) -> str:
        return code_identity.identity(
            "outputs", self.site_dir, self.output_dir, self.base_url, self.theme
        )


@dataclass(frozen=True)
class BuildCache:
    identity: BuildIdentity
    fingerprints: Mapping[str, str]
    files: Mapping[str, FileState]

    def is_current(self, path: str, fingerprint: str, output_dir: Path) -> bool:
        """Whether the output at path was made from the same things and is untouched."""
        recorded = self.files.get(path)
        return (
            recorded is not None
            and self.fingerprints.get(path) == fingerprint
            and FileState.of(os.path.join(output_dir, path)) == recorded
        )


def forget(stores: BuildStores) -> None:
    """Drop the cache before output/ changes, so a build cut short is never trusted."""
    stores.outputs.forget()


def read(stores: BuildStores, identity: BuildIdentity) -> BuildCache | None:
    """The cache of the last build, or None when missing, damaged or made for another
    site, output folder, base URL, theme or badgesite."""
    stored = stores.outputs.read(identity.key(), _SHAPE)
    if stored is None:
        return None
    fingerprints = {path: fingerprint for path, (fingerprint, _, _) in stored.items()}
    files = {path: FileState(size, mtime_ns) for path, (_, size, mtime_ns) in stored.items()}
    return BuildCache(identity, fingerprints, files)


def save(stores: BuildStores, cache: BuildCache) -> None:
    stores.outputs.write(
        cache.identity.key(),
        {
            path: (fingerprint, cache.files[path].size, cache.files[path].mtime_ns)
            for path, fingerprint in cache.fingerprints.items()
            if path in cache.files
        },
    )
