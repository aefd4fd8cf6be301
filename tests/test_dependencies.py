"""The plan declares what each output depends on: everything rendering reads is declared,
and the fingerprints follow the declarations, output by output."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
import pytest

from badgesite.build import load_site
from badgesite.cache.fingerprint import fingerprint_outputs
from badgesite.images import outputs as image_outputs
from badgesite.model import Award, BadgeClass, Earner, ImportedBadge, Issuer, Site
from badgesite.outputs import Dependencies, Kind, Output, Page, RecordKey, RecordType
from badgesite.plan import AWARD_PAGE, Plan, _Keys, plan_site
from badgesite.render import Renderer
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

    def reads() -> Reads:
        return current[0]

    def spy(record: object, name: str) -> Any:
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
        reads().outputs = True
        return is_published(url_path)

    monkeypatch.setattr(renderer.images, "translate", translating)
    environment.globals["is_published"] = publishing
    sitemap_urls = Plan.sitemap_urls

    def listing_outputs(plan: Plan) -> tuple[str, ...]:
        reads().outputs = True
        return sitemap_urls.fget(plan)  # type: ignore[attr-defined]

    monkeypatch.setattr(Plan, "sitemap_urls", property(listing_outputs))

    def render(output: Output) -> Reads:
        current[0] = Reads()
        renderer.fragments.forget()  # what a page's fragments read, it reads
        rendered = renderer.render(output)
        if rendered.source_file is not None:
            current[0].files.add(rendered.source_file)
        return current[0]

    yield render
    monkeypatch.undo()


def _undeclared(output: Output, read: Reads, site: Site) -> list[str]:
    depends = output.depends
    problems = [f"template {name}" for name in read.templates - set(depends.templates)]
    problems += [f"file {path}" for path in read.files - set(depends.files)]
    if read.texts and not depends.texts:
        problems.append("the translations")
    if read.outputs and not depends.outputs:
        problems.append("which outputs exist")
    if not depends.every_record:
        allowed = set(depends.records)
        if depends.every_badge:
            allowed |= {RecordKey(RecordType.BADGE, slug) for slug in site.badges}
            allowed |= {RecordKey(RecordType.ISSUER, slug) for slug in site.issuers}
        problems += [
            f"record {key} ({', '.join(sorted(names))})"
            for key, names in read.records.items()
            if key not in allowed and not names <= _MEMBERSHIP
        ]
    return problems


@pytest.mark.parametrize("site_dir", [GOLDEN_SITE, EXAMPLE_SITE], ids=["golden", "example"])
def test_every_input_an_output_reads_is_declared_in_its_plan(
    site_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    keys = _Keys(site)
    expected = (
        RecordKey(RecordType.AWARD, award.id),
        RecordKey(RecordType.BADGE, award.badge.slug),
    )
    assert keys((award, award.badge, award)) == expected
    assert keys((copy, award.badge)) == expected


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
