"""The awards of a site as a table or JSON (`badgesite list`), and awards named by id prefix."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from badgesite import urls
from badgesite.errors import BadgesiteError, did_you_mean
from badgesite.model import Award, Site

STATUSES = ("valid", "expired", "revoked", "not-yet-valid", "unaccepted")
MIN_PREFIX = 4  # shorter prefixes name too many awards to be worth typing
SHOWN_PREFIX = 8  # what `list` shows: a UUID's first group, longer where that is ambiguous
MAX_CANDIDATES_SHOWN = 10


class AwardLookupError(BadgesiteError):
    """An id or id prefix that names no award, or more than one."""


def resolve_id(
    text: str, ids: Collection[str], describe: Mapping[str, str] | None = None, where: str = ""
) -> str:
    """The one id in ids that text is, or begins with.

    A prefix needs MIN_PREFIX characters and must be unambiguous: otherwise the error lists
    the candidates (each with its describe line) or suggests a close id.
    """
    wanted = text.strip().lower()
    where = where or "content/awards/"
    if wanted in ids:
        return wanted
    matches = sorted(award_id for award_id in ids if award_id.startswith(wanted))
    if len(wanted) < MIN_PREFIX:
        hint = f" ({len(matches)} awards begin with it)" if matches else ""
        raise AwardLookupError(
            f"'{text}' is too short to name an award{hint}: give at least {MIN_PREFIX} "
            "characters of its id (`badgesite list` shows them)"
        )
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = [
            f"  {award_id}  {(describe or {}).get(award_id, '')}".rstrip()
            for award_id in matches[:MAX_CANDIDATES_SHOWN]
        ]
        if len(matches) > MAX_CANDIDATES_SHOWN:
            shown.append(f"  ... and {len(matches) - MAX_CANDIDATES_SHOWN} more")
        raise AwardLookupError(
            f"'{text}' is the beginning of {len(matches)} award ids; give more of the id:\n"
            + "\n".join(shown)
        )
    raise AwardLookupError(f"no award with id '{text}' in {where}{_close_id(wanted, ids)}")


def _close_id(wanted: str, ids: Collection[str]) -> str:
    """` (did you mean '...'?)` for an id whose beginning is close to wanted (a typo)."""
    if not wanted or not ids:
        return ""
    by_beginning: dict[str, str] = {}
    for award_id in sorted(ids):
        by_beginning.setdefault(award_id[: len(wanted)], award_id)
    matches = difflib.get_close_matches(wanted, list(by_beginning), n=1, cutoff=0.75)
    if matches:
        return f" (did you mean '{by_beginning[matches[0]]}'?)"
    return ""


def describe(award: Award) -> str:
    """One line naming an award to a person: issued date, earner, badge."""
    return f"{award.issued_on.date().isoformat()}  {award.earner.slug}  {award.badge.slug}"


def short_ids(ids: Collection[str]) -> dict[str, str]:
    """Each id's shortest beginning of at least SHOWN_PREFIX characters that no other id has."""
    ordered = sorted(ids)
    shown: dict[str, str] = {}
    for position, award_id in enumerate(ordered):
        needed = SHOWN_PREFIX
        for neighbour in ordered[max(position - 1, 0) : position + 2]:
            if neighbour != award_id:
                needed = max(needed, _common_length(award_id, neighbour) + 1)
        shown[award_id] = award_id[:needed]
    return shown


def _common_length(first: str, second: str) -> int:
    length = 0
    for a, b in zip(first, second, strict=False):  # stops at the shorter id
        if a != b:
            break
        length += 1
    return length


@dataclass(frozen=True)
class ListedAward:
    """One row of `badgesite list`."""

    award: Award
    short_id: str
    status: str

    @property
    def shown_status(self) -> str:
        if self.award.accepted or self.status == "revoked":
            return self.status
        return f"{self.status}, unaccepted"


def status_matches(award: Award, status: str, as_of: dt.datetime) -> bool:
    if status == "unaccepted":
        return not award.accepted
    return award.status(as_of) == status


def list_awards(
    site: Site,
    as_of: dt.datetime,
    earner: str | None = None,
    badge: str | None = None,
    statuses: Sequence[str] = (),
) -> tuple[ListedAward, ...]:
    """The site's awards that pass every filter given (any of statuses), oldest first."""
    if earner is not None and earner not in site.earners:
        raise AwardLookupError(
            f"no earner '{earner}' in content/earners/{did_you_mean(earner, sorted(site.earners))}"
        )
    if badge is not None and badge not in site.badges:
        raise AwardLookupError(
            f"no badge '{badge}' in content/badges/{did_you_mean(badge, sorted(site.badges))}"
        )
    for status in statuses:
        if status not in STATUSES:
            raise AwardLookupError(f"'{status}' is not a status: use one of {', '.join(STATUSES)}")
    shorts = short_ids(site.awards)
    chosen = [
        award
        for award in site.awards.values()
        if (earner is None or award.earner.slug == earner)
        and (badge is None or award.badge.slug == badge)
        and (not statuses or any(status_matches(award, status, as_of) for status in statuses))
    ]
    chosen.sort(key=lambda award: (award.issued_on, award.id))
    return tuple(ListedAward(award, shorts[award.id], award.status(as_of)) for award in chosen)


TABLE_HEADINGS = ("ID", "FULL ID", "ISSUED", "EARNER", "BADGE", "STATUS")


def table(rows: Sequence[ListedAward]) -> str:
    """rows as aligned columns under a heading line."""
    cells = [TABLE_HEADINGS] + [
        (
            row.short_id,
            row.award.id,
            row.award.issued_on.date().isoformat(),
            row.award.earner.slug,
            row.award.badge.slug,
            row.shown_status,
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in cells) for column in range(len(TABLE_HEADINGS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    )


def as_json(site: Site, rows: Sequence[ListedAward]) -> list[dict[str, Any]]:
    """rows as plain data for `--json`: one object per award."""
    return [
        {
            "id": row.award.id,
            "short_id": row.short_id,
            "issued_on": row.award.issued_on.isoformat(),
            "expires": row.award.expires.isoformat() if row.award.expires else None,
            "earner": row.award.earner.slug,
            "badge": row.award.badge.slug,
            "status": row.status,
            "accepted": row.award.accepted,
            "published": row.award.is_published,
            "url": site.config.base_url + urls.award_page(row.award.id),
            "file": row.award.source,
        }
        for row in rows
    ]
