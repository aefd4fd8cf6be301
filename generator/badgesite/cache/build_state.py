"""The kept build state: what the last build of a site knew, and which record files changed."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from badgesite.cache.build_cache import Entry, FileState, Generation
from badgesite.cache.source_stamp import RACY_NANOSECONDS, WRITTEN_BY_BUILD, Scan, Sources

if TYPE_CHECKING:
    from badgesite.cache.fingerprint import KeptFingerprints
    from badgesite.checking import Kept
    from badgesite.options import BuildOptions
    from badgesite.outputs import Kind

# The files whose change a kept state takes in: the record files of content/ (a hidden
# file there, an editor's, is read by no loader, only linted). Anything else changed
# (site.yaml, a theme, an image, the withdrawn awards, a folder inside these) makes the
# build a full one.
RECORD_FILE = re.compile(r"content/(?:issuers|badges|earners|awards|imported)/[^/]+")


@dataclass(frozen=True)
class BuildState:
    """What a successful build derived, for the next build of the same site into the same
    folder with the same options to start from (held by a long-lived process: `serve`).

    sources is the source scan taken before the build read anything, with the files the
    build writes (WRITTEN_BY_BUILD) as it left them; outputs_store the build cache's file
    as it left it (another build writing it makes this state stale).
    """

    options: tuple[object, ...]
    theme_roots: tuple[str, ...]  # the theme folders outside the site, scanned with it
    sources: Sources
    taken_ns: int
    moment: dt.datetime
    kept: Kept
    fingerprints: KeptFingerprints
    entries: Mapping[str, Entry]  # the build cache's, as stored: saved without a pass
    folders: frozenset[str]  # a superset of the folders of entries' paths (write.folders_of)
    kinds: Mapping[Kind, int]  # how many outputs of each kind the plan has
    generation: Generation | None  # what output/ holds, and the kept previous build
    outputs_store: FileState | None
    updated: bool = False  # made by updating the last build's state (else made afresh)


def options_key(options: BuildOptions) -> tuple[object, ...]:
    """What of the options a state is made for (not the moment, the strictness, the cores)."""
    return (
        options.absolute_site_dir,
        options.absolute_output_dir,
        options.base_url,
        options.cache_dir and Path(options.cache_dir).absolute(),
        options.signing_key,
        options.frozen,
        options.drafts,
    )


def sources_after(site_dir: Path, before: Sources) -> Sources:
    """The scan taken before a build, with the files the build itself may write as they are
    now (after it wrote them)."""
    sources = dict(before)
    for name in WRITTEN_BY_BUILD:
        try:
            status = os.lstat(site_dir / name)
        except OSError:
            sources.pop(name, None)
            continue
        sources[name] = (status.st_size, status.st_mtime_ns, "")
    return sources


def changed_records(state: BuildState, scan: Scan) -> frozenset[str] | None:
    """The record files (as shown: "content/awards/x.yaml") that changed since the state
    was made, or None when anything else did (the build is then a full one). A file
    changed so shortly before the state's scan that a later change could keep its size
    and time counts as changed (see source_stamp.RACY_NANOSECONDS)."""
    before, now = state.sources, scan.files
    trusted = state.taken_ns - RACY_NANOSECONDS
    changed = set()
    for key in before.keys() | now.keys():
        old, new = before.get(key), now.get(key)
        if old == new and (old is None or old[1] < trusted or key in WRITTEN_BY_BUILD):
            continue
        if not RECORD_FILE.fullmatch(key) or (old and old[2]) or (new and new[2]):
            return None  # not a record file, or a symlink
        changed.add(key)
    return frozenset(changed)
