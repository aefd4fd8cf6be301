"""Fragments: the parts of pages that depend only on a badge class (its image, its skills)
are rendered once per object and link depth, read nothing of the page, and stitch into
the same bytes; imported macro modules are made once per set of values they read."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import jinja2
import pytest

from badgesite.build import load_site
from badgesite.model import Award, BadgeClass, Earner, ImportedBadge, Issuer
from badgesite.outputs import Page
from badgesite.plan import plan_site
from badgesite.render import Renderer, TemplateFailed
from badgesite.templating.jinja_tuning import DirectCallContext, ReusedModules
from badgesite.templating.themes import resolve_theme_chain
from helpers import FIXED_NOW, GOLDEN_SITE, write

FRAGMENTS = ("partials/badge_image.html", "partials/badge_skills.html")


def _renderer(site_dir: Path) -> Renderer:
    site = load_site(site_dir)
    theme = resolve_theme_chain(site.config.theme, site_dir)
    return Renderer(site, plan_site(site, theme, FIXED_NOW), theme, FIXED_NOW)


def _pages(renderer: Renderer) -> list[Any]:
    return [output for output in renderer.plan.outputs if isinstance(output.recipe, Page)]


def test_each_fragment_is_rendered_once_per_badge_class_and_depth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    renderer = _renderer(GOLDEN_SITE)
    rendered: Counter[tuple[Any, ...]] = Counter()
    real_render = renderer.templates.render

    def counting(name: str, context: Any) -> str:
        if name in FRAGMENTS:
            size = context.get("size")
            rendered[(name, context["badge"].slug, size, context["url"]("x"))] += 1
        return real_render(name, context)

    monkeypatch.setattr(renderer.templates, "render", counting)
    pages = _pages(renderer)
    for output in pages:
        renderer.render(output)
    assert rendered and set(rendered.values()) == {1}
    award_pages = [output for output in pages if output.recipe.template == "award.html"]
    images = [key for key in rendered if key[0] == FRAGMENTS[0] and key[2] == 160]
    # Shown on every award page and badge page (160 px), made once per badge class.
    assert len(images) < len(award_pages) + len(renderer.site.badges)
    assert {key[1] for key in images} == set(renderer.site.badges)


def test_a_fragment_reads_only_its_badge_class_and_issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shared by every page that shows the badge class, a fragment must not read the
    page's award or earner (the plan declares those per page)."""
    renderer = _renderer(GOLDEN_SITE)
    read: list[tuple[str, str]] = []
    recording = [False]

    def spy(record: object, name: str) -> Any:
        if recording[0]:
            read.append((type(record).__name__, name))
        return object.__getattribute__(record, name)

    real_render = renderer.templates.render

    def render(name: str, context: Any) -> str:
        if name not in FRAGMENTS:
            return real_render(name, context)
        recording[0] = True
        try:
            return real_render(name, context)
        finally:
            recording[0] = False

    monkeypatch.setattr(renderer.templates, "render", render)
    for kind in (Award, BadgeClass, Earner, Issuer, ImportedBadge):
        monkeypatch.setattr(kind, "__getattribute__", spy, raising=False)
    for output in _pages(renderer):
        renderer.render(output)
    monkeypatch.undo()
    assert {kind for kind, _ in read} == {"BadgeClass"}


def test_a_fragment_is_not_given_the_page(site: Path) -> None:
    """A fragment template that reads the page fails, named in its file, rather than
    showing one page's subject on the others."""
    write(site, "templates/partials/badge_image.html", "<img alt='{{ subject.id }}'>")
    renderer = _renderer(site)
    award_page = next(out for out in _pages(renderer) if out.recipe.template == "award.html")
    with pytest.raises(TemplateFailed) as failure:
        renderer.render(award_page)
    problem = failure.value.problem
    assert problem.path == "templates/partials/badge_image.html"
    assert "'subject' is undefined" in problem.message


def _modules_environment(templates: dict[str, str]) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.DictLoader(templates), undefined=jinja2.StrictUndefined)
    env.context_class = DirectCallContext
    env.template_class = ReusedModules
    return env


def test_an_imported_module_is_made_once_for_the_same_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[str | None] = []
    real = jinja2.Template.make_module

    def counting(self: jinja2.Template, *args: Any, **kwargs: Any) -> Any:
        made.append(self.name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "make_module", counting)
    env = _modules_environment(
        {
            "m.html": "{% macro link(x) %}{{ url(x) }}{% endmacro %}",
            "p.html": '{% from "m.html" import link with context %}{{ who }}:{{ link("a") }}',
        }
    )
    page = env.get_template("p.html")

    def url(path: str) -> str:
        return "../" + path

    assert page.render(url=url, who="ada") == "ada:../a"
    assert page.render(url=url, who="bo") == "bo:../a"
    assert made == ["m.html"]  # the module reads url only: the same function, one module

    def other(path: str) -> str:
        return "/" + path

    assert page.render(url=other, who="ada") == "ada:/a"
    assert made == ["m.html", "m.html"]


def test_a_module_that_reads_the_page_is_made_for_each_page() -> None:
    env = _modules_environment(
        {
            "m.html": "{% macro title() %}{{ page.title }}{% endmacro %}",
            "p.html": '{% from "m.html" import title with context %}{{ title() }}',
            "q.html": '{% set page = {"title": "set"} %}'
            '{% from "m.html" import title with context %}{{ title() }}',
        }
    )
    assert env.get_template("p.html").render(page={"title": "one"}) == "one"
    assert env.get_template("p.html").render(page={"title": "two"}) == "two"
    # A local of the importing template wins over the context, as with Jinja's imports.
    assert env.get_template("q.html").render(page={"title": "three"}) == "set"
