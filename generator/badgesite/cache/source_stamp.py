"""The source stamp: every file the last build read, so a no-op rebuild stops at once."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import os
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from badgesite.cache import code_identity
from badgesite.cache.store import BuildStores
from badgesite.errors import ContentError, Finding
from badgesite.outputs import BUILD_MARKER
from badgesite.report import BuildReport

if TYPE_CHECKING:  # only annotations: this module must stay quick to import
    from badgesite.cache.build_cache import BuildIdentity
    from badgesite.model import Site
    from badgesite.templating.themes import ThemeChain

# What a build reads in the site folder; everything else it reads is badgesite's own code
# (the code fingerprint) or a theme folder outside the site (walked as well).
# .badgesite holds the signing key, which the credentials depend on (guards/credentials.py).
SITE_FOLDERS = ("content", "themes", "templates", ".badgesite")
PUBLISHED_RECORD = "content/published-awards.txt"
# What the build itself may write: the records of what it published for good.
WRITTEN_BY_BUILD = frozenset(
    (
        PUBLISHED_RECORD,
        "content/signing-keys.txt",
        "content/credential-status.txt",
        ".badgesite/signing-key",
        ".badgesite/.gitignore",
    )
)
# What no build reads, written by commands between builds: the record of the emails
# `badgesite notify` sent (authoring/notified.py). A notify run leaves a no-op build no-op.
NOT_READ_BY_BUILD = frozenset(("content/notified.txt",))
# A file written twice within one tick of its file system's clock keeps the same size and
# mtime: only files older than this when the build began are trusted to show a later
# change (FAT counts time in 2 s steps, ext3 in 1 s).
RACY_NANOSECONDS = 2_000_000_000

# Path -> (size, mtime_ns, symlink target or ""): a site folder's files by their path in
# the site ("content/awards/x.yaml"), a theme folder's outside the site by absolute path.
Sources = dict[str, tuple[int, int, str]]
_MOMENT = dt.datetime | None
# The stored stamp: the fields of Stamp, in order, the warnings as (severity, path, line,
# field, message).
_SHAPE = (
    (str, ...),
    {str: (int, int, str)},
    str,
    str,
    _MOMENT,
    _MOMENT,
    (int, int, int),
    ((str, str, int, str, str), ...),
)


@dataclass(frozen=True)
class Scan:
    """The source files as found at one moment (wall clock, in ns, taken before looking)."""

    files: Sources
    taken_ns: int


@dataclass(frozen=True)
class Stamp:
    """What a successful build read and made, and until when its output stays right."""

    theme_roots: tuple[str, ...]
    sources: Mapping[str, tuple[int, int, str]]
    zone: str
    # The day of the build, in the site's time zone, when an output shows it (templates of
    # the site's own may); empty when none does, and the output stays right on any day.
    build_day: str
    # No award or imported badge changes status between these moments (None: ever).
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    pages: int
    documents: int
    files: int
    warnings: tuple[Finding, ...]


def stamp_identity(
    site_dir: str, output_dir: str, base_url_option: str | None, signing_key: str = ""
) -> str:
    """What a stamp is for: badgesite's code, the site and output folders, --base-url
    (without it, base_url and the theme come from site.yaml, which the stamp covers) and the
    signing key the environment gives (only its hash is kept; a key file is a source)."""
    option = "" if base_url_option is None else f"={base_url_option}"
    return code_identity.identity("sources", site_dir, output_dir, option, signing_key.strip())


def forget(stores: BuildStores) -> None:
    """Drop the stamp before a build reads or writes anything: a build cut short, or one
    that fails, must never leave a stamp saying the output is right."""
    stores.sources.forget()


def scan(site_dir: Path, theme_roots: tuple[str, ...] = ()) -> Scan | None:
    """The state of every source file, or None when a folder is reached through a
    symlink (a linked folder is not walked, so what it holds could change unseen)."""
    taken_ns = time.time_ns()
    files: Sources = {}
    for name in SITE_FOLDERS:
        if not _walk(os.path.join(site_dir, name), name, files):
            return None
    for root in theme_roots:
        if not _walk(root, root, files):
            return None
    for name in NOT_READ_BY_BUILD:
        files.pop(name, None)
    return Scan(files, taken_ns)


def _walk(top: str, shown: str, files: Sources) -> bool:
    if os.path.islink(top):
        return False
    pending = [(top, shown)]
    while pending:
        folder, folder_shown = pending.pop()
        try:
            entries = os.scandir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue  # an absent folder holds nothing; should it appear, its files count
        with entries:
            for entry in entries:
                key = f"{folder_shown}/{entry.name}"
                if entry.is_symlink():
                    target = os.readlink(entry.path)
                    try:
                        status = os.stat(entry.path)
                    except OSError:
                        files[key] = (-1, -1, target)
                        continue
                    if stat.S_ISDIR(status.st_mode):
                        return False
                    files[key] = (status.st_size, status.st_mtime_ns, target)
                elif entry.is_dir():
                    pending.append((entry.path, key))
                else:
                    status = entry.stat()
                    files[key] = (status.st_size, status.st_mtime_ns, "")
    return True


@dataclass(frozen=True)
class Looked:
    """What the no-op check found: the last build's report when nothing changed since;
    else, when it got as far, the scan it took and the theme folders outside the site
    that scan took in."""

    report: BuildReport | None
    scan: Scan | None = None
    theme_roots: tuple[str, ...] = ()


def look(
    site_dir: Path,
    output_dir: Path | None,
    base_url: str | None,
    now: dt.datetime | None,
    started: float | None = None,
    cache_dir: Path | None = None,
    signing_key: str = "",
) -> Looked:
    """The last build's report when nothing it read has changed and its output is still
    right at `now`; else the scan it took, if it got that far (a real build must run, and
    starts from that scan rather than walk the same folders again). Reads no record and
    no output file.

    The arguments are build()'s; started is when the build began (perf_counter).
    """
    started = time.perf_counter() if started is None else started
    site_dir = site_dir.absolute()
    output_dir = (output_dir or site_dir / "output").absolute()
    stores = BuildStores.of(site_dir, output_dir, cache_dir)
    stamp = read(stores, stamp_identity(str(site_dir), str(output_dir), base_url, signing_key))
    if stamp is None:
        return Looked(None)
    moment = now or dt.datetime.now(dt.timezone.utc)
    if (
        (
            stamp.build_day
            and moment.astimezone(ZoneInfo(stamp.zone)).date().isoformat() != stamp.build_day
        )
        or (stamp.valid_from is not None and moment < stamp.valid_from)
        or (stamp.valid_until is not None and moment >= stamp.valid_until)
        or not (output_dir / BUILD_MARKER).is_file()
    ):
        return Looked(None)
    found = scan(site_dir, stamp.theme_roots)
    if found is None or found.files != stamp.sources:
        return Looked(None, found, stamp.theme_roots)
    report = BuildReport(
        output_dir=output_dir,
        pages=stamp.pages,
        documents=stamp.documents,
        files=stamp.files,
        seconds=time.perf_counter() - started,
        warnings=stamp.warnings,
        incremental=True,
    )
    return Looked(report)


def record(
    stores: BuildStores,
    site_dir: Path,
    before: Scan | None,
    identity: BuildIdentity,
    base_url_option: str | None,
    site: Site,
    theme: ThemeChain,
    moment: dt.datetime,
    report: BuildReport,
    signing_key: str = "",
    shows_the_day: bool = False,
) -> None:
    """Stamp a successful build, unless a source changed while it ran (or so recently that
    a change could hide in the same tick of the clock): then the next build is a real one.

    Whether the build was frozen is not recorded: a frozen build only refuses what a
    normal build would have written to content/published-awards.txt, and the stamp is
    taken after that file is written, so either kind of build may reuse either's stamp.
    """
    if before is None:
        return
    trusted_before = before.taken_ns - RACY_NANOSECONDS
    # A file the build read that had changed within a tick of its start (one just saved,
    # as while serving) leaves no stamp whatever a second scan shows: none is taken.
    if any(
        _only_read_from_site(key)
        for key, (_, mtime_ns, _) in before.files.items()
        if mtime_ns >= trusted_before
    ):
        return
    roots = theme_roots_outside(site_dir, theme)
    after = scan(site_dir, roots)
    if after is None:
        return
    if _read_from_site(before.files) != _read_from_site(after.files):
        return
    if any(
        mtime_ns >= trusted_before
        for key, (_, mtime_ns, _) in after.files.items()
        if key not in WRITTEN_BY_BUILD
    ):
        return
    valid_from, valid_until = status_window(site, moment)
    stamp = Stamp(
        theme_roots=roots,
        sources=after.files,
        zone=site.config.timezone,
        build_day=moment.astimezone(site.config.zone).date().isoformat() if shows_the_day else "",
        valid_from=valid_from,
        valid_until=valid_until,
        pages=report.pages,
        documents=report.documents,
        files=report.files,
        warnings=report.warnings,
    )
    stores.sources.write(
        stamp_identity(identity.site_dir, identity.output_dir, base_url_option, signing_key),
        (
            stamp.theme_roots,
            stamp.sources,
            stamp.zone,
            stamp.build_day,
            _in_utc(stamp.valid_from),
            _in_utc(stamp.valid_until),
            (stamp.pages, stamp.documents, stamp.files),
            tuple(
                (warning.severity, *dataclasses.astuple(warning.problem))
                for warning in stamp.warnings
            ),
        ),
    )


def _read_from_site(files: Sources) -> Sources:
    """The site's files that the build only read (it may write the published record)."""
    return {key: value for key, value in files.items() if _only_read_from_site(key)}


def _only_read_from_site(key: str) -> bool:
    return key not in WRITTEN_BY_BUILD and not os.path.isabs(key)


def theme_roots_outside(site_dir: Path, theme: ThemeChain) -> tuple[str, ...]:
    """The chain's theme folders that neither the site's folders nor the code fingerprint
    cover (the bundled themes sit beside the package in a source checkout)."""
    package = Path(__file__).resolve().parents[1]
    site = site_dir.resolve()
    roots = []
    for member in theme.themes:
        folder = member.path.resolve()
        if not (folder.is_relative_to(site) or folder.is_relative_to(package)):
            roots.append(str(folder))
    return tuple(dict.fromkeys(roots))


def status_window(site: Site, moment: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The last moment at or before `moment`, and the first after it, when an award or an
    imported badge may change status (Site.status_changes, found once a build)."""
    changes = site.status_changes
    after = bisect.bisect_right(changes, moment)
    return (changes[after - 1] if after else None, changes[after] if after < len(changes) else None)


def _in_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """The moment with a fixed offset: a store keeps no time zone rules (ZoneInfo)."""
    return None if moment is None else moment.astimezone(dt.timezone.utc)


def read(stores: BuildStores, stamp_key: str) -> Stamp | None:
    """The stamp of the last build for stamp_key (stamp_identity), or None when there is
    none: missing, damaged, of another shape or made for other folders or code."""
    stored = stores.sources.read(stamp_key, _SHAPE)
    if stored is None:
        return None
    roots, sources, zone, build_day, valid_from, valid_until, counts, warnings = stored
    try:
        ZoneInfo(zone)
    except (ValueError, LookupError, OSError):  # a zone this machine does not know (any more)
        return None
    if not all(os.path.isabs(root) for root in roots) or any(
        moment is not None and moment.tzinfo is None for moment in (valid_from, valid_until)
    ):
        return None
    return Stamp(
        theme_roots=roots,
        sources=sources,
        zone=zone,
        build_day=build_day,
        valid_from=valid_from,
        valid_until=valid_until,
        pages=counts[0],
        documents=counts[1],
        files=counts[2],
        warnings=tuple(
            Finding(severity, ContentError(path, line, field, message))
            for severity, path, line, field, message in warnings
        ),
    )
