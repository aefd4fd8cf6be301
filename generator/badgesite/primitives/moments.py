"""Dates and timestamps: the one reader every date entering badgesite passes, and the one writer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

# A moment must stay representable when shown in any time zone (offsets stay within a day),
# so the first and last day Python can hold are left out: 9999-12-31T23:59:59-05:00 would
# overflow the moment it is compared with a UTC time or written in UTC.
EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(9999, 12, 30, 23, 59, 59, tzinfo=dt.timezone.utc)
RANGE_TEXT = "dates must lie between 0001-01-02 and 9999-12-30"
MAX_DATE_TEXT = 64  # ISO 8601 needs 35 characters at most; longer text is not a date
DATE_FORMS = "use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+HH:MM"


@dataclass(frozen=True)
class ReadMoment:
    """A moment read from a value, whether the value named its own offset, and why not one."""

    moment: dt.datetime | None
    has_offset: bool = False
    problem: str = ""


def read_moment(value: Any, zone: dt.tzinfo) -> ReadMoment:
    """A YAML date or timestamp, or ISO 8601 text, as an aware moment in range.

    One without an offset is read in zone. Every other value, impossible date or moment out
    of range gives a ReadMoment without a moment, saying why.
    """
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time())
    elif isinstance(value, str):
        parsed = _parse_text(value.strip())
        if parsed is None:
            return ReadMoment(None, problem=f"is not a date: {DATE_FORMS}")
    else:
        return ReadMoment(None, problem=f"is not a date: {DATE_FORMS}")
    has_offset = parsed.tzinfo is not None and parsed.utcoffset() is not None
    if not has_offset:
        parsed = parsed.replace(tzinfo=zone)
    if not in_range(parsed):
        return ReadMoment(None, has_offset, f"is out of range: {RANGE_TEXT}")
    return ReadMoment(parsed, has_offset)


def _parse_text(text: str) -> dt.datetime | None:
    if not text or len(text) > MAX_DATE_TEXT or not text.isascii():
        return None  # non-ASCII digits would pass fromisoformat's own checks
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:  # also impossible dates (2025-02-30) and offsets of a day or more
        return None


def in_range(moment: dt.datetime) -> bool:
    """Whether an aware moment lies between EARLIEST and LATEST, without overflowing."""
    try:
        return EARLIEST <= moment.astimezone(dt.timezone.utc) <= LATEST
    except (OverflowError, ValueError):
        return False


def moment_from_epoch(seconds: Any) -> dt.datetime | None:
    """Seconds since 1970 (a whole or decimal number, or ASCII digits) as a UTC moment in
    range, or None: Open Badges 1.0 dates and SOURCE_DATE_EPOCH are given this way."""
    if isinstance(seconds, str):
        text = seconds.strip()
        digits = text.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 12:
            return None  # 12 digits reach beyond year 9999 already
        seconds = int(text)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return None
    if isinstance(seconds, int) and abs(seconds) > 10**12:
        return None
    try:
        moment = dt.datetime.fromtimestamp(float(seconds), dt.timezone.utc)
    except (OverflowError, OSError, ValueError):  # nan, inf, or past what the platform holds
        return None
    return moment if in_range(moment) else None


def timestamp(moment: dt.datetime) -> str:
    """ISO 8601 with its offset (`Z` for UTC), seconds precision, as verifiers expect."""
    text = moment.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text
