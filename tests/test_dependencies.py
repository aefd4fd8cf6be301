"""The plan declares what each output depends on: everything rendering reads is declared,
and the fingerprints follow the declarations, output by output."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
import pytest

from badgesite.build import build, load_site
from badgesite.cache.fingerprint import fingerprint_outputs
from badgesite.images import outputs as image_outputs
from badgesite.model import Award, BadgeClass, Earner, ImportedBadge, Issuer, Listings, Site
from badgesite.outputs import Dependencies, Kind, Listing, Output, Page, RecordKey, RecordType
from badgesite.plan import AWARD_PAGE, Plan, _Keys, plan_parts, plan_site
from badgesite.render import Renderer
from badgesite.templating import sharing
from badgesite.templating.themes import ThemeChain, resolve_theme_chain
from helpers import EXAMPLE_SITE, FIXED_NOW, GOLDEN_SITE, write

# What identifies a record, read without going through the spy below.
_IDENTITY = {
    Award: (RecordType.AWARD, "id"),
    ImportedBadge: (RecordType.IMPORTED, "key"),
    BadgeClass: (RecordType.BADGE, "slug"),
    Earner: (RecordType.EARNER, "slug"),
    Issuer: (RecordType.ISSUER, "slug"),
}


# A record read only for these is looked at to find which records belong to a page (an
# earner's imported badges among all of them); the plan declares those it finds, so a
# change of who belongs where changes the declared records, and so the fingerprint.
_MEMBERSHIP = {"id", "slug", "key", "earner", "badge", "issuer"}


@dataclasses.dataclass
class Reads:
    """What rendering one output read."""

    records: dict[RecordKey, set[str]] = dataclasses.field(default_factory=dict)
    templates: set[str] = dataclasses.field(default_factory=set)
    files: set[Path] = dataclasses.field(default_factory=set)
    texts: bool = False
    outputs: bool = False
    published: set[str] = dataclasses.field(default_factory=set)  # asked whether they are
    # Values computed across records (which the caches filled first hide from the spy):
    skill_index: bool = False
    listings: set[Listing] = dataclasses.field(default_factory=set)
    holder_counts: set[str] = dataclasses.field(default_factory=set)  # badge slugs
    badge_counts: set[str] = dataclasses.field(default_factory=set)  # issuer slugs
    site_image: bool = False  # the image of pages without one of their own


class _RecordingLoader(jinja2.BaseLoader):
    def __init__(self, loader: jinja2.BaseLoader, reads: Callable[[], Reads]) -> None:
        self.loader = loader
        self.reads = reads

    def get_source(self, environment: jinja2.Environment, template: str) -> Any:
        self.reads().templates.add(template)
        return self.loader.get_source(environment, template)


def _planned(site_dir: Path, now: dt.datetime = FIXED_NOW) -> tuple[Site, ThemeChain, Plan]:
    site = load_site(site_dir)
    theme = resolve_theme_chain(site.config.theme, site_dir)
    return site, theme, plan_site(site, theme, now)


@contextmanager
def _recording(renderer: Renderer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable]:
    """Render outputs one at a time, recording the records, templates, files, texts and
    the list of outputs each one reads (Lektor records what a build reads this way)."""
    current: list[Reads] = [Reads()]
    summarizing = [False]  # inside a summary, whose reads count as the summary's

    def reads() -> Reads:
        return current[0]

    def spy(record: object, name: str) -> Any:
        if not summarizing[0]:
            record_type, field = _IDENTITY[type(record)]
            key = RecordKey(record_type, object.__getattribute__(record, field))
            reads().records.setdefault(key, set()).add(name)
        return object.__getattribute__(record, name)

    for kind in _IDENTITY:
        monkeypatch.setattr(kind, "__getattribute__", spy, raising=False)
    original_read = image_outputs._read

    def read_file(path: Path) -> bytes:
        reads().files.add(path)
        return original_read(path)

    monkeypatch.setattr(image_outputs, "_read", read_file)
    environment = renderer.environment
    # Every template a page pulls in is loaded again for each page, through the recorder.
    monkeypatch.setattr(environment, "cache", None)
    monkeypatch.setattr(environment, "loader", _RecordingLoader(environment.loader, reads))
    translate, is_published = renderer.images.translate, environment.globals["is_published"]

    def translating(*args: Any, **values: Any) -> str:
        reads().texts = True
        return translate(*args, **values)

    def publishing(url_path: str) -> bool:
        reads().published.add(url_path)
        return is_published(url_path)

    monkeypatch.setattr(renderer.images, "translate", translating)
    environment.globals["is_published"] = publishing
    sitemap_urls = Plan.sitemap_urls

    def listing_outputs(plan: Plan) -> tuple[str, ...]:
        reads().outputs = True
        return sitemap_urls.fget(plan)  # type: ignore[attr-defined]

    monkeypatch.setattr(Plan, "sitemap_urls", property(listing_outputs))
    _record_summaries(monkeypatch, reads, summarizing)

    def render(output: Output) -> Reads:
        current[0] = Reads()
        renderer.fragments.forget()  # what a page's fragments read, it reads
        rendered = renderer.render(output)
        if rendered.source_file is not None:
            current[0].files.add(rendered.source_file)
        return current[0]

    yield render
    monkeypatch.undo()


class _Counted(dict):
    """A site's badge classes by issuer, recording which issuers' are looked up."""

    def __init__(self, mapping: Mapping[str, Any], seen: Callable[[], set[str]]) -> None:
        super().__init__(mapping)
        self.seen = seen

    def __getitem__(self, slug: str) -> Any:
        self.seen().add(slug)
        return super().__getitem__(slug)


def _record_summaries(
    monkeypatch: pytest.MonkeyPatch, reads: Callable[[], Reads], summarizing: list[bool]
) -> None:
    """Record the values computed across records that an output reads: the listings'
    sizes and pages, holder counts, the skills index, the badge classes of each issuer."""

    def cached(owner: type, name: str, note: Callable[[], None]) -> None:
        original = owner.__dict__[name]  # a cached_property: its value is cached already

        def getter(instance: object) -> Any:
            note()
            return original.__get__(instance, owner)

        monkeypatch.setattr(owner, name, property(getter))

    pages = {
        "badge_pages": Listing.BADGES,
        "earner_pages": Listing.EARNERS,
        "skill_pages": Listing.SKILLS,
    }
    for name, listing in pages.items():
        cached(Listings, name, lambda listing=listing: reads().listings.add(listing))
    cached(Listings, "skill_paths", lambda: setattr(reads(), "skill_index", True))
    cached(Site, "badges_by_skill", lambda: setattr(reads(), "skill_index", True))
    by_issuer = Site.__dict__["badges_by_issuer"]

    def badges_by_issuer(site: Site) -> Any:
        return _Counted(by_issuer.__get__(site, Site), lambda: reads().badge_counts)

    monkeypatch.setattr(Site, "badges_by_issuer", property(badges_by_issuer))
    holder_count = Listings.holder_count

    def counting(listings: Listings, badge_slug: str) -> int:
        reads().holder_counts.add(badge_slug)
        summarizing[0] = True
        try:
            return holder_count(listings, badge_slug)
        finally:
            summarizing[0] = False

    monkeypatch.setattr(Listings, "holder_count", counting)
    social_image = sharing.social_image

    def showing(subject: Any, fallback: Any, resolver: Any) -> Any:
        shown = social_image(subject, fallback, resolver)
        if shown is not None and shown is fallback:
            reads().site_image = True
        return shown

    monkeypatch.setattr(sharing, "social_image", showing)


def _undeclared_summaries(output: Output, read: Reads, site: Site) -> list[str]:
    """The summaries an output read that it declares neither as such nor through every
    record they are computed from."""
    depends = output.depends
    if depends.every_record:
        return []
    declared = set(depends.records)
    problems = []
    if read.skill_index and not depends.skill_index:
        problems.append("the skills index")
    if read.site_image and not depends.site_image:
        problems.append("the site's image")
    problems += [f"the size of {listing}" for listing in read.listings - set(depends.listings)]
    for slug in sorted(read.holder_counts - set(depends.holder_counts)):
        awards = [award for award in site.awards.values() if award.badge.slug == slug]
        keys = {RecordKey(RecordType.AWARD, award.id) for award in awards}
        keys |= {RecordKey(RecordType.EARNER, award.earner.slug) for award in awards}
        if not keys <= declared:
            problems.append(f"how many hold {slug}")
    if not depends.badge_counts:
        for slug in sorted(read.badge_counts):
            badges = {RecordKey(RecordType.BADGE, b.slug) for b in site.badges_by_issuer[slug]}
            if not badges <= declared:
                problems.append(f"the badge classes of {slug}")
    return problems


def _undeclared(output: Output, read: Reads, site: Site) -> list[str]:
    depends = output.depends
    problems = [f"template {name}" for name in read.templates - set(depends.templates)]
    problems += [f"file {path}" for path in read.files - set(depends.files)]
    if read.texts and not depends.texts:
        problems.append("the translations")
    if read.outputs and not depends.outputs:
        problems.append("which outputs exist")
    if not depends.outputs:
        problems += [
            f"whether {path} is published" for path in read.published - set(depends.published)
        ]
    if not depends.every_record:
        allowed = set(depends.records)
        problems += [
            f"record {key} ({', '.join(sorted(names))})"
            for key, names in read.records.items()
            if key not in allowed and not names <= _MEMBERSHIP
        ]
    return problems + _undeclared_summaries(output, read, site)


def _paginated(site: Path) -> Path:
    """The site with one entry a page: every index, holder list and skills page split."""
    settings = site / "content/site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "paginate: 1\n", encoding="utf-8")
    return site


@pytest.mark.parametrize("which", ["golden", "example", "paginated"])
def test_every_input_an_output_reads_is_declared_in_its_plan(
    which: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if which == "paginated":
        site_dir = _paginated(request.getfixturevalue("site"))
    else:
        site_dir = GOLDEN_SITE if which == "golden" else EXAMPLE_SITE
    site, theme, plan = _planned(site_dir)
    renderer = Renderer(site, plan, theme, FIXED_NOW)
    for output in plan.outputs:  # fill the caches of the site, listings and templates first
        renderer.render(output)
    problems = {}
    seen = Reads()
    with _recording(renderer, monkeypatch) as render:
        for output in plan.outputs:
            read = render(output)
            seen.records.update(read.records)
            seen.templates |= read.templates
            seen.files |= read.files
            if found := _undeclared(output, read, site):
                problems[output.path] = found
    assert problems == {}, "\n".join(f"{path}: {found}" for path, found in problems.items())
    # The recorder saw something of each kind: an empty recording would pass above.
    assert {key.type for key in seen.records} >= {RecordType.AWARD, RecordType.EARNER}
    assert {"base.html", "macros.html", "award.html"} <= seen.templates
    assert any(path.suffix == ".css" for path in seen.files)
    assert any(path.parent.name == "images" for path in seen.files)


def test_pages_declare_the_translations_and_no_bundled_page_shows_the_day() -> None:
    _, _, plan = _planned(GOLDEN_SITE)
    pages = plan.by_kind(Kind.PAGE)
    assert all(page.depends.texts for page in pages)  # literal t('...') fold in at compile
    # The browser judges status against today; a page shows no day, so a daily build of
    # an unchanged site changes only what changed status.
    assert not plan.shows_the_day


def test_templates_of_the_sites_own_may_show_the_day(themed_site: Path) -> None:
    _, _, plan = _planned(themed_site)
    assert plan.shows_the_day


@pytest.mark.parametrize("own_template", [False, True])
def test_a_plan_kept_by_parts_knows_whether_it_shows_the_day(
    themed_site: Path, own_template: bool
) -> None:
    """A plan made again from a kept one looks at the outputs of the parts it plans again
    only, and still knows whether any output shows the day (a kept part's, as found when
    it was made)."""
    site_dir = themed_site if own_template else GOLDEN_SITE
    site = load_site(site_dir)
    theme = resolve_theme_chain(site.config.theme, site_dir)
    first, parts, _ = plan_parts(site, theme, FIXED_NOW)
    # Only the parts planned on every build are made again: every award page is kept.
    again, _, made = plan_parts(site, theme, FIXED_NOW, previous=parts, touched=frozenset())
    assert not any(part[0] == "award" for part in made)
    shown = any(output.depends.build_day for output in again.outputs)
    assert shown is own_template
    assert first.shows_the_day is again.shows_the_day is shown


def _moment_with_the_same_statuses(site: Site) -> dt.datetime:
    """A moment, on another day than FIXED_NOW, at which every status is as at FIXED_NOW."""
    for days in (1, -1, 2, -2, 3, -3):
        moment = FIXED_NOW + dt.timedelta(days=days)
        records = (*site.awards.values(), *site.imported.values())
        if all(record.status(moment) == record.status(FIXED_NOW) for record in records):
            return moment
    raise AssertionError("no nearby moment keeps every status")


def test_no_output_of_the_bundled_theme_changes_with_the_day_alone() -> None:
    site, theme, plan = _planned(GOLDEN_SITE)
    later = _moment_with_the_same_statuses(site)
    today = Renderer(site, plan, theme, FIXED_NOW)
    other_day = Renderer(site, plan, theme, later)
    changed = {
        output.path
        for output in plan.outputs
        if today.render(output).data != other_day.render(output).data
    }
    declared = {output.path for output in plan.outputs if output.depends.build_day}
    assert changed <= declared
    assert not declared  # the bundled theme shows no day (above)
    before = fingerprint_outputs(site, plan, theme, FIXED_NOW)
    after = fingerprint_outputs(site, plan, theme, later)
    assert before == after


def _declaring(plan: Plan, test: Callable[[Dependencies], bool]) -> set[str]:
    return {output.path for output in plan.outputs if test(output.depends)}


def _changed(site_dir: Path, edit: Callable[[], object]) -> tuple[Plan, set[str]]:
    site, theme, plan = _planned(site_dir)
    before = fingerprint_outputs(site, plan, theme, FIXED_NOW)
    edit()
    site, theme, plan = _planned(site_dir)
    after = fingerprint_outputs(site, plan, theme, FIXED_NOW)
    assert set(before) == set(after)
    return plan, {path for path in before if before[path] != after[path]}


@pytest.fixture
def themed_site(tmp_path: Path) -> Path:
    """The golden site with a theme of its own: an award page, a stylesheet, its texts."""
    target = tmp_path / "site"
    shutil.copytree(GOLDEN_SITE, target)
    default = Path(resolve_theme_chain("default", target).themes[-1].path)
    site_yaml = target / "content/site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "theme: mine\n", encoding="utf-8")
    write(target, "themes/mine/theme.yaml", "name: mine\nextends: default\n")
    for name in ("templates/award.html", "i18n/en.yaml"):
        write(target, f"themes/mine/{name}", (default / name).read_text(encoding="utf-8"))
    write(target, "themes/mine/static/extra.css", "p { margin: 0 }\n")
    return target


def test_a_template_changes_the_fingerprints_of_the_pages_that_pull_it_in(
    themed_site: Path,
) -> None:
    template = themed_site / "themes/mine/templates/award.html"
    plan, changed = _changed(
        themed_site, lambda: template.write_text(template.read_text() + "<!-- edited -->\n")
    )
    assert changed == _declaring(plan, lambda depends: "award.html" in depends.templates)
    assert changed == {
        output.path for output in plan.outputs if output.recipe == Page("award.html")
    }


def test_an_asset_changes_only_its_own_fingerprint(themed_site: Path) -> None:
    asset = themed_site / "themes/mine/static/extra.css"
    plan, changed = _changed(themed_site, lambda: asset.write_text("p { margin: 1px }\n"))
    assert (
        changed == _declaring(plan, lambda depends: asset in depends.files) == {"static/extra.css"}
    )


def test_the_translations_change_the_fingerprints_of_what_shows_text(themed_site: Path) -> None:
    texts = themed_site / "themes/mine/i18n/en.yaml"
    plan, changed = _changed(themed_site, lambda: texts.write_text(texts.read_text() + "\n"))
    assert changed == _declaring(plan, lambda depends: depends.texts)
    kinds = {output.kind for output in plan.outputs if output.path in changed}
    assert kinds == {Kind.PAGE, Kind.IMAGE}  # pages and social cards, no JSON


def test_a_record_changes_the_fingerprints_of_the_outputs_that_declare_it(site: Path) -> None:
    award_file = site / "content/awards/ada.yaml"
    site_model, _, _ = _planned(site)
    award = next(a for a in site_model.awards.values() if "fuzz pedal" in a.narrative)
    key = RecordKey(RecordType.AWARD, award.id)
    text = award_file.read_text(encoding="utf-8")
    edited = text.replace("narrative: Built", "narrative: Edited. Built", 1)
    assert edited != text
    plan, changed = _changed(site, lambda: award_file.write_text(edited, encoding="utf-8"))
    declared = _declaring(plan, lambda depends: key in depends.records or depends.every_record)
    assert changed == declared
    assert len(changed) < len(plan.outputs) / 2


def test_a_copy_of_a_record_is_declared_by_its_key() -> None:
    site = load_site(GOLDEN_SITE)
    award = next(iter(site.awards.values()))
    copy = dataclasses.replace(award, narrative="A copy.")  # e.g. a model that rebuilds one
    keys = _Keys()
    expected = (
        RecordKey(RecordType.AWARD, award.id),
        RecordKey(RecordType.BADGE, award.badge.slug),
    )
    assert keys((award, award.badge, award)) == expected
    assert keys((copy, award.badge)) == expected
    assert keys((award, copy, award.badge, copy)) == expected  # each record named once


def test_a_badge_class_edit_renders_only_the_award_pages_that_show_that_badge(site: Path) -> None:
    badge_file = site / "content/badges/laser-cutting.yaml"
    text = badge_file.read_text(encoding="utf-8")
    edited = text.replace("description: ", "description: Edited. ", 1)
    assert edited != text
    plan, changed = _changed(site, lambda: badge_file.write_text(edited, encoding="utf-8"))
    award_pages = {
        output.path: output.subject for output in plan.outputs if output.recipe == AWARD_PAGE
    }
    showing = {
        path
        for path, award in award_pages.items()
        if "laser-cutting" in (award.badge.slug, *award.badge.requires)
    }
    assert showing and showing != set(award_pages)
    assert {path for path in changed if path in award_pages} == showing


def test_a_skill_moving_to_another_skills_page_renders_the_award_pages_that_link_it(
    site: Path,
) -> None:
    settings = site / "content/site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "paginate: 1\n", encoding="utf-8")
    laser = site / "content/badges/laser-cutting.yaml"
    laser.write_text(laser.read_text(encoding="utf-8") + "skills: [Laser safety]\n")
    # One skill per page of the skills index; a soldering skill renamed to sort last moves
    # every skill after it, the laser-cutting one among them, one page back.
    badge_file = site / "content/badges/soldering.yaml"
    text = badge_file.read_text(encoding="utf-8")
    edited = text.replace("Electronics safety]", "Zinc safety]", 1)
    assert edited != text
    plan, changed = _changed(site, lambda: badge_file.write_text(edited, encoding="utf-8"))
    laser_pages = {
        output.path
        for output in plan.outputs
        if output.recipe == AWARD_PAGE and output.subject.badge.slug == "laser-cutting"
    }
    assert laser_pages and laser_pages <= changed


# Of a site with a second issuer: what each kind of edit makes again (issue 18 item 5).

DEE_WELDING = "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6"
ADA_SOLDERING = "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01"


@pytest.fixture
def two_issuers(site: Path) -> Path:
    """The golden site, two entries a page, with a second issuer and its welding exam, Dee
    (who holds it and the soldering exam, so the certified maker is in her progress) and
    Eve (who holds nothing, and is listed on the earners' second page)."""
    settings = site / "content/site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "paginate: 2\n", encoding="utf-8")
    write(
        site,
        "content/issuers/river-works.yaml",
        "name: River Works\nurl: https://river-works.example/\n"
        "email: badges@river-works.example\ndescription: A welding shop.\n",
    )
    write(
        site,
        "content/badges/welding.yaml",
        "name: Welding exam\nkind: exam\nissuer: river-works\n"
        "description: Passed the welding exam.\nimage: images/solder.svg\nskills: [Welding]\n"
        "criteria: Weld a seam.\n",
    )
    write(site, "content/earners/dee.yaml", "name: Dee Okafor\nheadline: Welder\n")
    write(site, "content/earners/eve.yaml", "name: Eve Lund\nheadline: Newcomer\n")
    awards = []
    for number, (award_id, badge) in enumerate(
        [(DEE_WELDING, "welding"), ("e2f3a4b5-c6d7-4e8f-9a01-b2c3d4e5f6a7", "soldering")]
    ):
        identity = hashlib.sha256(award_id.encode()).hexdigest()
        awards.append(
            f"- id: {award_id}\n  badge: {badge}\n  earner: dee\n  recipient:\n"
            f"    identity: sha256${identity}\n    salt: d{number}\n"
            f"  issued_on: 2024-09-0{number + 1}\n  narrative: Welded a gate.\n"
        )
    write(site, "content/awards/dee.yaml", "".join(awards))
    return site


def _edit(path: Path, old: str, new: str) -> Callable[[], None]:
    def edit() -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def _pages(plan: Plan, paths: set[str], template: str) -> set[str]:
    """Of these outputs, the pages made by a template (its name without .html)."""
    return {
        output.path
        for output in plan.outputs
        if output.path in paths
        and isinstance(output.recipe, Page)
        and output.recipe.template == f"{template}.html"
    }


def _all(plan: Plan, template: str) -> set[str]:
    return _pages(plan, {output.path for output in plan.outputs}, template)


def _earner(slug: str) -> str:
    return f"earners/{slug}/index.html"


def test_a_badge_class_edit_renders_only_the_earner_issuer_and_index_pages_that_show_it(
    two_issuers: Path,
) -> None:
    welding = two_issuers / "content/badges/welding.yaml"
    plan, changed = _changed(
        two_issuers, _edit(welding, "Passed the welding", "Passed the edited welding")
    )
    assert _pages(plan, changed, "earner") == {_earner("dee")}  # Ada's awards are not of it
    assert _pages(plan, changed, "issuer") == {"issuers/river-works/index.html"}
    assert _pages(plan, changed, "badge") == {"badges/welding/index.html"}
    # Badge classes by slug, two a page: certified-maker, laser-cutting | soldering, welding.
    assert _pages(plan, changed, "badges") == {"badges/page/2/index.html"}
    for template in ("home", "earners", "verify", "404"):
        assert not _pages(plan, changed, template), template
    assert _pages(plan, changed, "award") == {f"assertions/{DEE_WELDING}/index.html"}


def test_a_badge_class_in_an_earners_progress_renders_their_page(two_issuers: Path) -> None:
    laser = two_issuers / "content/badges/laser-cutting.yaml"
    plan, changed = _changed(two_issuers, _edit(laser, "Passed the laser", "Passed the new laser"))
    # Ada holds it; Dee's progress to the certified maker names it as missing; Eve shows nothing.
    earners = _pages(plan, changed, "earner")
    assert {_earner("ada"), _earner("dee")} <= earners and _earner("eve") not in earners
    assert _pages(plan, changed, "issuer") == {"issuers/harbour-lab/index.html"}
    # The certified maker's page names the exams it requires; the soldering exam's does not.
    badges = _pages(plan, changed, "badge")
    assert "badges/certified-maker/index.html" in badges
    assert "badges/soldering/index.html" not in badges
    assert _pages(plan, changed, "home") == {"index.html"}  # on the badges' first page
    assert not _pages(plan, changed, "verify") and not _pages(plan, changed, "earners")


def test_the_site_image_renders_pages_by_its_url_size_and_text_alone(two_issuers: Path) -> None:
    # The certified maker's is the first raster image: the image of pages without one.
    maker = two_issuers / "content/badges/certified-maker.yaml"
    plan, changed = _changed(two_issuers, _edit(maker, "Trusted to", "Now trusted to"))
    for template in ("verify", "404", "earners"):
        assert not _pages(plan, changed, template), template
    assert _earner("eve") not in changed
    text = maker.read_text(encoding="utf-8")
    maker.write_text(text + "image_alt: A gold seal\n", encoding="utf-8")
    plan, changed = _changed(two_issuers, _edit(maker, "A gold seal", "A silver seal"))
    assert _all(plan, "verify") | _all(plan, "404") | _all(plan, "earners") <= changed
    assert _earner("eve") in changed


def test_an_award_edit_renders_no_index_home_issuer_or_verify_page(two_issuers: Path) -> None:
    awards = two_issuers / "content/awards/dee.yaml"
    plan, changed = _changed(two_issuers, _edit(awards, "Welded a gate", "Welded a fence"))
    assert _pages(plan, changed, "award") == {f"assertions/{DEE_WELDING}/index.html"}
    assert _pages(plan, changed, "earner") == {_earner("dee")}
    for template in ("home", "badges", "earners", "issuer", "verify", "404"):
        assert not _pages(plan, changed, template), template
    # Nor any revocation list: it is not revoked.
    assert not {path for path in changed if path.endswith("revocations.json")}


def test_a_revocation_renders_the_verify_page_and_its_issuers_list(two_issuers: Path) -> None:
    awards = two_issuers / "content/awards/dee.yaml"
    revoke = _edit(
        awards,
        "  narrative: Welded a gate.\n",
        "  narrative: Welded a gate.\n  revoked:\n    reason: Wrong person.\n",
    )
    plan, changed = _changed(two_issuers, revoke)
    assert _all(plan, "verify") <= changed
    lists = {path for path in changed if path.endswith("revocations.json")}
    assert lists == {"issuers/river-works/revocations.json"}
    plan, changed = _changed(two_issuers, _edit(awards, "Wrong person", "Issued twice"))
    assert _all(plan, "verify") <= changed
    assert "issuers/river-works/revocations.json" in changed
    assert "issuers/harbour-lab/revocations.json" not in changed


def test_an_earner_edit_renders_the_index_page_that_lists_them_and_no_other(
    two_issuers: Path,
) -> None:
    # Public earners by slug, two a page: ada, dee | eve.
    eve = two_issuers / "content/earners/eve.yaml"
    plan, changed = _changed(two_issuers, _edit(eve, "Newcomer", "Beginner"))
    assert _pages(plan, changed, "earners") == {"earners/page/2/index.html"}
    assert _pages(plan, changed, "earner") == {_earner("eve")}
    for template in ("home", "badges", "badge", "skills", "issuer", "verify", "award"):
        assert not _pages(plan, changed, template), template
    dee = two_issuers / "content/earners/dee.yaml"
    plan, changed = _changed(two_issuers, _edit(dee, "Welder", "Welder and smith"))
    assert _pages(plan, changed, "earners") == {"earners/index.html"}
    assert _pages(plan, changed, "home") == {"index.html"}  # the earners' first page


def test_a_new_badge_class_renders_the_home_counts_and_every_badge_index_page(
    two_issuers: Path,
) -> None:
    site, theme, plan = _planned(two_issuers)
    before = fingerprint_outputs(site, plan, theme, FIXED_NOW)
    write(
        two_issuers,
        "content/badges/welding-advanced.yaml",
        "name: Advanced welding\nkind: exam\nissuer: river-works\n"
        "description: Passed it.\nimage: images/solder.svg\ncriteria: Weld a pipe.\n",
    )
    site, theme, plan = _planned(two_issuers)
    after = fingerprint_outputs(site, plan, theme, FIXED_NOW)
    changed = {path for path in before if before[path] != after.get(path)}
    # Three pages of badge classes now: each says how many pages there are.
    assert _all(plan, "badges") - {"badges/page/3/index.html"} <= changed
    assert "index.html" in changed  # River Works has two badge classes, of 5 in all
    assert not _pages(plan, changed, "earner") and not _pages(plan, changed, "award")
    assert "issuers/harbour-lab/index.html" not in changed


def test_a_badge_class_edit_rebuilds_only_what_shows_it(two_issuers: Path, tmp_path: Path) -> None:
    output = two_issuers / "output"
    build(two_issuers, output, now=FIXED_NOW, cache_dir=tmp_path / "cache", processes=1)
    welding = two_issuers / "content/badges/welding.yaml"
    _, changed = _changed(
        two_issuers, _edit(welding, "Passed the welding", "Passed the edited welding")
    )
    report = build(two_issuers, output, now=FIXED_NOW, cache_dir=tmp_path / "cache", processes=1)
    # The build signs credentials too, which _changed plans without: Dee's welding one.
    assert report.incremental and report.rendered == len(changed) + 1
    assert report.rendered < (report.pages + report.documents + report.files) / 4
    assert "edited welding" in (output / "badges/welding/index.html").read_text(encoding="utf-8")


def test_a_new_award_renders_no_other_award_page(two_issuers: Path) -> None:
    site, theme, plan = _planned(two_issuers)
    before = fingerprint_outputs(site, plan, theme, FIXED_NOW)
    identity = hashlib.sha256(b"eve").hexdigest()
    write(
        two_issuers,
        "content/awards/eve.yaml",
        "id: f3a4b5c6-d7e8-4f90-8a12-c3d4e5f6a7b8\nbadge: laser-cutting\nearner: eve\n"
        f"recipient:\n  identity: sha256${identity}\n  salt: e0\nissued_on: 2024-10-01\n",
    )
    site, theme, plan = _planned(two_issuers)
    after = fingerprint_outputs(site, plan, theme, FIXED_NOW)
    # Each award page asks only whether its own baked image and credential are published.
    award_pages = _all(plan, "award") & set(before)
    assert award_pages and all(before[path] == after[path] for path in award_pages)
    assert before[_earner("eve")] != after[_earner("eve")]
