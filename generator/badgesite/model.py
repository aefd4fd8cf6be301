"""Raw records -> one immutable Site: references resolved, defaults applied, all errors at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from badgesite import urls
from badgesite.cache.image_cache import ImageCache
from badgesite.config import VISIBILITIES, SiteConfig
from badgesite.errors import ContentError, ContentErrors, did_you_mean
from badgesite.images.inspection import ImageFile, ImageProblem, inspect_image
from badgesite.importing.snapshot_format import FORMAT, SNAPSHOT_FIELDS, STATUSES, imported_dir
from badgesite.importing.snapshot_read import retrieved_from_snapshot, snapshot_image
from badgesite.load import (
    LoadResult,
    RawRecord,
    slug_problem,
)
from badgesite.openbadges.hashing import RECORD_HASHED_IDENTITY, RECORD_RECIPIENT_TYPES
from badgesite.openbadges.reader import ForeignAssertion, parse_date, read_assertion
from badgesite.schema.fields import MAX_LINE, MAX_PARAGRAPH, FieldReader, quoted, shown
from badgesite.templating.themes import setting_line

BADGE_KINDS = ("badge", "exam", "certification")
BADGE_IMAGE_FORMATS = ("png", "svg")
ISSUER_IMAGE_FORMATS = ("png", "svg")
AVATAR_FORMATS = ("png", "jpeg", "webp")

ISSUER_FIELDS = ("name", "url", "email", "description", "image", "linkedin_organization_id")
BADGE_FIELDS = (
    "name",
    "description",
    "image",
    "image_alt",
    "issuer",
    "kind",
    "criteria",
    "criteria_url",
    "requires",
    "skills",
    "alignment",
    "tags",
    "retired",
    "draft",
)
ALIGNMENT_FIELDS = ("name", "url", "framework", "code", "description")
EARNER_FIELDS = ("name", "visibility", "auto_accept", "bio", "headline", "image", "links")
LINK_FIELDS = ("label", "url")
AWARD_FIELDS = (
    "id",
    "badge",
    "earner",
    "recipient",
    "issued_on",
    "expires",
    "accepted",
    "narrative",
    "evidence",
    "revoked",
    "sample",
    "draft",
)
RECIPIENT_FIELDS = ("identity", "salt", "type")
EVIDENCE_FIELDS = ("url", "name", "description", "narrative")
REVOCATION_FIELDS = ("date", "reason")


@dataclass(frozen=True)
class Issuer:
    slug: str
    name: str
    url: str
    email: str
    description: str
    image: ImageFile | None
    linkedin_organization_id: str
    source: str


@dataclass(frozen=True)
class Alignment:
    name: str
    url: str
    framework: str
    code: str
    description: str


@dataclass(frozen=True)
class BadgeClass:
    slug: str
    name: str
    description: str
    image: ImageFile
    image_alt: str
    issuer: Issuer
    kind: str
    criteria: str
    criteria_url: str
    requires: tuple[str, ...]
    skills: tuple[str, ...]
    alignments: tuple[Alignment, ...]
    tags: tuple[str, ...]
    retired: dt.datetime | None
    source: str
    draft: bool = False  # never published; built only by `build --drafts`, marked DRAFT

    @property
    def is_draft(self) -> bool:
        return self.draft


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Earner:
    slug: str
    name: str
    visibility: str
    auto_accept: bool
    bio: str
    headline: str
    image: ImageFile | None
    links: tuple[Link, ...]
    source: str

    @property
    def is_published(self) -> bool:
        return self.visibility != "private"

    @property
    def is_listed(self) -> bool:
        return self.visibility == "public"


@dataclass(frozen=True)
class Recipient:
    identity: str
    salt: str
    type: str


@dataclass(frozen=True)
class Evidence:
    url: str
    name: str
    description: str
    narrative: str


@dataclass(frozen=True)
class Revocation:
    date: dt.datetime | None
    reason: str


@dataclass(frozen=True)
class Award:
    id: str
    badge: BadgeClass
    earner: Earner
    recipient: Recipient
    issued_on: dt.datetime
    expires: dt.datetime | None
    accepted: bool
    narrative: str
    evidence: tuple[Evidence, ...]
    revocation: Revocation | None
    source: str
    # A sample of `badgesite new`, issued to nobody: never recorded as published.
    sample: bool = False
    draft: bool = False

    @property
    def is_draft(self) -> bool:
        """Marked draft, or of a draft badge class: never published, never recorded."""
        return self.draft or self.badge.draft

    @property
    def is_published(self) -> bool:
        """Its JSON and page exist: everything but a private earner's awards."""
        return self.earner.is_published

    @property
    def is_listed(self) -> bool:
        """Shown on profiles and listings: published, accepted, and the earner is public."""
        return self.accepted and self.earner.is_listed

    @property
    def possible_statuses(self) -> tuple[str, ...]:
        """Every status a page of this award may have to show as time passes after the
        build: a revoked award stays revoked; any other one may turn to any other."""
        if self.revocation is not None:
            return ("revoked",)
        return ("valid", "expired", "not-yet-valid")

    def status(self, as_of: dt.datetime) -> str:
        """revoked, expired, not-yet-valid or valid, as of a moment."""
        if self.revocation is not None:
            return "revoked"
        if self.expires is not None and self.expires <= as_of:
            return "expired"
        if self.issued_on > as_of:
            return "not-yet-valid"
        return "valid"


@dataclass(frozen=True)
class ImportedBadge:
    """A badge another issuer awarded to one of the site's earners, from its snapshot."""

    key: str
    earner: Earner
    assertion: ForeignAssertion
    image: ImageFile | None
    retrieved_at: dt.datetime
    verified_at: dt.datetime
    verified_status: str
    source: str

    @property
    def is_published(self) -> bool:
        return self.earner.is_published

    @property
    def is_listed(self) -> bool:
        return self.earner.is_listed

    def status(self, as_of: dt.datetime) -> str:
        """The status found when last verified, aged to `as_of` for expiry."""
        expires = self.assertion.expires
        if self.verified_status == "valid" and expires is not None and expires.moment <= as_of:
            return "expired"
        return self.verified_status


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
    def published_awards(self) -> tuple[Award, ...]:
        return tuple(award for award in self.awards.values() if award.is_published)

    @cached_property
    def awards_by_earner(self) -> Mapping[str, tuple[Award, ...]]:
        grouped: dict[str, list[Award]] = {slug: [] for slug in self.earners}
        for award in self.awards.values():
            grouped[award.earner.slug].append(award)
        return {slug: tuple(_newest_first(awards)) for slug, awards in grouped.items()}

    @cached_property
    def listed_awards_by_badge(self) -> Mapping[str, tuple[Award, ...]]:
        grouped: dict[str, list[Award]] = {slug: [] for slug in self.badges}
        for award in self.awards.values():
            if award.is_listed:
                grouped[award.badge.slug].append(award)
        return {slug: tuple(_newest_first(awards)) for slug, awards in grouped.items()}

    @cached_property
    def revoked_awards_by_issuer(self) -> Mapping[str, tuple[Award, ...]]:
        grouped: dict[str, list[Award]] = {slug: [] for slug in self.issuers}
        for award in self.published_awards:
            if award.revocation is not None:
                grouped[award.badge.issuer.slug].append(award)
        return {slug: tuple(sorted(awards, key=lambda a: a.id)) for slug, awards in grouped.items()}

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

    def certification_progress(
        self, earner: Earner
    ) -> tuple[tuple[BadgeClass, tuple[BadgeClass, ...], tuple[BadgeClass, ...]], ...]:
        """Multi-exam certifications begun but not earned: (certification, passed, missing)."""
        held = {award.badge.slug for award in self.shown_awards(earner) if award.revocation is None}
        progress = []
        for badge in self.badges.values():
            if len(badge.requires) < 2 or badge.slug in held:
                continue
            passed = tuple(self.badges[slug] for slug in badge.requires if slug in held)
            missing = tuple(self.badges[slug] for slug in badge.requires if slug not in held)
            if passed:
                progress.append((badge, passed, missing))
        return tuple(progress)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
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
        return (*_newest_first(valid), *sorted(later, key=lambda a: (a.issued_on, a.id)))

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


def _newest_first(awards: list[Award]) -> list[Award]:
    return sorted(awards, key=lambda award: (award.issued_on, award.id), reverse=True)


class _Builder:
    """Turns raw records into model objects, collecting every error on the way."""

    def __init__(
        self, config: SiteConfig, root: Path, loaded: LoadResult, cache: ImageCache | None
    ) -> None:
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

    def image(
        self, reader: FieldReader, key: str, allowed: tuple[str, ...], required: bool
    ) -> ImageFile | None:
        relative = reader.path(key, required=required)
        if not relative:
            return None
        content_dir = (self.root / "content").resolve()
        candidate = (self.root / "content" / relative).resolve()
        if Path(relative).is_absolute() or not candidate.is_relative_to(content_dir):
            reader.error(
                (key,), f"'{shown(relative)}' is outside content/; use a path like images/x.png"
            )
            return None
        try:
            return inspect_image(self.root / "content" / relative, allowed, self.cache)
        except ImageProblem as problem:
            reader.error((key,), str(problem))
            return None

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
            "issuer": [],
            "badge": [],
            "earner": [],
            "award": [],
            "imported": [],
        }
        for record in self.loaded.records:
            by_kind[record.kind].append(record)
        issuers = self._collect(by_kind["issuer"], self.issuer)
        default_issuer = self.config.default_issuer
        if (
            default_issuer
            and default_issuer not in issuers
            and not self.broken("issuer", default_issuer)
        ):
            self.errors.append(
                ContentError(
                    self.config.source,
                    setting_line(self.root, "default_issuer"),
                    "default_issuer",
                    f"no issuer '{self.config.default_issuer}' in content/issuers/"
                    f"{did_you_mean(self.config.default_issuer, sorted(issuers))}",
                )
            )
        badges = self._collect(by_kind["badge"], lambda record: self.badge(record, issuers))
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

    def _collect(self, records: list[RawRecord], make) -> dict:
        made = {}
        for record in records:
            item = make(record)
            if item is not None:
                made[record.slug] = item
            else:
                self.invalid.add((record.kind, str(record.slug)))
        return dict(sorted(made.items()))

    def issuer(self, record: RawRecord) -> Issuer | None:
        reader = FieldReader(record, self.errors)
        reader.check_keys(ISSUER_FIELDS)
        name = reader.text("name", required=True)
        url = reader.url("url", required=True)
        email = reader.email("email", required=True)
        image = self.image(reader, "image", ISSUER_IMAGE_FORMATS, required=False)
        organization = reader.integer("linkedin_organization_id")
        description = reader.markdown("description")
        if not (reader.valid and name and url and email):
            return None
        return Issuer(
            slug=str(record.slug),
            name=name,
            url=url,
            email=email,
            description=description,
            image=image,
            linkedin_organization_id=str(organization) if organization is not None else "",
            source=record.source,
        )

    def badge(self, record: RawRecord, issuers: Mapping[str, Issuer]) -> BadgeClass | None:
        reader = FieldReader(record, self.errors)
        reader.check_keys(BADGE_FIELDS)
        name = reader.text("name", required=True)
        description = reader.markdown("description", required=True)
        image = self.image(reader, "image", BADGE_IMAGE_FORMATS, required=True)
        kind = reader.choice("kind", BADGE_KINDS, "badge")
        issuer_slug = reader.text("issuer") or self.config.default_issuer
        issuer: Issuer | None = None
        if not issuer_slug:
            reader.error((), "no issuer: add 'issuer' here or 'default_issuer' to site.yaml")
        elif issuer_slug in issuers:
            issuer = issuers[issuer_slug]
        elif reader.has("issuer"):
            self.reference(reader, "issuer", "issuer", issuers)
        criteria = reader.markdown("criteria")
        criteria_url = reader.url("criteria_url")
        if not criteria and not criteria_url and reader.valid:
            reader.error((), "needs 'criteria' (what an earner must do) or 'criteria_url'")
        requires = reader.string_list("requires")
        if requires and kind != "certification":
            reader.error(("requires",), "only a certification can require exams")
        alignments = tuple(
            alignment
            for alignment in (self.alignment(item) for item in reader.mapping_list("alignment"))
            if alignment is not None
        )
        retired = reader.timestamp("retired", self.zone)
        image_alt = reader.paragraph("image_alt")
        skills = reader.string_list("skills")
        tags = reader.string_list("tags")
        if not (reader.valid and name and description and image and issuer):
            return None
        return BadgeClass(
            slug=str(record.slug),
            name=name,
            description=description,
            image=image,
            image_alt=image_alt or f"{name} badge",
            issuer=issuer,
            kind=kind,
            criteria=criteria,
            criteria_url=criteria_url,
            requires=requires,
            skills=skills,
            alignments=alignments,
            tags=tags,
            retired=retired,
            source=record.source,
            draft=bool(reader.boolean("draft", False)),
        )

    def alignment(self, reader: FieldReader) -> Alignment | None:
        reader.check_keys(ALIGNMENT_FIELDS)
        name = reader.text("name", required=True)
        url = reader.url("url", required=True)
        framework = reader.text("framework")
        code = reader.text("code")
        description = reader.paragraph("description")
        if not (reader.valid and name and url):
            return None
        return Alignment(name, url, framework, code, description)

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
        reader.check_keys(EARNER_FIELDS)
        name = reader.text("name", required=True)
        visibility = reader.choice("visibility", VISIBILITIES, self.config.default_visibility)
        auto_accept = reader.boolean("auto_accept", True)
        image = self.image(reader, "image", AVATAR_FORMATS, required=False)
        links = []
        for link_reader in reader.mapping_list("links"):
            link_reader.check_keys(LINK_FIELDS)
            label = link_reader.text("label", required=True)
            url = link_reader.url("url", required=True)
            if label and url:
                links.append(Link(label, url))
        bio = reader.markdown("bio")
        headline = reader.text("headline")
        if not (reader.valid and name):
            return None
        return Earner(
            slug=str(record.slug),
            name=name,
            visibility=visibility,
            auto_accept=bool(auto_accept),
            bio=bio,
            headline=headline,
            image=image,
            links=tuple(links),
            source=record.source,
        )

    def _awards(
        self,
        records: list[RawRecord],
        badges: Mapping[str, BadgeClass],
        earners: Mapping[str, Earner],
    ) -> dict[str, Award]:
        awards: dict[str, Award] = {}
        first_seen: dict[str, RawRecord] = {}
        for record in records:
            award = self.award(record, badges, earners)
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
        reader.check_keys(AWARD_FIELDS)
        award_id = reader.text("id", required=True)
        id_problem = slug_problem(award_id) if award_id else None
        if id_problem:
            reader.error(("id",), f"{id_problem} (badgesite award makes a UUID)")
            award_id = ""
        badge = self.reference(reader, "badge", "badge", badges)
        earner = self.reference(reader, "earner", "earner", earners)
        recipient = self.recipient(reader)
        issued_on = reader.timestamp("issued_on", self.zone, required=True)
        expires = reader.timestamp("expires", self.zone)
        if issued_on and expires and expires <= issued_on:
            reader.error(("expires",), "must be after issued_on")
        if (
            issued_on
            and isinstance(badge, BadgeClass)
            and badge.retired is not None
            and issued_on >= badge.retired
        ):
            reader.error(
                ("issued_on",),
                f"badge '{badge.slug}' was retired on {badge.retired.date().isoformat()}; "
                "a retired badge is no longer awarded",
            )
        accepted = reader.boolean("accepted", None)
        evidence = tuple(
            item for item in (self.evidence(r) for r in reader.mapping_list("evidence")) if item
        )
        revocation = self.revocation(reader)
        narrative = reader.markdown("narrative")
        sample = reader.boolean("sample", False)
        draft = bool(reader.boolean("draft", False))
        if not (
            reader.valid
            and award_id
            and isinstance(badge, BadgeClass)
            and isinstance(earner, Earner)
            and recipient
            and issued_on
        ):
            return None
        return Award(
            id=award_id,
            badge=badge,
            earner=earner,
            recipient=recipient,
            issued_on=issued_on,
            expires=expires,
            accepted=earner.auto_accept if accepted is None else accepted,
            narrative=narrative,
            evidence=evidence,
            revocation=revocation,
            source=record.source,
            sample=bool(sample),
            draft=draft,
        )

    def recipient(self, reader: FieldReader) -> Recipient | None:
        nested = reader.mapping("recipient")
        if nested is None:
            reader.text("recipient", required=True)
            return None
        nested.check_keys(RECIPIENT_FIELDS)
        identity = nested.text("identity", required=True)
        salt = nested.text("salt", required=True, exact=True)
        recipient_type = nested.choice("type", RECORD_RECIPIENT_TYPES, "email")
        if identity and not RECORD_HASHED_IDENTITY.match(identity):
            nested.error(
                ("identity",),
                "must be 'sha256$' and 64 lowercase hex digits; a plain address would be "
                "published (use `badgesite award --email` to hash it)",
            )
            return None
        if not (nested.valid and identity and salt):
            return None
        return Recipient(identity, salt, recipient_type)

    def evidence(self, reader: FieldReader) -> Evidence | None:
        reader.check_keys(EVIDENCE_FIELDS)
        url = reader.url("url")
        narrative = reader.markdown("narrative")
        name = reader.text("name")
        description = reader.paragraph("description")
        if reader.valid and not reader.has("url") and not narrative:
            reader.error((), "evidence needs a 'url' or a 'narrative'")
            return None
        if not (reader.valid and (url or narrative)):
            return None
        return Evidence(url, name, description, narrative)

    def revocation(self, reader: FieldReader) -> Revocation | None:
        nested = reader.mapping("revoked")
        if nested is None:
            return None
        nested.check_keys(REVOCATION_FIELDS)
        reason = nested.text("reason", required=True, limit=MAX_PARAGRAPH, multiline=True)
        date = nested.timestamp("date", self.zone)
        if not (nested.valid and reason):
            return None
        return Revocation(date, reason)

    def _imported(
        self, records: list[RawRecord], earners: Mapping[str, Earner]
    ) -> dict[str, ImportedBadge]:
        found: dict[str, ImportedBadge] = {}
        for record in records:
            badge = self.imported_badge(record, earners)
            if badge is not None:
                found[badge.key] = badge
        return found

    def imported_badge(
        self, record: RawRecord, earners: Mapping[str, Earner]
    ) -> ImportedBadge | None:
        source = record.source
        data = record.data
        before = len(self.errors)

        def error(key: str, message: str) -> None:
            self.errors.append(ContentError(source, record.line(key), key, message))

        if not isinstance(data, dict):
            self.errors.append(ContentError(source, 1, "", "expected a JSON object"))
            return None
        FieldReader(record, self.errors).check_keys(SNAPSHOT_FIELDS)
        if data.get("format") != FORMAT:
            error("format", f"expected '{FORMAT}' (made by `badgesite import`)")
        earner_slug = data.get("earner")
        earner = earners.get(earner_slug) if isinstance(earner_slug, str) else None
        if earner is None and not (
            isinstance(earner_slug, str) and self.broken("earner", earner_slug)
        ):
            hint = did_you_mean(str(earner_slug)[:MAX_LINE], sorted(earners))
            error("earner", f"no earner {quoted(earner_slug)} in content/earners/{hint}")
        moments = {}
        for key in ("retrieved", "verified"):
            parsed = parse_date(data.get(key))
            if parsed is None or not parsed.has_time_zone:
                error(key, "expected a timestamp with a time zone")
            else:
                moments[key] = parsed.moment
        status = data.get("status")
        if status not in STATUSES:
            error("status", f"{quoted(status)} is not one of: {', '.join(STATUSES)}")
        entry = data.get("assertion")
        if not (isinstance(entry, dict) and isinstance(entry.get("json"), dict)):
            error("assertion", "expected the retrieved assertion as {url, json}")
            return None
        assertion = read_assertion(retrieved_from_snapshot(data))
        if not assertion.badge.name:
            error("badge", "the badge class has no name")
        if not assertion.badge.issuer.name:
            error("issuer", "the issuer profile has no name")
        image = None
        try:
            # The cache: an imported SVG is drawn once to check it, not on every build.
            snapshot = imported_dir(self.root) / f"{record.slug}.json"
            image = snapshot_image(snapshot, data, self.cache)
        except ImageProblem as problem:
            error("image", str(problem))
        if len(self.errors) > before or earner is None:
            return None
        return ImportedBadge(
            key=str(record.slug),
            earner=earner,
            assertion=assertion,
            image=image,
            retrieved_at=moments["retrieved"],
            verified_at=moments["verified"],
            verified_status=str(status),
            source=source,
        )


def without_drafts(site: Site) -> Site:
    """The site as published: draft badge classes and draft awards (those of a draft badge
    class included) left out, once they have been checked like everything else."""
    return replace(
        site,
        badges={slug: badge for slug, badge in site.badges.items() if not badge.draft},
        awards={award_id: award for award_id, award in site.awards.items() if not award.is_draft},
    )


def build_site(
    config: SiteConfig, root: Path, loaded: LoadResult, cache: ImageCache | None = None
) -> Site:
    """Validate every record and resolve references; raise ContentErrors with all problems.

    With a cache, a raster image already checked is not decoded again.
    """
    return _Builder(config, root, loaded, cache).build()
