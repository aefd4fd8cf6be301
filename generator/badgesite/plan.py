"""Site -> the list of every output file, with what makes it and what it depends on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import posixpath
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING

from badgesite import urls
from badgesite.errors import BuildError
from badgesite.images.variants import variant_widths
from badgesite.model import Award, BadgeClass, Earner, ImportedBadge, Issuer, Listings, Pager, Site
from badgesite.outputs import (
    Copy,
    Dependencies,
    Document,
    Image,
    ImageRecipe,
    Kind,
    Listing,
    Output,
    Page,
    RecordKey,
    RecordType,
    TextFile,
)
from badgesite.templating.references import TemplateReferences
from badgesite.templating.themes import ThemeChain, builtin_themes_dir

if TYPE_CHECKING:
    from badgesite.outputs import Subject


@dataclass(frozen=True, slots=True)
class Plan:
    outputs: tuple[Output, ...]
    # The listings it was planned with: the fingerprints and renderer of the build share
    # them (Listings.of), so that each is computed once a build.
    listings: Listings | None = field(default=None, compare=False, repr=False)
    # Whether an output shows the day, when planning by parts kept count of it (a kept
    # plan's outputs are not looked at again); None: shows_the_day looks.
    day_shown: bool | None = field(default=None, compare=False, repr=False)

    def by_kind(self, kind: Kind) -> tuple[Output, ...]:
        return tuple(output for output in self.outputs if output.kind is kind)

    @property
    def shows_the_day(self) -> bool:
        """Whether an output shows the day of the build (only templates of the site's own
        can: the bundled ones leave the day to the browser, which judges status itself)."""
        if self.day_shown is not None:
            return self.day_shown
        return _shows_the_day(self.outputs)

    @property
    def sitemap_urls(self) -> tuple[str, ...]:
        return tuple(
            output.url_path
            for output in self.outputs
            if output.kind is Kind.PAGE and output.indexable and output.url_path != urls.NOT_FOUND
        )


# Each record type's RecordType, and the field naming a record of it.
KEY_FIELDS = {
    Award: (RecordType.AWARD, "id"),
    ImportedBadge: (RecordType.IMPORTED, "key"),
    BadgeClass: (RecordType.BADGE, "slug"),
    Earner: (RecordType.EARNER, "slug"),
    Issuer: (RecordType.ISSUER, "slug"),
}


def key_of(record: Subject) -> RecordKey:
    record_type, field = KEY_FIELDS[type(record)]
    return RecordKey(record_type, getattr(record, field))


class _Keys:
    """The key of each record a plan names, made once: a plan of 10,000 awards names them
    some 200,000 times. Made as records are first named, so that a plan of a few parts
    (a kept build's) keys only the records they show."""

    def __init__(self) -> None:
        # By identity, of objects kept alive here (an id is never another object's); equal
        # keys are one object, for the dependencies to name each record once.
        self._by_identity: dict[int, RecordKey] = {}
        self._alive: list[Subject] = []
        self._interned: dict[tuple[str, str], RecordKey] = {}

    def __call__(self, records: Iterable[Subject]) -> tuple[RecordKey, ...]:
        """The records' keys, each once, in order."""
        records = tuple(records)
        try:
            keys = tuple(map(self._by_identity.__getitem__, map(id, records)))
        except KeyError:
            for record in records:
                if id(record) not in self._by_identity:
                    key = key_of(record)
                    key = self._interned.setdefault((key.type._value_, key.key), key)
                    self._by_identity[id(record)] = key
                    self._alive.append(record)
            keys = tuple(map(self._by_identity.__getitem__, map(id, records)))
        return tuple(dict(zip(map(id, keys), keys, strict=True)).values())


def uses_bundled_templates_only(theme: ThemeChain) -> bool:
    """Whether every template comes with badgesite, whose pages read only what their
    plan declares; other templates may read anything in the site."""
    bundled = builtin_themes_dir().resolve()
    return all(path.resolve().is_relative_to(bundled) for path in theme.template_dirs) and not any(
        theme.site_templates.rglob("*") if theme.site_templates.is_dir() else ()
    )


# What a page's content reads besides the records it shows (a page's templates and texts
# are added to each).
NOTHING_MORE = Dependencies()
SITE_IMAGE = Dependencies(site_image=True)  # a page that may have no image of its own
AWARD_PAGE = Page("award.html")
AWARD_PAGE_READS = Dependencies(
    skill_index=True,  # its skills link to the page of the skills index that shows them
)
BADGE_PAGE_READS = Dependencies(skill_index=True)  # its skills link to the skills index
HOME_READS = Dependencies(
    listings=(Listing.BADGES, Listing.EARNERS),  # how many of each, and the first few
    badge_counts=True,  # how many badge classes each issuer has
    site_image=True,
)
SKILLS_PAGE_READS = Dependencies(skill_index=True)  # every skill, linked to its page
VERIFY_PAGE_READS = Dependencies(
    signing=True,  # the issuers' public keys, which the page checks credentials with
    site_image=True,
)


class _Planner:
    """The outputs of each part of a site, with their dependencies."""

    def __init__(
        self,
        site: Site,
        theme: ThemeChain,
        as_of: dt.datetime,
        credentials: bool,
        references: TemplateReferences | None = None,
        listings: Listings | None = None,
    ) -> None:
        self.site = site
        self.credentials = credentials
        self.theme = theme
        self.listings = Listings(site, as_of) if listings is None else listings
        self.references = references or TemplateReferences(theme)
        self.keys = _Keys()
        self.read_anything = not uses_bundled_templates_only(theme)

    @cached_property
    def awards_by_badge(self) -> Mapping[str, list[Award]]:
        """Every award of each badge (made once a badge's part is planned)."""
        grouped: dict[str, list[Award]] = {slug: [] for slug in self.site.badges}
        for award in self.site.awards.values():
            grouped[award.badge.slug].append(award)
        return grouped

    def page(
        self,
        url_path: str,
        page: Page,
        subject: Subject | None = None,
        indexable: bool = True,
        shows: Iterable[Subject] = (),
        reads: Dependencies = NOTHING_MORE,
    ) -> Output:
        """A page's output: the records it shows, what else its content reads (summaries
        across records, every_record, build_day, outputs, signing), its templates and texts."""
        anything = self.read_anything
        depends = dataclasses.replace(
            reads,
            records=self.keys(shows),
            every_record=reads.every_record or anything,
            templates=self.references.closure(page.template),
            texts=True,
            build_day=reads.build_day or anything,
            outputs=reads.outputs or anything,
        )
        return Output(urls.file_path(url_path), url_path, page, subject, indexable, depends)

    def listing_pages(
        self,
        pagers: Iterable[Pager],
        template: str,
        listing: Listing,
        shows: Callable[[Pager], tuple[Iterable[Subject], Dependencies]],
    ) -> list[Output]:
        """The pages of an index: each shows what `shows` gives of its entries and the
        index's size and pages; pages without an image of their own show the site's."""
        outputs = []
        for pager in pagers:
            shown, reads = shows(pager)
            listings = (*reads.listings, listing)
            reads = dataclasses.replace(reads, listings=listings, site_image=True)
            page = Page(template, listing, pager.number)
            url_path = pager.paths[pager.number - 1]
            outputs.append(self.page(url_path, page, shows=shown, reads=reads))
        return outputs

    @staticmethod
    def badge_index(pager: Pager) -> tuple[Iterable[Subject], Dependencies]:
        """A page of the badge index: its badge classes with their issuers."""
        return [shown for badge in pager.entries for shown in (badge, badge.issuer)], NOTHING_MORE

    @staticmethod
    def earner_index(pager: Pager) -> tuple[Iterable[Subject], Dependencies]:
        return pager.entries, NOTHING_MORE

    def skills_index(self, pager: Pager) -> tuple[Iterable[Subject], Dependencies]:
        """A page of the skills index: its skills' badge classes with their issuers, and
        the holders it names of each; how many more hold each is a holder count."""
        badges = tuple(dict.fromkeys(badge for _, badges in pager.entries for badge in badges))
        shown: list[Subject] = []
        for badge in badges:
            shown += (badge, badge.issuer)
            for award in self.listings.skill_holders(badge.slug):
                shown += (award, award.earner)
        holders = tuple(badge.slug for badge in badges)
        return shown, dataclasses.replace(SKILLS_PAGE_READS, holder_counts=holders)

    def home(self) -> Output:
        """The home page: the first page of the badge and earner indexes, and every issuer
        with how many badge classes it has."""
        badges, _ = self.badge_index(self.listings.badge_pages[0])
        earners = self.listings.earner_pages[0].entries
        shown = (*badges, *earners, *self.site.issuers.values())
        return self.page(urls.HOME, Page("home.html"), shows=shown, reads=HOME_READS)

    def issuer(self, issuer: Issuer) -> Iterator[Output]:
        badges = self.site.badges_by_issuer[issuer.slug]
        shown = (issuer, *badges)  # its badge classes, not the others
        url_path = urls.issuer_page(issuer.slug)
        yield self.page(url_path, Page("issuer.html"), issuer, shows=shown, reads=SITE_IMAGE)
        yield self.json(urls.issuer_json(issuer.slug), Document.ISSUER, issuer, (issuer,))
        # Its revoked awards, of all its badges, that are published (their earner is): which
        # they are follows from every award of its badges, and is found again every build.
        revocations = (issuer, *self.site.revoked_awards_by_issuer[issuer.slug])
        yield self.json(
            urls.revocation_list(issuer.slug), Document.REVOCATIONS, issuer, revocations
        )
        if self.credentials:
            url_path = urls.issuer_did_document(issuer.slug)
            yield self.json(url_path, Document.DID_DOCUMENT, issuer, (issuer,), signing=True)
            url_path = urls.issuer_status_list(issuer.slug)
            yield self.json(url_path, Document.STATUS_LIST, issuer, revocations, signing=True)
        if issuer.image is not None:
            # PUBLISHED: a PNG loses its metadata chunks on the way (images/outputs.py).
            url_path = urls.issuer_image(issuer.slug, issuer.image.extension)
            yield self.image(url_path, ImageRecipe.PUBLISHED, issuer, (issuer,))

    def badge(self, badge: BadgeClass) -> Iterator[Output]:
        # Its page and the further pages of its holders: which holders, on which page,
        # follows from its awards, their statuses and earners (and `paginate`).
        awards = self.awards_by_badge[badge.slug]
        shown = (badge, badge.issuer, *awards, *(award.earner for award in awards))
        listed = not badge.draft
        # Its page: the badge classes it requires (by name), its skills' links too.
        required = tuple(self.site.badges[slug] for slug in badge.requires)
        url_path, page = urls.badge_page(badge.slug), Page("badge.html", Listing.HOLDERS, 1)
        yield self.page(url_path, page, badge, listed, (*shown, *required), BADGE_PAGE_READS)
        for pager in self.listings.holder_pages(badge.slug)[1:]:
            page = Page("holders.html", Listing.HOLDERS, pager.number)
            yield self.page(pager.paths[pager.number - 1], page, badge, listed, shown)
        yield self.json(urls.badge_json(badge.slug), Document.BADGE, badge, (badge, badge.issuer))
        url_path = urls.badge_image(badge.slug, badge.image.extension)
        yield self.image(url_path, ImageRecipe.PUBLISHED, badge, (badge,))
        for width in variant_widths(badge.image):
            url_path = urls.badge_image_variant(badge.slug, width)
            yield self.image(url_path, ImageRecipe.THUMBNAIL, badge, (badge,), width)
        card = (badge, badge.issuer)
        url_path = urls.badge_card(badge.slug)
        yield self.image(url_path, ImageRecipe.BADGE_CARD, badge, card, texts=True)

    def earner(self, earner: Earner) -> Iterator[Output]:
        awards = self.site.awards_by_earner[earner.slug]
        imported = self.site.imported_for(earner)
        badges = dict.fromkeys(award.badge for award in awards)
        # The certifications its progress can show (of exams it holds), by their exams' names.
        begun = self.site.certifications_requiring(badge.slug for badge in badges)
        exams = (
            self.site.badges[slug] for certification in begun for slug in certification.requires
        )
        shown = (
            earner,
            *awards,
            *imported,
            *(shown for badge in badges for shown in (badge, badge.issuer)),
            *begun,
            *exams,
        )
        url_path = urls.earner_page(earner.slug)
        page = Page("earner.html")
        yield self.page(url_path, page, earner, earner.is_listed, shown, SITE_IMAGE)
        if earner.image is not None:
            url_path = urls.earner_image(earner.slug, earner.image.extension)
            yield self.image(url_path, ImageRecipe.AVATAR, earner, (earner,))

    def award(self, award: Award) -> Iterator[Output]:
        badge, earner = award.badge, award.earner
        # A certification's page lists the earner's awards of its exams (Site.earned_through).
        required = badge.requires
        exams = (
            [
                other
                for other in self.site.awards_by_earner[earner.slug]
                if other.badge.slug in required
            ]
            if required
            else ()
        )
        listed = award.is_listed and not award.is_draft
        url_path = urls.award_page(award.id)
        # Its badge and a certification's exams (earned or not), with their issuers.
        badges = (badge, *(self.site.badges[slug] for slug in badge.requires))
        shown = (award, earner, *exams, *badges, *(shown.issuer for shown in badges))
        # It links to its baked image and its credential when they are published.
        optional = (
            urls.award_image(award.id, badge.image.extension),
            urls.award_credential(award.id),
        )
        reads = dataclasses.replace(AWARD_PAGE_READS, published=optional)
        yield self.page(url_path, AWARD_PAGE, award, listed, shown, reads)
        own = (award, badge)
        url_path = urls.award_json(award.id)
        yield self.json(url_path, Document.ASSERTION, award, own)
        # The credential holds its badge's and issuer's values, signed with the site's key.
        signed = (award, badge, badge.issuer)
        if self.credentials:
            url_path = urls.award_credential(award.id)
            yield self.json(url_path, Document.CREDENTIAL, award, signed, signing=True)
        url_path = urls.award_image(award.id, badge.image.extension)
        baked = signed if self.credentials else own
        yield self.image(url_path, ImageRecipe.BAKED, award, baked, signing=self.credentials)
        card = (award, badge, badge.issuer, earner)
        url_path = urls.award_card(award.id)
        yield self.image(url_path, ImageRecipe.AWARD_CARD, award, card, texts=True)

    def imported(self, imported: ImportedBadge) -> Iterator[Output]:
        slug = imported.earner.slug
        shown = (imported, imported.earner)
        url_path = urls.imported_page(slug, imported.key)
        page = Page("imported.html")
        yield self.page(url_path, page, imported, imported.is_listed, shown, SITE_IMAGE)
        if imported.image is not None:
            url_path = urls.imported_image(slug, imported.key, imported.image.extension)
            yield self.image(url_path, ImageRecipe.PUBLISHED, imported, (imported,))

    def json(
        self,
        url_path: str,
        document: Document,
        subject: Subject,
        reads: tuple[Subject, ...],
        build_day: bool = False,
        signing: bool = False,
    ) -> Output:
        depends = Dependencies(records=self.keys(reads), build_day=build_day, signing=signing)
        return Output(url_path, url_path, document, subject, depends=depends)

    def image(
        self,
        url_path: str,
        recipe: ImageRecipe,
        subject: Subject,
        reads: tuple[Subject, ...],
        width: int = 0,
        texts: bool = False,
        build_day: bool = False,
        signing: bool = False,
    ) -> Output:
        image = subject.badge.image if isinstance(subject, Award) else subject.image
        assert image is not None  # planned only for subjects with an image
        files = (image.path,)
        depends = Dependencies(
            self.keys(reads), files=files, texts=texts, build_day=build_day, signing=signing
        )
        return Output(
            url_path, url_path, Image(recipe, image.path, width), subject, depends=depends
        )

    def site_files(self) -> Iterator[Output]:
        for name, path in self.theme.static_files().items():
            url_path = urls.static_file(name)
            yield Output(url_path, url_path, Copy(path), depends=Dependencies(files=(path,)))
        for text_file in TextFile:
            reads = Dependencies(outputs=text_file is TextFile.SITEMAP)
            yield Output(text_file.value, text_file.value, text_file, depends=reads)


def plan_site(site: Site, theme: ThemeChain, as_of: dt.datetime, credentials: bool = False) -> Plan:
    """Every output of the site as of the build's moment (which decides how many pages the
    listings fill), in a stable order; refuses clashes and escaping paths. With
    credentials, the Open Badges 3.0 documents too (DID documents, status lists, signed
    credentials)."""
    planner = _Planner(site, theme, as_of, credentials)
    outputs = [output for _, part in _parts(planner) for output in part()]
    check_paths(outputs)
    return Plan(tuple(outputs), planner.listings)


def _shows_the_day(outputs: Iterable[Output]) -> bool:
    return any(output.depends.build_day for output in outputs)


# One part of a plan: the outputs of one record ("award", id), ("badge", slug), ... or of
# the site ("head": home, skills index, 404, verifier; "badges" and "earners": the indexes;
# "files": the theme's files and the text files).
Part = tuple[str, ...]
# Parts made again on every plan: they read across the whole site, and are few.
_ALWAYS_PLANNED = frozenset((("head",), ("badges",), ("earners",)))


def _head(planner: _Planner) -> list[Output]:
    site, listings = planner.site, planner.listings
    outputs = [planner.home()]
    skills = planner.skills_index
    outputs += planner.listing_pages(listings.skill_pages, "skills.html", Listing.SKILLS, skills)
    not_found = Page("404.html")
    outputs.append(planner.page(urls.NOT_FOUND, not_found, None, False, reads=SITE_IMAGE))
    # Every issuer, every published revoked award with its reason.
    revoked = [award for awards in site.revoked_awards_by_issuer.values() for award in awards]
    verifier = (*site.issuers.values(), *revoked)
    verify = Page("verify.html")
    outputs.append(planner.page(urls.VERIFY, verify, shows=verifier, reads=VERIFY_PAGE_READS))
    contexts = urls.VERIFY_CONTEXTS  # made from badgesite's own pinned files: code only
    outputs.append(Output(contexts, contexts, Document.CONTEXTS))
    return outputs


def _parts(planner: _Planner) -> Iterator[tuple[Part, Callable[[], Iterable[Output]]]]:
    """The parts of the plan in its order, each with what makes its outputs."""
    site, listings = planner.site, planner.listings
    yield ("head",), lambda: _head(planner)
    for issuer in site.issuers.values():
        yield ("issuer", issuer.slug), partial(planner.issuer, issuer)
    badges = planner.badge_index
    yield (
        ("badges",),
        lambda: planner.listing_pages(listings.badge_pages, "badges.html", Listing.BADGES, badges),
    )
    for badge in site.badges.values():
        yield ("badge", badge.slug), partial(planner.badge, badge)
    earners = planner.earner_index
    yield (
        ("earners",),
        lambda: planner.listing_pages(
            listings.earner_pages, "earners.html", Listing.EARNERS, earners
        ),
    )
    for earner in site.earners.values():
        if earner.is_published:
            yield ("earner", earner.slug), partial(planner.earner, earner)
    for award in site.published_awards:
        yield ("award", award.id), partial(planner.award, award)
    for imported in site.published_imported:
        yield ("imported", imported.key), partial(planner.imported, imported)
    yield ("files",), planner.site_files


@dataclass(frozen=True)
class PlanParts:
    """A plan by its parts, kept so that the next plan makes only the parts that changed."""

    parts: Mapping[Part, tuple[Output, ...]]  # in the plan's order
    paths: Mapping[str, Output]  # every output by its path in lower case (check_paths)
    credentials: bool
    references: TemplateReferences
    listings: Listings  # the plan's, for the next plan to start from
    day_parts: frozenset[Part] = frozenset()  # the parts with an output showing the day


def plan_parts(
    site: Site,
    theme: ThemeChain,
    as_of: dt.datetime,
    credentials: bool = False,
    previous: PlanParts | None = None,
    touched: frozenset[Part] | None = None,
    references: TemplateReferences | None = None,
) -> tuple[Plan, PlanParts, frozenset[Part]]:
    """plan_site, kept by parts, and the parts made (not taken from previous). With
    previous, the parts of a plan made with the same theme, settings and statuses, only
    the parts in touched (parts_touched) and those read across the site are made again;
    the plan is the one plan_site makes (BuildError: what plan_site would refuse).
    references: what the theme's templates pull in (previous's, when given)."""
    references = previous.references if previous is not None else references
    # The holders of each badge whose awards and their statuses are as they were are kept.
    listings = Listings(site, as_of, previous.listings if previous is not None else None)
    planner = _Planner(site, theme, as_of, credentials, references, listings)
    if previous is not None and touched is not None and previous.credentials == credentials:
        kept = previous.parts
    else:
        kept, touched = {}, frozenset()
    parts: dict[Part, tuple[Output, ...]] = {}
    made: set[Part] = set()
    planned_again = touched | _ALWAYS_PLANNED  # (one look per part: there are many)
    for part, make in _parts(planner):
        found = kept.get(part)
        if found is None or part in planned_again:
            found = tuple(make())
            made.add(part)
        parts[part] = found
    outputs = [output for found in parts.values() for output in found]
    if previous is None or not kept:
        check_paths(outputs)
        paths = {output.path.lower(): output for output in outputs}
    else:
        paths = dict(previous.paths)
        for part, found in previous.parts.items():
            if part in made or part not in parts:
                for output in found:
                    del paths[output.path.lower()]
        for part in made:
            for output in parts[part]:
                _check_path(output, paths)
    day_parts = frozenset(
        part
        for part in (previous.day_parts if previous is not None and kept else ())
        if part in parts and part not in made
    ) | {part for part in made if _shows_the_day(parts[part])}
    kept_parts = PlanParts(parts, paths, credentials, planner.references, listings, day_parts)
    plan = Plan(tuple(outputs), listings, day_shown=bool(day_parts))
    return plan, kept_parts, frozenset(made)


def parts_touched(before: Site, after: Site) -> frozenset[Part]:
    """The parts of the plan of `after` that may differ from those of `before` (sites of
    the same settings, theme and statuses, drafts left out), besides those always made:
    a record's own parts when its object is another, and the parts that show it."""
    touched: set[Part] = set()
    for slug in _others(before.issuers, after.issuers):
        touched.add(("issuer", slug))
    earners: set[str] = set(_others(before.earners, after.earners))
    exams: set[str] = set()
    for badge in _changed(before.badges, after.badges):
        touched.update((("badge", badge.slug), ("issuer", badge.issuer.slug)))
        exams.update(badge.requires)
    if exams:
        # An earner's page shows the certifications that require an exam it holds, with
        # their exams: which ones follows from what the changed badge classes require.
        for site in (before, after):
            earners.update(
                award.earner.slug for award in site.awards.values() if award.badge.slug in exams
            )
    for award in _changed(before.awards, after.awards):
        touched.update(
            (
                ("award", award.id),
                ("badge", award.badge.slug),
                ("issuer", award.badge.issuer.slug),
            )
        )
        earners.add(award.earner.slug)
    for imported in _changed(before.imported, after.imported):
        touched.add(("imported", imported.key))
        earners.add(imported.earner.slug)
    for slug in earners:
        touched.add(("earner", slug))
        # A certification's page lists the earner's awards of its exams.
        for site in (before, after):
            for award in site.awards_by_earner.get(slug, ()):
                touched.add(("award", award.id))
    return frozenset(touched)


def _others(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """The keys whose object is not the same one in both (added and removed ones too)."""
    return [key for key in before.keys() | after.keys() if before.get(key) is not after.get(key)]


def _changed(before: Mapping[str, Subject], after: Mapping[str, Subject]) -> Iterator[Subject]:
    """Both versions of each record whose object is not the same one in both."""
    for key in _others(before, after):
        for found in (before.get(key), after.get(key)):
            if found is not None:
                yield found


def check_paths(outputs: list[Output]) -> None:
    """Refuse two outputs at one path and any path that would land outside output/."""
    seen: dict[str, Output] = {}
    for output in outputs:
        _check_path(output, seen)


def _check_path(output: Output, seen: dict[str, Output]) -> None:
    """Refuse the output's path if it is not plain or seen holds it; else add it there."""
    path = output.path
    normalized = posixpath.normpath(path)
    if (
        path.startswith("/")
        or "\\" in path
        or normalized.startswith("..")
        or normalized != path.rstrip("/")
        or any(part in ("", ".", "..") for part in path.split("/"))
    ):
        raise BuildError(f"refusing to write '{path}': it is not a plain path inside output/")
    key = path.lower()  # case-insensitive file systems would merge these
    if key in seen:
        raise BuildError(
            f"two outputs at one path '{path}' ({_describe(seen[key])} and {_describe(output)})"
        )
    seen[key] = output


def _describe(output: Output) -> str:
    subject = output.subject
    if subject is None:
        recipe = output.recipe
        if isinstance(recipe, Page):
            return recipe.template
        if isinstance(recipe, TextFile):
            return recipe.value
        return str(output.source_file or output.url_path)
    source = getattr(subject, "source", "")
    return f"{type(subject).__name__} from {source}" if source else type(subject).__name__
