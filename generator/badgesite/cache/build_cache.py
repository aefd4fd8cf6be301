"""The build cache: each output's fingerprint and file state from the last build, or none."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from badgesite.cache import code_identity
from badgesite.cache.store import BuildStores

# Output path -> (fingerprint, size, mtime_ns); then the generation (see Generation).
_SHAPE = ({str: (str, int, int)}, (str, int | None, str | None, int | None, (str, ...)))


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
class Generation:
    """Which build output/ holds, and which one the kept folder beside it (write.py) holds.

    name: a new random name per written build. sealed_ns: the file system's time after
    which the build changed nothing in its folder (None: not known), so that a folder
    changed since (a file added by hand) is told. kept: the name of the build the kept
    folder holds (None: none is kept), kept_sealed_ns: its sealed_ns, and changes: the
    paths whose files differ between the two (written or removed by the last build).
    """

    name: str
    sealed_ns: int | None = None
    kept: str | None = None
    kept_sealed_ns: int | None = None
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildCache:
    identity: BuildIdentity
    fingerprints: Mapping[str, str]
    files: Mapping[str, FileState]
    generation: Generation | None = None

    def is_current(self, path: str, fingerprint: str, output_dir: Path) -> bool:
        """Whether the output at path was made from the same things and is untouched."""
        recorded = self.files.get(path)
        if recorded is None or self.fingerprints.get(path) != fingerprint:
            return False
        try:
            status = os.stat(f"{output_dir}/{path}")
        except OSError:
            return False
        return status.st_mtime_ns == recorded.mtime_ns and status.st_size == recorded.size


def forget(stores: BuildStores) -> None:
    """Drop the cache before output/ changes, so a build cut short is never trusted."""
    stores.outputs.forget()


def read(stores: BuildStores, identity: BuildIdentity) -> BuildCache | None:
    """The cache of the last build, or None when missing, damaged or made for another
    site, output folder, base URL, theme or badgesite."""
    stored = stores.outputs.read(identity.key(), _SHAPE)
    if stored is None:
        return None
    entries, generation = stored
    fingerprints = dict(zip(entries, map(itemgetter(0), entries.values()), strict=True))
    files = {path: FileState(size, mtime_ns) for path, (_, size, mtime_ns) in entries.items()}
    return BuildCache(identity, fingerprints, files, Generation(*generation))


def save(stores: BuildStores, cache: BuildCache) -> None:
    generation = cache.generation or Generation("")
    stores.outputs.write(
        cache.identity.key(),
        (
            {
                path: (fingerprint, cache.files[path].size, cache.files[path].mtime_ns)
                for path, fingerprint in cache.fingerprints.items()
                if path in cache.files
            },
            (
                generation.name,
                generation.sealed_ns,
                generation.kept,
                generation.kept_sealed_ns,
                generation.changes,
            ),
        ),
    )
