"""The build cache: each output's fingerprint and file state from the last build, or none."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


# What the cache holds of one output, as stored: its fingerprint, and its file as written
# (FileState's size and mtime_ns). A kept build state (build_state) holds them so, so that
# saving them costs no pass over every output.
Entry = tuple[str, int, int]


@dataclass(frozen=True)
class BuildCache:
    """What the last build made: each output's Entry by path, and the generation.

    folders, when known (a kept build state's): a superset of the folders holding the
    entries' paths, so that checking the kept build's folders (write.py) does not derive
    them from every path again.
    """

    identity: BuildIdentity
    entries: Mapping[str, Entry]
    generation: Generation | None = None
    folders: frozenset[str] | None = None

    def is_current(self, path: str, fingerprint: str, output_dir: Path) -> bool:
        """Whether the output at path was made from the same things and is untouched."""
        entry = self.entries.get(path)
        if entry is None or entry[0] != fingerprint:
            return False
        try:
            status = os.stat(f"{output_dir}/{path}")
        except OSError:
            return False
        return status.st_mtime_ns == entry[2] and status.st_size == entry[1]

    def updated(
        self,
        fingerprints: Mapping[str, str],
        written: Iterable[tuple[str, FileState]],
        gone: Iterable[str],
    ) -> dict[str, Entry]:
        """The entries after a build that wrote `written` (each output it rendered, with
        its file's state now) and dropped the paths `gone`: every other output was found
        current (is_current), or trusted to be (a kept state's parts that nothing touched),
        so its entry stands. A copy (made in C) and a change per output written or gone,
        rather than a pass over every output."""
        entries = dict(self.entries)
        for path in gone:
            entries.pop(path, None)
        for path, state in written:
            entries[path] = (fingerprints[path], state.size, state.mtime_ns)
        return entries


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
    return BuildCache(identity, entries, Generation(*generation))


def save(stores: BuildStores, cache: BuildCache) -> None:
    """Keep the cache (its entries pickled as they are: a dict of Entry)."""
    generation = cache.generation or Generation("")
    entries = cache.entries if type(cache.entries) is dict else dict(cache.entries)
    stores.outputs.write(
        cache.identity.key(),
        (
            entries,
            (
                generation.name,
                generation.sealed_ns,
                generation.kept,
                generation.kept_sealed_ns,
                generation.changes,
            ),
        ),
        flat=True,  # a dict of tuples of strings and numbers: no container twice
    )
