"""Who the listing pages show as of one moment, split into pages: a badge's holders, the
earner and badge indexes, the skills index."""

from __future__ import annotations

import datetime as dt
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


class Listings:
    """Who the listing pages show as of one moment (the build's): a badge's holders, the
    indexes of public earners and of badges, and the skills index, each split into pages of
    site.yaml's `paginate` entries.

    A holder is a public earner with an accepted award of the badge that is neither revoked
    nor expired, listed once however many such awards they have. Awards that are not valid
    yet are listed too, after the valid ones, for the browser to show once their day comes
    (pages outlive their build); the count says how many hold it now. Unaccepted awards and
    unlisted earners are shown nowhere but at their own URL, so they are not counted either.
    """

    def __init__(self, site: Site, as_of: dt.datetime) -> None:
        self.site = site
        self.as_of = as_of
        self.page_size = site.config.paginate
        self._holders: dict[str, tuple[Award, ...]] = {}
        self._holder_pages: dict[str, tuple[Pager, ...]] = {}

    def holders(self, badge_slug: str) -> tuple[Award, ...]:
        """One award per holder: the valid one lasting longest (the newest of those), else
        the first to become valid. Holders valid now come first, newest first; then those
        not valid yet, soonest first."""
        found = self._holders.get(badge_slug)
        if found is None:
            found = self._choose_holders(badge_slug)
            self._holders[badge_slug] = found
        return found

    def _choose_holders(self, badge_slug: str) -> tuple[Award, ...]:
        chosen: dict[str, Award] = {}
        for award in self.site.listed_awards_by_badge[badge_slug]:
            state = award.status(self.as_of)
            if state not in ("valid", "not-yet-valid"):
                continue
            other = chosen.get(award.earner.slug)
            if other is None or self._better(award, other):
                chosen[award.earner.slug] = award
        valid = [award for award in chosen.values() if award.status(self.as_of) == "valid"]
        later = [award for award in chosen.values() if award.status(self.as_of) != "valid"]
        return (*newest_first(valid), *sorted(later, key=lambda a: (a.issued_on, a.id)))

    def _better(self, award: Award, other: Award) -> bool:
        is_valid = award.status(self.as_of) == "valid"
        other_valid = other.status(self.as_of) == "valid"
        if is_valid != other_valid:
            return is_valid
        if is_valid:
            return _lasting(award) > _lasting(other)
        return (award.issued_on, award.id) < (other.issued_on, other.id)

    def holder_count(self, badge_slug: str) -> int:
        """How many public earners hold the badge now."""
        return sum(1 for award in self.holders(badge_slug) if award.status(self.as_of) == "valid")

    def holder_pages(self, badge_slug: str) -> tuple[Pager, ...]:
        found = self._holder_pages.get(badge_slug)
        if found is None:
            found = paginate(
                self.holders(badge_slug),
                self.page_size,
                lambda number: urls.badge_holders(badge_slug, number),
            )
            self._holder_pages[badge_slug] = found
        return found

    def skill_holders(self, badge_slug: str) -> tuple[Award, ...]:
        """The holders the skills index names under a badge."""
        return self.holders(badge_slug)[:SKILL_HOLDERS_SHOWN]

    def skill_holders_not_shown(self, badge_slug: str) -> int:
        """How many holders valid now the skills index leaves to the badge's page."""
        named = sum(
            1 for award in self.skill_holders(badge_slug) if award.status(self.as_of) == "valid"
        )
        return self.holder_count(badge_slug) - named

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


def newest_first(awards: list[Award]) -> list[Award]:
    return sorted(awards, key=lambda award: (award.issued_on, award.id), reverse=True)
