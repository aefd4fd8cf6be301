"""Raw records -> one immutable Site: references resolved, defaults applied, all errors at once.

Each record type's fields, their reading and their own checks are its schema's (schema/);
here the records are put together: slugs resolved to the records they name, duplicates
and dangling references found, and the Site assembled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from badgesite.cache.image_cache import ImageCache
from badgesite.config import SiteConfig
from badgesite.errors import ContentError, ContentErrors, did_you_mean
from badgesite.listings import Listings as Listings
from badgesite.listings import Pager as Pager
from badgesite.listings import newest_first
from badgesite.load import LoadResult, RawRecord
from badgesite.schema.awards import AWARD, Award
from badgesite.schema.awards import Evidence as Evidence
from badgesite.schema.awards import Recipient as Recipient
from badgesite.schema.awards import Revocation as Revocation
from badgesite.schema.badges import BADGE, BadgeClass
from badgesite.schema.badges import Alignment as Alignment
from badgesite.schema.earners import EARNER, Earner
from badgesite.schema.earners import Link as Link
from badgesite.schema.fields import FieldReader
from badgesite.schema.imported import ImportedBadge, read_imported_badge
from badgesite.schema.issuers import ISSUER, Issuer
from badgesite.templating.themes import setting_line

# The record types are their schemas' (schema/), and the listings listings.py's; the
# rest of badgesite finds them here (`X as X`: imported to be found).
ISSUER_FIELDS = ISSUER.names
BADGE_FIELDS = BADGE.names
EARNER_FIELDS = EARNER.names
AWARD_FIELDS = AWARD.names


@dataclass(frozen=True)
class Site:
    """The whole site, validated: records by slug or id, in a stable order."""

    config: SiteConfig
    root: Path
    issuers: Mapping[str, Issuer]
    badges: Mapping[str, BadgeClass]
    earners: Mapping[str, Earner]
    awards: Mapping[str, Award]
    imported: Mapping[str, ImportedBadge] = field(default_factory=dict)

    @cached_property
    def published_imported(self) -> tuple[ImportedBadge, ...]:
        return tuple(badge for badge in self.imported.values() if badge.is_published)

    def imported_for(self, earner: Earner) -> tuple[ImportedBadge, ...]:
        """An earner's imported badges, newest first."""
        found = [badge for badge in self.imported.values() if badge.earner.slug == earner.slug]
        return tuple(
            sorted(
                found,
                key=lambda badge: (
                    badge.assertion.issued_on.moment if badge.assertion.issued_on else _EPOCH,
                    badge.key,
                ),
                reverse=True,
            )
        )

    @cached_property
    def status_changes(self) -> tuple[dt.datetime, ...]:
        """Every moment, sorted, at which an award or an imported badge may change status
        (an unrevoked award at its issue and expiry moments, an imported badge at its
        expiry): the build's output stays right between two of them."""
        changes: list[dt.datetime] = []
        for award in self.awards.values():
            if award.revocation is None:
                changes.append(award.issued_on)
                if award.expires is not None:
                    changes.append(award.expires)
        for badge in self.imported.values():
            if badge.assertion.expires is not None:
                changes.append(badge.assertion.expires.moment)
        return tuple(sorted(changes))

    @cached_property
    def published_awards(self) -> tuple[Award, ...]:
        return tuple(award for award in self.awards.values() if award.is_published)

    @cached_property
    def awards_by_earner(self) -> Mapping[str, tuple[Award, ...]]:
        return _grouped(self.awards.values(), self.earners, *_GROUPINGS["awards_by_earner"])

    @cached_property
    def listed_awards_by_badge(self) -> Mapping[str, tuple[Award, ...]]:
        return _grouped(self.awards.values(), self.badges, *_GROUPINGS["listed_awards_by_badge"])

    @cached_property
    def revoked_awards_by_issuer(self) -> Mapping[str, tuple[Award, ...]]:
        """Each issuer's published revoked awards, by id."""
        groupings = _GROUPINGS["revoked_awards_by_issuer"]
        return _grouped(self.published_awards, self.issuers, *groupings)

    @cached_property
    def badges_by_issuer(self) -> Mapping[str, tuple[BadgeClass, ...]]:
        grouped: dict[str, list[BadgeClass]] = {slug: [] for slug in self.issuers}
        for badge in self.badges.values():
            grouped[badge.issuer.slug].append(badge)
        return {slug: tuple(badges) for slug, badges in grouped.items()}

    @cached_property
    def badges_by_skill(self) -> Mapping[str, tuple[BadgeClass, ...]]:
        """Every skill a badge names, alphabetically, with the badges that attest it."""
        grouped: dict[str, list[BadgeClass]] = {}
        for badge in self.badges.values():
            for skill in badge.skills:
                grouped.setdefault(skill, []).append(badge)
        return {
            skill: tuple(grouped[skill]) for skill in sorted(grouped, key=lambda s: s.casefold())
        }

    @property
    def listed_earners(self) -> tuple[Earner, ...]:
        return tuple(earner for earner in self.earners.values() if earner.is_listed)

    def shown_awards(self, earner: Earner) -> tuple[Award, ...]:
        """The awards an earner's own profile shows: accepted ones, newest first."""
        return tuple(award for award in self.awards_by_earner[earner.slug] if award.accepted)

    def earned_through(self, award: Award) -> tuple[Award, ...]:
        """For a certification: this earner's accepted, unrevoked awards of its exams.

        An award the earner has not accepted is shown nowhere but at its own URL.
        """
        required = set(award.badge.requires)
        return tuple(
            other
            for other in self.awards_by_earner[award.earner.slug]
            if other.badge.slug in required and other.revocation is None and other.accepted
        )

    @cached_property
    def certifications_by_exam(self) -> Mapping[str, tuple[BadgeClass, ...]]:
        """Exam slug -> the certifications of more than one exam that require it."""
        grouped: dict[str, list[BadgeClass]] = {}
        for badge in self.badges.values():
            if len(badge.requires) >= 2:
                for slug in badge.requires:
                    grouped.setdefault(slug, []).append(badge)
        return {slug: tuple(badges) for slug, badges in grouped.items()}

    def certifications_requiring(self, exams: Iterable[str]) -> tuple[BadgeClass, ...]:
        """The certifications of more than one exam that require any of these exams, in
        the site's order: those an earner's progress can show (certification_progress)."""
        by_exam = self.certifications_by_exam
        found = {badge.slug: badge for slug in exams for badge in by_exam.get(slug, ())}
        position = self._badge_positions
        return tuple(found[slug] for slug in sorted(found, key=position.__getitem__))

    @cached_property
    def _badge_positions(self) -> Mapping[str, int]:
        return {slug: number for number, slug in enumerate(self.badges)}

    def certification_progress(
        self, earner: Earner
    ) -> tuple[tuple[BadgeClass, tuple[BadgeClass, ...], tuple[BadgeClass, ...]], ...]:
        """Multi-exam certifications begun but not earned: (certification, passed, missing)."""
        held = {award.badge.slug for award in self.shown_awards(earner) if award.revocation is None}
        progress = []
        for badge in self.certifications_requiring(held):
            if badge.slug in held:
                continue
            passed = tuple(self.badges[slug] for slug in badge.requires if slug in held)
            missing = tuple(self.badges[slug] for slug in badge.requires if slug not in held)
            if passed:
                progress.append((badge, passed, missing))
        return tuple(progress)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


class _Builder:
    """Turns raw records into model objects, collecting every error on the way; it is the
    Context the schemas read with (site settings, time zone, site folder, image cache)."""

    def __init__(
        self,
        config: SiteConfig,
        root: Path,
        loaded: LoadResult,
        cache: ImageCache | None,
        previous: Made | None = None,
    ) -> None:
        self.previous = previous
        self.made: Made = {}
        self.config = config
        self.cache = cache
        self.root = root
        self.loaded = loaded
        self.errors: list[ContentError] = list(loaded.errors)
        self.zone = config.zone
        self.invalid: set[tuple[str, str]] = set()

    def broken(self, kind: str, slug: str) -> bool:
        """Whether a record exists but has errors: references to it are not errors too."""
        return (kind, slug) in self.loaded.broken_slugs or (kind, slug) in self.invalid

    def reference(
        self,
        reader: FieldReader,
        key: str,
        kind: str,
        known: Mapping[str, object],
        value: str | None = None,
        key_path: tuple = (),
    ) -> object | None:
        slug = value if value is not None else reader.text(key, required=True)
        if not slug:
            return None
        if slug in known:
            return known[slug]
        if not self.broken(kind, slug):
            reader.error(
                key_path or (key,),
                f"no {kind} '{slug}' in content/{kind}s/{did_you_mean(slug, sorted(known))}",
            )
        return None

    def build(self) -> Site:
        by_kind: dict[str, list[RawRecord]] = {
            kind: [] for kind in ("issuer", "badge", "earner", "award", "imported")
        }
        for record in self.loaded.records:
            by_kind[record.kind].append(record)
        issuers = self._collect(by_kind["issuer"], self.issuer)
        self._check_default_issuer(issuers)
        badges = self._collect(
            by_kind["badge"],
            lambda record: self.badge(record, issuers),
            lambda badge: issuers.get(badge.issuer.slug) is badge.issuer,
        )
        self._check_requirements(badges, by_kind["badge"])
        earners = self._collect(by_kind["earner"], self.earner)
        awards = self._awards(by_kind["award"], badges, earners)
        imported = self._imported(by_kind["imported"], earners)
        if not any(record.kind != "imported" for record in self.loaded.records) and not self.errors:
            self.errors.append(
                ContentError(
                    "content",
                    0,
                    "",
                    "no records: add issuers, badges, earners and awards under content/",
                )
            )
        if self.errors:
            raise ContentErrors(self.errors)
        return Site(self.config, self.root, issuers, badges, earners, awards, imported)

    def _check_default_issuer(self, issuers: Mapping[str, Issuer]) -> None:
        default_issuer = self.config.default_issuer
        if not default_issuer or default_issuer in issuers:
            return
        if self.broken("issuer", default_issuer):
            return
        self.errors.append(
            ContentError(
                self.config.source,
                setting_line(self.root, "default_issuer"),
                "default_issuer",
                f"no issuer '{default_issuer}' in content/issuers/"
                f"{did_you_mean(default_issuer, sorted(issuers))}",
            )
        )

    def _again(self, record: RawRecord, fits: Callable[[Any], bool]) -> Any:
        """The object the last build made of this very record (unchanged, read then), when
        what it refers to is still the same too; else None."""
        if self.previous is None:
            return None
        found = self.previous.get(id(record))
        return found if found is not None and fits(found) else None

    def _collect(
        self,
        records: list[RawRecord],
        make: Callable[[RawRecord], Any],
        fits: Callable[[Any], bool] = lambda found: True,
    ) -> dict:
        made = {}
        for record in records:
            item = self._again(record, fits) or make(record)
            self.made[id(record)] = item
            if item is not None:
                made[record.slug] = item
            else:
                self.invalid.add((record.kind, str(record.slug)))
        return dict(sorted(made.items()))

    def issuer(self, record: RawRecord) -> Issuer | None:
        reader = FieldReader(record, self.errors)
        values = ISSUER.read(reader, self)
        if not (reader.valid and values["name"] and values["url"] and values["email"]):
            return None
        organization = values.pop("linkedin_organization_id")
        return Issuer(
            slug=str(record.slug),
            **values,
            linkedin_organization_id=str(organization) if organization is not None else "",
            source=record.source,
        )

    def badge(self, record: RawRecord, issuers: Mapping[str, Issuer]) -> BadgeClass | None:
        reader = FieldReader(record, self.errors)
        values = BADGE.read(reader, self)
        issuer_slug = values.pop("issuer")
        issuer: Issuer | None = None
        if not issuer_slug:
            reader.error((), "no issuer: add 'issuer' here or 'default_issuer' to site.yaml")
        elif issuer_slug in issuers:
            issuer = issuers[issuer_slug]
        elif reader.has("issuer"):
            self.reference(reader, "issuer", "issuer", issuers)
        if not (
            reader.valid and values["name"] and values["description"] and values["image"] and issuer
        ):
            return None
        values["image_alt"] = values["image_alt"] or f"{values['name']} badge"
        values["alignments"] = values.pop("alignment")
        values["draft"] = bool(values["draft"])
        return BadgeClass(slug=str(record.slug), issuer=issuer, source=record.source, **values)

    def _check_requirements(
        self, badges: Mapping[str, BadgeClass], records: list[RawRecord]
    ) -> None:
        by_slug = {record.slug: record for record in records}
        for badge in badges.values():
            record = by_slug[badge.slug]
            reader = FieldReader(record, self.errors)
            for index, required in enumerate(badge.requires):
                target = self.reference(
                    reader,
                    "requires",
                    "badge",
                    badges,
                    value=required,
                    key_path=("requires", index),
                )
                if isinstance(target, BadgeClass) and target.kind != "exam":
                    reader.error(
                        ("requires", index),
                        f"'{required}' is a {target.kind}; a certification requires exams",
                    )
                elif isinstance(target, BadgeClass) and target.draft and not badge.draft:
                    reader.error(
                        ("requires", index),
                        f"'{required}' is a draft; a published certification cannot require "
                        "it (publish the exam first, or make the certification a draft too)",
                    )

    def earner(self, record: RawRecord) -> Earner | None:
        reader = FieldReader(record, self.errors)
        values = EARNER.read(reader, self)
        if not (reader.valid and values["name"]):
            return None
        values["auto_accept"] = bool(values["auto_accept"])
        return Earner(slug=str(record.slug), source=record.source, **values)

    def _awards(
        self,
        records: list[RawRecord],
        badges: Mapping[str, BadgeClass],
        earners: Mapping[str, Earner],
    ) -> dict[str, Award]:
        awards: dict[str, Award] = {}
        first_seen: dict[str, RawRecord] = {}

        def fits(award: Award) -> bool:
            return (
                badges.get(award.badge.slug) is award.badge
                and earners.get(award.earner.slug) is award.earner
            )

        for record in records:
            award = self._again(record, fits) or self.award(record, badges, earners)
            self.made[id(record)] = award
            if award is None:
                continue
            if award.id in awards:
                first = first_seen[award.id]
                # Lines are looked up only here: finding one re-reads the file's YAML nodes.
                FieldReader(record, self.errors).error(
                    ("id",), f"duplicate award id: also used in {first.source}:{first.line('id')}"
                )
                continue
            awards[award.id] = award
            first_seen[award.id] = record
        return dict(sorted(awards.items()))

    def award(
        self,
        record: RawRecord,
        badges: Mapping[str, BadgeClass],
        earners: Mapping[str, Earner],
    ) -> Award | None:
        reader = FieldReader(record, self.errors)
        values = AWARD.read(reader, self)
        badge = self.reference(reader, "badge", "badge", badges, value=values["badge"])
        earner = self.reference(reader, "earner", "earner", earners, value=values["earner"])
        issued_on = values["issued_on"]
        if isinstance(badge, BadgeClass) and _retired_by(badge, issued_on):
            reader.error(
                ("issued_on",),
                f"badge '{badge.slug}' was retired on {badge.retired.date().isoformat()}; "
                "a retired badge is no longer awarded",
            )
        if not (
            reader.valid
            and values["id"]
            and isinstance(badge, BadgeClass)
            and isinstance(earner, Earner)
            and values["recipient"]
            and issued_on
        ):
            return None
        accepted = values["accepted"]
        values.update(
            badge=badge,
            earner=earner,
            accepted=earner.auto_accept if accepted is None else accepted,
            revocation=values.pop("revoked"),
            sample=bool(values["sample"]),
            draft=bool(values["draft"]),
        )
        return Award(**values, source=record.source)

    def _imported(
        self, records: list[RawRecord], earners: Mapping[str, Earner]
    ) -> dict[str, ImportedBadge]:
        found: dict[str, ImportedBadge] = {}
        for record in records:
            badge = self._again(
                record, lambda found: earners.get(found.earner.slug) is found.earner
            ) or read_imported_badge(record, self.errors, self, earners)
            self.made[id(record)] = badge
            if badge is not None:
                found[badge.key] = badge
        return found


def _retired_by(badge: BadgeClass, issued_on: dt.datetime | None) -> bool:
    """Whether an award issued then was issued once the badge was retired."""
    return issued_on is not None and badge.retired is not None and issued_on >= badge.retired


def without_drafts(site: Site) -> Site:
    """The site as published: draft badge classes and draft awards (those of a draft badge
    class included) left out, once they have been checked like everything else. The site
    itself when it has none (what it derives from its records is then derived once)."""
    if not any(badge.draft for badge in site.badges.values()) and not any(
        award.draft for award in site.awards.values()
    ):
        return site  # (an award is a draft when marked so or of a draft badge class)
    return replace(
        site,
        badges={slug: badge for slug, badge in site.badges.items() if not badge.draft},
        awards={award_id: award for award_id, award in site.awards.items() if not award.is_draft},
    )


def _listed_badge(award: Award) -> str | None:
    return award.badge.slug if award.is_listed else None


def _earner(award: Award) -> str | None:
    return award.earner.slug


def _revoked_issuer(award: Award) -> str | None:
    return award.badge.issuer.slug if award.is_published and award.revocation is not None else None


def _by_id(awards: list[Award]) -> list[Award]:
    return sorted(awards, key=lambda award: award.id)


# The groupings of a site's awards (Site's properties of these names): the group each award
# is in (None: none), and the order of a group's awards.
_GROUPINGS: dict[
    str, tuple[Callable[[Award], str | None], Callable[[list[Award]], list[Award]]]
] = {
    "listed_awards_by_badge": (_listed_badge, newest_first),
    "awards_by_earner": (_earner, newest_first),
    "revoked_awards_by_issuer": (_revoked_issuer, _by_id),
}


def _grouped(
    awards: Iterable[Award],
    groups: Iterable[str],
    group_of: Callable[[Award], str | None],
    order: Callable[[list[Award]], list[Award]],
) -> dict[str, tuple[Award, ...]]:
    """Every group (each of groups, empty or not) with its awards, in order."""
    grouped: dict[str, list[Award]] = {group: [] for group in groups}
    for award in awards:
        group = group_of(award)
        if group is not None:
            grouped[group].append(award)
    return {group: tuple(order(members)) for group, members in grouped.items()}


def derive_again(before: Site, after: Site) -> None:
    """Give after the groupings of awards (by badge, earner, issuer) that before derived,
    made again only for the groups an award that changed was or is in (by object: a
    record's object is made again whenever it or a record it embeds changes). Only between
    sites of the same issuers, badge classes and earners (the same objects); otherwise, and
    for a grouping before did not derive, after derives its own when asked."""
    if not (
        _same(before.issuers, after.issuers)
        and _same(before.badges, after.badges)
        and _same(before.earners, after.earners)
    ):
        return
    then, now = before.awards, after.awards
    changed = {key for key in then.keys() | now.keys() if then.get(key) is not now.get(key)}
    old = [then[key] for key in changed if key in then]
    new = [now[key] for key in changed if key in now]
    for name, (group_of, order) in _GROUPINGS.items():
        derived = before.__dict__.get(name)  # (a cached_property keeps its value there)
        if derived is None:
            continue
        groups = dict(derived)
        for group in {group_of(award) for award in (*old, *new)} - {None}:
            members = [award for award in groups[group] if award.id not in changed]
            members += [award for award in new if group_of(award) == group]
            groups[group] = tuple(order(members))
        after.__dict__[name] = groups


def _same(before: Mapping[str, object], after: Mapping[str, object]) -> bool:
    """Whether both hold the same objects by the same keys."""
    return len(before) == len(after) and all(
        after.get(key) is found for key, found in before.items()
    )


def build_site(
    config: SiteConfig, root: Path, loaded: LoadResult, cache: ImageCache | None = None
) -> Site:
    """Validate every record and resolve references; raise ContentErrors with all problems.

    With a cache, a raster image already checked is not decoded again.
    """
    return _Builder(config, root, loaded, cache).build()


# What a build made of each record: the model object by the RawRecord's identity (None for
# a record in error). It is valid while those RawRecords live (a kept build state holds them).
Made = dict[int, Any]


def build_site_again(
    config: SiteConfig,
    root: Path,
    loaded: LoadResult,
    cache: ImageCache | None = None,
    previous: Made | None = None,
) -> tuple[Site, Made]:
    """build_site, and what it made of each record. With previous (what a build with the
    same settings made), a record it read, the very RawRecord, is not read again when the
    records it refers to are the same objects as then: the object made then is reused. The
    site-wide checks (references, duplicates, requirements) all run as they always do."""
    builder = _Builder(config, root, loaded, cache, previous)
    return builder.build(), builder.made
