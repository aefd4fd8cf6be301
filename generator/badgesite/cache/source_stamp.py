"""The source stamp: every file the last build read, so a no-op rebuild stops at once."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from badgesite.cache.build_cache import BuildIdentity
from badgesite.cache.code_identity import code_fingerprint
from badgesite.errors import ContentError, Finding
from badgesite.outputs import BUILD_MARKER
from badgesite.primitives.atomic import write_atomic
from badgesite.report import BuildReport

if TYPE_CHECKING:  # only annotations: this module must stay quick to import
    from badgesite.model import Site
    from badgesite.templating.themes import ThemeChain

STAMP_FILE = Path(".cache") / "badgesite" / "build" / "sources.json"
_FORMAT = "badgesite-source-stamp-1"
# What a build reads in the site folder; everything else it reads is badgesite's own code
# (the code fingerprint) or a theme folder outside the site (walked as well).
SITE_FOLDERS = ("content", "themes", "templates")
PUBLISHED_RECORD = "content/published-awards.txt"  # the build itself may write it
# A file written twice within one tick of its file system's clock keeps the same size and
# mtime: only files older than this when the build began are trusted to show a later
# change (FAT counts time in 2 s steps, ext3 in 1 s).
RACY_NANOSECONDS = 2_000_000_000

# Path -> (size, mtime_ns, symlink target or ""): a site folder's files by their path in
# the site ("content/awards/x.yaml"), a theme folder's outside the site by absolute path.
Sources = dict[str, tuple[int, int, str]]


@dataclass(frozen=True)
class Scan:
    """The source files as found at one moment (wall clock, in ns, taken before looking)."""

    files: Sources
    taken_ns: int


@dataclass(frozen=True)
class Stamp:
    """What a successful build read and made, and until when its output stays right."""

    identity: BuildIdentity
    base_url_option: str | None  # --base-url; else base_url and theme come from site.yaml
    theme_roots: tuple[str, ...]
    sources: Mapping[str, tuple[int, int, str]]
    zone: str
    build_day: str  # award pages show the day of the build, in the site's time zone
    # No award or imported badge changes status between these moments (None: ever).
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    pages: int
    documents: int
    files: int
    warnings: tuple[Finding, ...]


def stamp_path(site_dir: Path) -> Path:
    return site_dir / STAMP_FILE


def forget(site_dir: Path) -> None:
    """Drop the stamp before a build reads or writes anything: a build cut short, or one
    that fails, must never leave a stamp saying the output is right."""
    stamp_path(site_dir).unlink(missing_ok=True)


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


def reuse(
    site_dir: Path,
    output_dir: Path | None,
    base_url: str | None,
    now: dt.datetime | None,
    started: float | None = None,
) -> BuildReport | None:
    """The last build's report when nothing it read has changed and its output is still
    right at `now`; None when a real build must run. Reads no record and no output file.

    The arguments are build()'s; started is when the build began (perf_counter).
    """
    started = time.perf_counter() if started is None else started
    site_dir = site_dir.absolute()
    output_dir = (output_dir or site_dir / "output").absolute()
    stamp = read(site_dir)
    if stamp is None:
        return None
    moment = now or dt.datetime.now(dt.timezone.utc)
    identity = stamp.identity
    if (
        identity.code != code_fingerprint()
        or identity.site_dir != str(site_dir)
        or identity.output_dir != str(output_dir)
        or stamp.base_url_option != base_url
        or moment.astimezone(ZoneInfo(stamp.zone)).date().isoformat() != stamp.build_day
        or (stamp.valid_from is not None and moment < stamp.valid_from)
        or (stamp.valid_until is not None and moment >= stamp.valid_until)
        or not (output_dir / BUILD_MARKER).is_file()
    ):
        return None
    found = scan(site_dir, stamp.theme_roots)
    if found is None or found.files != stamp.sources:
        return None
    return BuildReport(
        output_dir=output_dir,
        pages=stamp.pages,
        documents=stamp.documents,
        files=stamp.files,
        seconds=time.perf_counter() - started,
        warnings=stamp.warnings,
        incremental=True,
    )


def record(
    site_dir: Path,
    before: Scan | None,
    identity: BuildIdentity,
    base_url_option: str | None,
    site: Site,
    theme: ThemeChain,
    moment: dt.datetime,
    report: BuildReport,
) -> None:
    """Stamp a successful build, unless a source changed while it ran (or so recently that
    a change could hide in the same tick of the clock): then the next build is a real one.

    Whether the build was frozen is not recorded: a frozen build only refuses what a
    normal build would have written to content/published-awards.txt, and the stamp is
    taken after that file is written, so either kind of build may reuse either's stamp.
    """
    if before is None:
        return
    roots = _theme_roots_outside(site_dir, theme)
    after = scan(site_dir, roots)
    if after is None:
        return
    if _read_from_site(before.files) != _read_from_site(after.files):
        return
    trusted_before = before.taken_ns - RACY_NANOSECONDS
    if any(
        mtime_ns >= trusted_before
        for key, (_, mtime_ns, _) in after.files.items()
        if key != PUBLISHED_RECORD
    ):
        return
    valid_from, valid_until = _status_window(site, moment)
    stamp = Stamp(
        identity=identity,
        base_url_option=base_url_option,
        theme_roots=roots,
        sources=after.files,
        zone=site.config.timezone,
        build_day=moment.astimezone(site.config.zone).date().isoformat(),
        valid_from=valid_from,
        valid_until=valid_until,
        pages=report.pages,
        documents=report.documents,
        files=report.files,
        warnings=report.warnings,
    )
    _save(site_dir, stamp)


def _read_from_site(files: Sources) -> Sources:
    """The site's files that the build only read (it may write the published record)."""
    return {
        key: value
        for key, value in files.items()
        if key != PUBLISHED_RECORD and not os.path.isabs(key)
    }


def _theme_roots_outside(site_dir: Path, theme: ThemeChain) -> tuple[str, ...]:
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


def _status_window(
    site: Site, moment: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The last moment at or before `moment`, and the first after it, when an award or an
    imported badge may change status (a status changes at its issue or expiry moment)."""
    changes: list[dt.datetime] = []
    for award in site.awards.values():
        if len(award.possible_statuses) > 1:
            changes.append(award.issued_on)
            if award.expires is not None:
                changes.append(award.expires)
    for badge in site.imported.values():
        if badge.assertion.expires is not None:
            changes.append(badge.assertion.expires.moment)
    past = [change for change in changes if change <= moment]
    future = [change for change in changes if change > moment]
    return (max(past) if past else None, min(future) if future else None)


def _moment_text(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _save(site_dir: Path, stamp: Stamp) -> None:
    stored = {
        "format": _FORMAT,
        "identity": dataclasses.asdict(stamp.identity),
        "base_url_option": stamp.base_url_option,
        "theme_roots": list(stamp.theme_roots),
        "zone": stamp.zone,
        "build_day": stamp.build_day,
        "valid_from": _moment_text(stamp.valid_from),
        "valid_until": _moment_text(stamp.valid_until),
        "counts": [stamp.pages, stamp.documents, stamp.files],
        "warnings": [
            [warning.severity, *dataclasses.astuple(warning.problem)] for warning in stamp.warnings
        ],
        "sources": {key: list(value) for key, value in stamp.sources.items()},
    }
    # A stamp that cannot be written (read-only checkout, full disk) only costs time.
    with contextlib.suppress(OSError):
        write_atomic(stamp_path(site_dir), json.dumps(stored, separators=(",", ":")).encode())


def read(site_dir: Path) -> Stamp | None:
    """The stamp of the last build, or None when missing, damaged or of another shape."""
    try:
        stored = json.loads(stamp_path(site_dir).read_bytes())
        if stored["format"] != _FORMAT:
            return None
        identity = BuildIdentity(**stored["identity"])
        if not all(isinstance(value, str) for value in dataclasses.astuple(identity)):
            return None
        base_url_option = stored["base_url_option"]
        roots = stored["theme_roots"]
        zone, build_day = stored["zone"], stored["build_day"]
        pages, documents, files = stored["counts"]
        if not (
            (base_url_option is None or isinstance(base_url_option, str))
            and isinstance(roots, list)
            and all(isinstance(root, str) and os.path.isabs(root) for root in roots)
            and isinstance(zone, str)
            and isinstance(build_day, str)
            and all(type(count) is int for count in (pages, documents, files))
        ):
            return None
        ZoneInfo(zone)
        sources: Sources = {}
        for key, (size, mtime_ns, target) in stored["sources"].items():
            if not (type(size) is int and type(mtime_ns) is int and isinstance(target, str)):
                return None
            sources[key] = (size, mtime_ns, target)
        warnings = []
        for severity, path, line, field, message in stored["warnings"]:
            if not (
                all(isinstance(text, str) for text in (severity, path, field, message))
                and type(line) is int
            ):
                return None
            warnings.append(Finding(severity, ContentError(path, line, field, message)))
        return Stamp(
            identity=identity,
            base_url_option=base_url_option,
            theme_roots=tuple(roots),
            sources=sources,
            zone=zone,
            build_day=build_day,
            valid_from=_read_moment(stored["valid_from"]),
            valid_until=_read_moment(stored["valid_until"]),
            pages=pages,
            documents=documents,
            files=files,
            warnings=tuple(warnings),
        )
    except Exception:  # missing or damaged, in whatever way: never trusted, only ignored
        return None


def _read_moment(text: object) -> dt.datetime | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError("a moment must be text")
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a moment must name its offset")
    return moment
