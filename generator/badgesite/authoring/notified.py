"""content/notified.txt: which email `badgesite notify` sent for which award, never to whom."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from badgesite.errors import ContentError, ContentErrors
from badgesite.guards.published import read_record_lines
from badgesite.load import SLUG_PATTERN, display_path

NOTIFIED_FILE = "notified.txt"
AWARDED = "awarded"
EXPIRED = "expired"
EXPIRING_PREFIX = "expiring-"
MAX_WINDOW_DAYS = 3650
NOTIFIED_HEADER = """\
# Every email `badgesite notify` (or `badgesite award --notify`) sent, one a line:
#   <award id> <kind> <YYYY-MM-DD>
# kind: awarded (the first notice), expiring-<days> (a reminder sent within that many days
# of the expiry), expired (the last notice). An award gets each kind at most once: a
# second run skips what is here. It never holds an address. Commit this file.
"""
_LINE = re.compile(r"^(\S+)\s+(awarded|expired|expiring-[1-9][0-9]{0,3})\s+(\d{4}-\d{2}-\d{2})$")


def expiring(days: int) -> str:
    """The kind of a reminder sent within `days` of the expiry."""
    return f"{EXPIRING_PREFIX}{days}"


@dataclass(frozen=True)
class NotifiedRecord:
    """The (award id, kind) pairs already sent."""

    sent: frozenset[tuple[str, str]]
    exists: bool

    def has(self, award_id: str, kind: str) -> bool:
        return (award_id, kind) in self.sent


def notified_path(site_dir: Path) -> Path:
    return site_dir / "content" / NOTIFIED_FILE


def read_notified(site_dir: Path) -> NotifiedRecord:
    """The record; raises ContentErrors naming every malformed line."""
    path = notified_path(site_dir)
    shown = display_path(path, site_dir)
    lines = read_record_lines(path, site_dir)
    if isinstance(lines, ContentError):
        raise ContentErrors([lines])
    errors: list[ContentError] = []
    sent: set[tuple[str, str]] = set()
    for number, line in lines or []:
        match = _LINE.match(line)
        problem = "" if match else "expected '<award id> <kind> <YYYY-MM-DD>'"
        if match and not SLUG_PATTERN.match(match.group(1)):
            problem = f"'{match.group(1)[:60]}' is not an award id"
        elif match:
            try:
                dt.date.fromisoformat(match.group(3))
            except ValueError:
                problem = f"'{match.group(3)}' is not a date"
        if problem:
            errors.append(ContentError(shown, number, "", problem))
        elif match:
            sent.add((match.group(1), match.group(2)))
    if errors:
        raise ContentErrors(errors)
    return NotifiedRecord(frozenset(sent), lines is not None)


def notified_line(award_id: str, kind: str, day: dt.date) -> str:
    return f"{award_id} {kind} {day.isoformat()}\n"


class NotifiedLog:
    """Appends one line per email sent, on disk before the next is sent: a batch cut
    short (a dropped connection, a killed run) leaves every email it sent recorded.

    Each line is one write to a file opened for appending, flushed to the disk; the
    record is never rewritten, so a batch of 10,000 costs 10,000 short writes.
    """

    def __init__(self, site_dir: Path) -> None:
        self.path = notified_path(site_dir)

    def add(self, award_id: str, kind: str, day: dt.date) -> None:
        text = notified_line(award_id, kind, day)
        if not self.path.exists() or self.path.stat().st_size == 0:
            text = NOTIFIED_HEADER + text
        elif not _ends_with_newline(self.path):
            text = "\n" + text
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, text.encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as stream:
        stream.seek(-1, os.SEEK_END)
        return stream.read(1) == b"\n"
