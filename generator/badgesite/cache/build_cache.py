"""The build cache: each output's fingerprint and file state from the last build, or none."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from badgesite.cache.code_identity import code_fingerprint
from badgesite.primitives.atomic import write_atomic

CACHE_FILE = Path(".cache") / "badgesite" / "build" / "outputs.json"
_FORMAT = "badgesite-build-cache-1"


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
    """What a cache must have been made for to be trusted."""

    code: str
    site_dir: str
    output_dir: str
    base_url: str
    theme: str

    @classmethod
    def of(cls, site_dir: Path, output_dir: Path, base_url: str, theme: str) -> BuildIdentity:
        return cls(code_fingerprint(), str(site_dir), str(output_dir), base_url, theme)


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


def cache_path(site_dir: Path) -> Path:
    return site_dir / CACHE_FILE


def forget(site_dir: Path) -> None:
    """Drop the cache before output/ changes, so a build cut short is never trusted."""
    cache_path(site_dir).unlink(missing_ok=True)


def read(site_dir: Path, identity: BuildIdentity) -> BuildCache | None:
    """The cache of the last build, or None when missing, damaged or made for another
    site, output folder, base URL, theme or badgesite."""
    try:
        stored = json.loads(cache_path(site_dir).read_bytes())
        if stored["format"] != _FORMAT or stored["identity"] != dataclasses.asdict(identity):
            return None
        fingerprints: dict[str, str] = {}
        files: dict[str, FileState] = {}
        for path, (fingerprint, size, mtime_ns) in stored["outputs"].items():
            if not (
                isinstance(path, str)
                and isinstance(fingerprint, str)
                and isinstance(size, int)
                and isinstance(mtime_ns, int)
            ):
                return None
            fingerprints[path] = fingerprint
            files[path] = FileState(size, mtime_ns)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # damaged or of another shape: only ignored
    return BuildCache(identity, fingerprints, files)


def save(site_dir: Path, cache: BuildCache) -> None:
    stored = {
        "format": _FORMAT,
        "identity": dataclasses.asdict(cache.identity),
        "outputs": {
            path: [fingerprint, cache.files[path].size, cache.files[path].mtime_ns]
            for path, fingerprint in cache.fingerprints.items()
            if path in cache.files
        },
    }
    # A cache that cannot be written (read-only checkout, full disk) only costs time.
    with contextlib.suppress(OSError):
        write_atomic(cache_path(site_dir), json.dumps(stored, separators=(",", ":")).encode())
