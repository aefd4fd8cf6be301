"""The record of published award ids, so that a URL once published never vanishes by accident."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from badgesite.errors import ContentError, ContentErrors
from badgesite.load import SLUG_PATTERN, display_path, escapes_site, read_capped_text
from badgesite.model import Site
from badgesite.report import counted

PUBLISHED_FILE = "published-awards.txt"
WITHDRAWN_FILE = "withdrawn-awards.txt"
# 37 bytes an id: room for hundreds of thousands of awards, and no more.
MAX_RECORD_FILE_BYTES = 16 * 1024 * 1024

PUBLISHED_HEADER = """\
# Every award id this site has published, one a line, sorted. `badgesite build` adds new
# ones; CI builds (CI=true or --frozen) only check it. Commit this file. Never delete a
# line: a published URL must keep working. Revoke an award instead
# (`badgesite revoke ID --reason TEXT`), or withdraw it on purpose
# (`badgesite withdraw ID --reason TEXT`, recorded in withdrawn-awards.txt).
"""

WITHDRAWN_HEADER = """\
# Award ids withdrawn from publication on purpose (an earner asked to be removed, an
# award issued by mistake and never meant to stay public). One a line:
#   <id> <YYYY-MM-DD> <reason>
# `badgesite withdraw ID --reason TEXT` adds a line. Their URLs no longer resolve.
"""

_WITHDRAWN_LINE = re.compile(r"^(\S+)\s+(\d{4}-\d{2}-\d{2})\s+(\S.*)$")


@dataclass(frozen=True)
class Withdrawal:
    award_id: str
    date: dt.date
    reason: str
    line: int = field(default=0, compare=False)  # in withdrawn-awards.txt


@dataclass(frozen=True)
class PublishedRecord:
    """The ids recorded as published, and the ids withdrawn on purpose."""

    published: frozenset[str]
    withdrawn: tuple[Withdrawal, ...]
    exists: bool
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)
    # The texts of the record files it was read from (None: absent), for read_record.
    texts: tuple[str | ContentError | None, ...] = field(default=(), compare=False, repr=False)

    @property
    def withdrawn_ids(self) -> frozenset[str]:
        return frozenset(item.award_id for item in self.withdrawn)


@dataclass(frozen=True)
class Reconciliation:
    """How the site's published awards compare with the record."""

    record: PublishedRecord
    current: frozenset[str]
    new_ids: tuple[str, ...]
    withdrawn_but_published: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.new_ids) or not self.record.exists

    def out_of_date(self, site_dir: Path) -> ContentError | None:
        """Why a frozen build (CI) refuses this record, or None when it is up to date."""
        if not self.changed:
            return None
        listed = ", ".join(self.new_ids[:5]) + (" ..." if len(self.new_ids) > 5 else "")
        count = len(self.new_ids)
        what = (
            f"{counted(count, 'published award')} {'is' if count == 1 else 'are'} "
            f"not recorded ({listed})"
        )
        if not self.record.exists:
            what = "the file is missing"
        return ContentError(
            display_path(record_path(site_dir), site_dir),
            0,
            "",
            f"out of date: {what}. A CI build (CI=true or --frozen) never rewrites it: "
            "run `badgesite build` locally and commit the file.",
        )


def record_path(site_dir: Path) -> Path:
    return site_dir / "content" / PUBLISHED_FILE


def withdrawn_path(site_dir: Path) -> Path:
    return site_dir / "content" / WITHDRAWN_FILE


def read_record_text(path: Path, site_dir: Path) -> str | ContentError | None:
    """A record file's text; None if absent."""
    if not path.exists():
        return None
    shown = display_path(path, site_dir)
    if escapes_site(path, site_dir):
        return ContentError(shown, 0, "", "is a symlink to a file outside the site; refused")
    return read_capped_text(path, shown, MAX_RECORD_FILE_BYTES)


def record_lines(text: str | ContentError | None) -> list[tuple[int, str]] | ContentError | None:
    """The non-comment, non-blank lines of a record file's text with their numbers."""
    if text is None or isinstance(text, ContentError):
        return text
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def read_record_lines(path: Path, site_dir: Path) -> list[tuple[int, str]] | ContentError | None:
    """The non-comment, non-blank lines of a record file with their numbers; None if absent."""
    return record_lines(read_record_text(path, site_dir))


def read_record(site_dir: Path, previous: PublishedRecord | None = None) -> PublishedRecord:
    """Read both record files; raise ContentErrors naming every malformed line. previous
    (a record of this site read before) is kept when the files hold the texts it was read
    from: only they are read again, not parsed (some 10,000 lines at 10,000 awards)."""
    texts = (
        read_record_text(record_path(site_dir), site_dir),
        read_record_text(withdrawn_path(site_dir), site_dir),
    )
    if previous is not None and previous.texts == texts:
        return previous
    errors: list[ContentError] = []
    published: dict[str, int] = {}
    lines = record_lines(texts[0])
    shown = display_path(record_path(site_dir), site_dir)
    if isinstance(lines, ContentError):
        errors.append(lines)
    for number, line in lines if isinstance(lines, list) else []:
        if not SLUG_PATTERN.match(line):
            errors.append(ContentError(shown, number, "", f"'{line[:60]}' is not an award id"))
        else:
            published.setdefault(line, number)
    withdrawn: list[Withdrawal] = []
    withdrawn_lines = record_lines(texts[1])
    withdrawn_shown = display_path(withdrawn_path(site_dir), site_dir)
    if isinstance(withdrawn_lines, ContentError):
        errors.append(withdrawn_lines)
    for number, line in withdrawn_lines if isinstance(withdrawn_lines, list) else []:
        match = _WITHDRAWN_LINE.match(line)
        problem = ""
        if not match:
            problem = "expected '<id> <YYYY-MM-DD> <reason>'"
        elif not SLUG_PATTERN.match(match.group(1)):
            problem = f"'{match.group(1)[:60]}' is not an award id"
        else:
            try:
                date = dt.date.fromisoformat(match.group(2))
            except ValueError:
                problem = f"'{match.group(2)}' is not a date"
        if problem:
            errors.append(ContentError(withdrawn_shown, number, "", problem))
            continue
        assert match is not None
        withdrawn.append(Withdrawal(match.group(1), date, match.group(3).strip(), number))
    if errors:
        raise ContentErrors(errors)
    return PublishedRecord(
        frozenset(published), tuple(withdrawn), lines is not None, published, texts
    )


def recorded_awards(site: Site, record: PublishedRecord) -> frozenset[str]:
    """The ids the record must hold: every published award but the samples of `badgesite
    new`, which are issued to nobody, so that deleting one before (or after) the first
    deploy breaks no promise. An award already recorded stays guarded, sample or not.
    Drafts are never published, so never recorded."""
    return frozenset(
        award.id
        for award in site.published_awards
        if not award.is_draft and (not award.sample or award.id in record.published)
    )


def reconcile(
    site: Site, frozen: bool = False, previous: PublishedRecord | None = None
) -> Reconciliation:
    """Compare the site with its record; raise ContentErrors for every vanished award.

    Frozen (a CI build) also refuses a record that is out of date, since a CI build must
    not rewrite it and a later local build would otherwise record ids nobody committed.
    previous: the record a build of this site read before (see read_record).
    """
    record = read_record(site.root, previous)
    # Drafts are never published, so never recorded (a `build --drafts` preview included).
    drafts = {award.id for award in site.published_awards if award.is_draft}
    current = recorded_awards(site, record)
    shown = display_path(record_path(site.root), site.root)
    errors = [
        ContentError(shown, record.lines.get(award_id, 0), "", _vanished(site, award_id, drafts))
        for award_id in sorted(record.published - current - record.withdrawn_ids)
    ]
    reconciliation = Reconciliation(
        record=record,
        current=current,
        new_ids=tuple(sorted(current - record.published)),
        withdrawn_but_published=tuple(sorted(record.withdrawn_ids & current)),
    )
    stale = reconciliation.out_of_date(site.root) if frozen else None
    if stale is not None:
        errors.append(stale)
    if errors:
        raise ContentErrors(errors)
    return reconciliation


def _vanished(site: Site, award_id: str, drafts: set[str]) -> str:
    """Why a recorded award would lose its URL, and what to do about it."""
    award = site.awards.get(award_id)
    if award_id in drafts:
        return (
            f"published award '{award_id}' is now a draft (or of a draft badge class), "
            "which would take its URL down: remove `draft: true`"
        )
    if award is not None and not award.is_published:
        return (
            f"published award '{award_id}' would lose its URL: its earner "
            f"'{award.earner.slug}' ({award.earner.source}) is now private, and "
            "nothing of a private earner is published. Make them public or unlisted "
            "again, or if the award must disappear (the earner's request), record "
            f"that: `badgesite withdraw {award_id} --reason TEXT`"
        )
    return (
        f"published award '{award_id}' is gone from the site, and its URL with it. "
        "Put its record back and revoke it instead "
        f"(`badgesite revoke {award_id} --reason TEXT` keeps its page and JSON and "
        "tells verifiers why), or if it must disappear (an earner's request), record "
        f"that: `badgesite withdraw {award_id} --reason TEXT`"
    )


def render_record(ids: Iterable[str]) -> str:
    return PUBLISHED_HEADER + "".join(f"{award_id}\n" for award_id in sorted(set(ids)))


def record_header(path: Path, default: str) -> str:
    """The comment lines of a record file as they are, or default for a new or bare file."""
    if not path.exists():
        return default
    kept = "".join(
        line
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
        if line.lstrip().startswith("#")
    )
    return kept or default


def updated_record_text(site_dir: Path, ids: Iterable[str]) -> str:
    """The record file's text with ids added (existing lines kept, header as it was)."""
    all_ids = sorted(read_record(site_dir).published | set(ids))
    header = record_header(record_path(site_dir), PUBLISHED_HEADER)
    return header + "".join(f"{award_id}\n" for award_id in all_ids)


def withdrawal_line(award_id: str, date: dt.date, reason: str) -> str:
    return f"{award_id} {date.isoformat()} {' '.join(reason.split())}\n"
