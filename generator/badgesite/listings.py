"""Who the listing pages show as of one moment, split into pages: a badge's holders, the
earner and badge indexes, the skills index."""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from badgesite import urls

if TYPE_CHECKING:
    from badgesite.model import Site
    from badgesite.schema.awards import Award

_EXPIRES_NEVER = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


def _lasting(award: Award) -> tuple[dt.datetime, dt.datetime, str]:
    """Orders valid awards by how long they stay valid, then by how new they are."""
    return (award.expires or _EXPIRES_NEVER, award.issued_on, award.id)


# The skills index names this many holders of each badge, and links to the badge for the rest.
SKILL_HOLDERS_SHOWN = 10


@dataclass(frozen=True)
class Pager:
    """One page of a listing split into pages: its entries and the paths of all its pages."""

    number: int  # from 1
    paths: tuple[str, ...]  # every page's URL path, the first page's first
    entries: tuple[Any, ...]
    total: int  # entries on all pages together

    @property
    def count(self) -> int:
        return len(self.paths)

    @property
    def previous_path(self) -> str:
        return self.paths[self.number - 2] if self.number > 1 else ""

    @property
    def next_path(self) -> str:
        return self.paths[self.number] if self.number < self.count else ""

    def nearby(self, around: int = 2) -> tuple[int, ...]:
        """The page numbers a page links by number: the first, the last and those around
        itself (every page stays reachable through the previous and next links)."""
        shown = {1, self.count, *range(self.number - around, self.number + around + 1)}
        return tuple(number for number in sorted(shown) if 1 <= number <= self.count)


def page_count(total: int, page_size: int) -> int:
    """How many pages `total` entries fill; an empty listing still has its first page."""
    return max(1, -(-total // page_size))


def paginate(
    entries: tuple[Any, ...], page_size: int, path_of: Callable[[int], str]
) -> tuple[Pager, ...]:
    """`entries` split into pages of `page_size`, page n published at `path_of(n)`."""
    paths = tuple(path_of(number) for number in range(1, page_count(len(entries), page_size) + 1))
    return tuple(
        Pager(number, paths, entries[(number - 1) * page_size : number * page_size], len(entries))
        for number in range(1, len(paths) + 1)
    )


@dataclass(frozen=True)
class _Holders:
    """A badge's holders as of a moment, with what they were chosen from: its listed awards
    (by identity), and the moments between which each of their statuses stays the same."""

    awards: tuple[Award, ...]
    holders: tuple[Award, ...]
    count: int  # holders valid at the moment
    named_valid: int  # of the first SKILL_HOLDERS_SHOWN, those valid at the moment
    since: dt.datetime | None  # every status is the same from this moment on (None: ever)
    until: dt.datetime | None  # up to but not including this one (None: for ever)
    pages: tuple[Pager, ...] | None = None  # by page_size, once asked for

    def holds_for(self, awards: tuple[Award, ...], as_of: dt.datetime) -> bool:
        """Whether these are the holders of awards as of as_of: the same award objects (a
        record's object is made again whenever it or a record it embeds changes), and a
        moment at which none of them has another status."""
        return (
            (self.since is None or self.since <= as_of)
            and (self.until is None or as_of < self.until)
            and len(awards) == len(self.awards)
            and all(map(operator.is_, awards, self.awards))
        )


class Listings:
    """Who the listing pages show as of one moment (the build's): a badge's holders, the
    indexes of public earners and of badges, and the skills index, each split into pages of
    site.yaml's `paginate` entries.

    A holder is a public earner with an accepted award of the badge that is neither revoked
    nor expired, listed once however many such awards they have. Awards that are not valid
    yet are listed too, after the valid ones, for the browser to show once their day comes
    (pages outlive their build); the count says how many hold it now. Unaccepted awards and
    unlisted earners are shown nowhere but at their own URL, so they are not counted either.

    One build makes one Listings (its plan carries it to the fingerprints and renderer).
    With previous (the last build's), a badge whose listed awards are the very objects
    they were then, at a moment at which none of them has changed status, keeps the
    holders chosen then.
    """

    def __init__(self, site: Site, as_of: dt.datetime, previous: Listings | None = None) -> None:
        self.site = site
        self.as_of = as_of
        self.page_size = site.config.paginate
        self._holders: dict[str, _Holders] = {}
        # Only the previous build's own results: a Listings never keeps an older one alive.
        self._previous: Mapping[str, _Holders] = {} if previous is None else previous._holders
        self._previous_page_size = None if previous is None else previous.page_size

    @classmethod
    def of(cls, found: Listings | None, site: Site, as_of: dt.datetime) -> Listings:
        """found (a plan's listings) when they are this site's as of this moment, else new
        ones: one build computes each listing once."""
        if found is not None and found.site is site and found.as_of == as_of:
            return found
        return cls(site, as_of)

    def _of(self, badge_slug: str) -> _Holders:
        found = self._holders.get(badge_slug)
        if found is None:
            awards = self.site.listed_awards_by_badge[badge_slug]
            then = self._previous.get(badge_slug)
            if then is not None and then.holds_for(awards, self.as_of):
                found = then
                if then.pages is not None and self._previous_page_size != self.page_size:
                    found = dataclasses.replace(then, pages=None)
            else:
                found = self._choose_holders(awards)
            self._holders[badge_slug] = found
        return found

    def holders(self, badge_slug: str) -> tuple[Award, ...]:
        """One award per holder: the valid one lasting longest (the newest of those), else
        the first to become valid. Holders valid now come first, newest first; then those
        not valid yet, soonest first."""
        return self._of(badge_slug).holders

    def _choose_holders(self, awards: tuple[Award, ...]) -> _Holders:
        as_of = self.as_of
        chosen: dict[str, tuple[Award, bool]] = {}  # by earner: the award, and if valid now
        since: dt.datetime | None = None
        until: dt.datetime | None = None
        for award in awards:
            state = award.status(as_of)
            if state != "revoked":  # (a revoked award stays revoked)
                for change in (award.issued_on, award.expires):
                    if change is None:
                        continue
                    if change <= as_of:
                        since = change if since is None or change > since else since
                    elif until is None or change < until:
                        until = change
            if state not in ("valid", "not-yet-valid"):
                continue
            is_valid = state == "valid"
            other = chosen.get(award.earner.slug)
            if other is None or _better(award, is_valid, *other):
                chosen[award.earner.slug] = (award, is_valid)
        valid = [award for award, is_valid in chosen.values() if is_valid]
        later = [award for award, is_valid in chosen.values() if not is_valid]
        holders = (*newest_first(valid), *sorted(later, key=lambda a: (a.issued_on, a.id)))
        # The valid holders come first: those the skills index names that are valid now.
        named_valid = min(len(valid), SKILL_HOLDERS_SHOWN)
        return _Holders(awards, holders, len(valid), named_valid, since, until)

    def holder_count(self, badge_slug: str) -> int:
        """How many public earners hold the badge now."""
        return self._of(badge_slug).count

    def holder_pages(self, badge_slug: str) -> tuple[Pager, ...]:
        found = self._of(badge_slug)
        if found.pages is None:
            pages = paginate(
                found.holders,
                self.page_size,
                lambda number: urls.badge_holders(badge_slug, number),
            )
            found = dataclasses.replace(found, pages=pages)
            self._holders[badge_slug] = found
        assert found.pages is not None
        return found.pages

    def skill_holders(self, badge_slug: str) -> tuple[Award, ...]:
        """The holders the skills index names under a badge."""
        return self.holders(badge_slug)[:SKILL_HOLDERS_SHOWN]

    def skill_holders_not_shown(self, badge_slug: str) -> int:
        """How many holders valid now the skills index leaves to the badge's page."""
        found = self._of(badge_slug)
        return found.count - found.named_valid

    @cached_property
    def earner_pages(self) -> tuple[Pager, ...]:
        """Every public earner, by slug (the order of their names, transliterated)."""
        return paginate(self.site.listed_earners, self.page_size, urls.earners_index)

    @cached_property
    def badge_pages(self) -> tuple[Pager, ...]:
        """Every badge class, by slug."""
        return paginate(tuple(self.site.badges.values()), self.page_size, urls.badges_index)

    @cached_property
    def skill_pages(self) -> tuple[Pager, ...]:
        """(skill, its badges) pairs, alphabetically by skill."""
        return paginate(tuple(self.site.badges_by_skill.items()), self.page_size, urls.skills_index)

    @cached_property
    def skill_paths(self) -> Mapping[str, str]:
        """Skill -> the path of the skills index page that shows it."""
        return {
            skill: pager.paths[pager.number - 1]
            for pager in self.skill_pages
            for skill, _ in pager.entries
        }


def _better(award: Award, is_valid: bool, other: Award, other_valid: bool) -> bool:
    """Whether award (valid now or not) lists its earner rather than other."""
    if is_valid != other_valid:
        return is_valid
    if is_valid:
        return _lasting(award) > _lasting(other)
    return (award.issued_on, award.id) < (other.issued_on, other.id)


def newest_first(awards: list[Award]) -> list[Award]:
    return sorted(awards, key=lambda award: (award.issued_on, award.id), reverse=True)
