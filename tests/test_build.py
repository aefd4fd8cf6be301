"""build and write: atomic swaps, deterministic output, and privacy in what is published."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from badgesite import urls
from badgesite.build import build, check
from badgesite.errors import BuildError, ContentErrors
from badgesite.guards.lints import CheckFailed
from badgesite.primitives import parallel
from badgesite.templating import sharing
from helpers import EXAMPLE_SITE, FIXED_NOW, tree_bytes, write

PRIVATE_AWARD = "1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a06"
PENDING_AWARD = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c05"
REVOKED_AWARD = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c04"


def test_building_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    build(EXAMPLE_SITE, first, now=FIXED_NOW)
    build(EXAMPLE_SITE, second, now=FIXED_NOW)
    assert tree_bytes(first) == tree_bytes(second)


def test_failed_build_leaves_previous_output_untouched(site: Path) -> None:
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    (output / "keep-me.txt").write_text("from the last good build")
    before = tree_bytes(output)
    write(site, "content/earners/ada.yaml", "name: Ada\nvisibilty: public\n")
    with pytest.raises(ContentErrors):
        build(site, output, now=FIXED_NOW)
    assert tree_bytes(output) == before
    assert not [p for p in site.iterdir() if ".staging-" in p.name or ".old-" in p.name]


def test_template_error_leaves_previous_output_untouched(site: Path) -> None:
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    before = tree_bytes(output)
    write(site, "templates/badge.html", "{{ no_such_variable }}")
    with pytest.raises(CheckFailed) as failure:
        build(site, output, now=FIXED_NOW)
    # One line for the three badge pages that fail there, not one per page.
    assert [str(error) for error in failure.value.errors] == [
        "templates/badge.html:1: template: 'no_such_variable' is undefined (and 2 more pages)"
    ]
    # Also when each page fails in its own words.
    write(site, "templates/badge.html", "<p>\n{{ site.issuers[subject.slug].name }}\n")
    with pytest.raises(CheckFailed) as failure:
        build(site, output, now=FIXED_NOW)
    assert [str(error) for error in failure.value.errors] == [
        "templates/badge.html:2: template: 'dict object' has no attribute 'certified-maker' "
        "(and 2 more pages)"
    ]
    assert tree_bytes(output) == before


def test_a_full_build_replaces_stale_files(site: Path) -> None:
    output = site / "output"
    output.mkdir()
    (output / ".nojekyll").write_text("")  # an earlier build
    (output / "stale.html").write_text("old")
    build(site, output, now=FIXED_NOW)
    assert not (output / "stale.html").exists()
    assert (output / "index.html").is_file()


def test_site_templates_override_the_theme(site: Path) -> None:
    write(site, "templates/404.html", "custom 404 for {{ config.title }}\n")
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    assert (output / "404.html").read_text() == "custom 404 for Harbour Lab badges\n"


def test_private_earner_publishes_nothing(site: Path) -> None:
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    assert not (output / "earners" / "cy").exists()
    assert not (output / "assertions" / f"{PRIVATE_AWARD}.json").exists()
    assert not (output / "assertions" / PRIVATE_AWARD).exists()
    for path, data in tree_bytes(output).items():
        assert b"Cy Private" not in data, path
        assert PRIVATE_AWARD.encode() not in data, path


def test_unlisted_earner_is_noindex_and_never_listed(site: Path) -> None:
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    page = (output / "earners/bo/index.html").read_text()
    assert '<meta name="robots" content="noindex, nofollow">' in page
    listings = [
        "index.html",
        "badges/soldering/index.html",
        "badges/laser-cutting/index.html",
        "issuers/harbour-lab/index.html",
        "sitemap.xml",
        "earners/ada/index.html",
    ]
    for listing in listings:
        text = (output / listing).read_text()
        assert "earners/bo/" not in text and "Bo Lindqvist" not in text, listing


def test_unaccepted_award_is_verifiable_but_shown_nowhere_else(site: Path) -> None:
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    document = json.loads((output / f"assertions/{PENDING_AWARD}.json").read_text())
    assert document["id"].endswith(f"/assertions/{PENDING_AWARD}.json")
    page = (output / f"assertions/{PENDING_AWARD}/index.html").read_text()
    assert "has not yet accepted" in page and "noindex" in page
    for path, data in tree_bytes(output).items():
        if PENDING_AWARD not in path:
            assert PENDING_AWARD.encode() not in data, path


def test_revoked_award_keeps_its_json_and_page(site: Path) -> None:
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    document = json.loads((output / f"assertions/{REVOKED_AWARD}.json").read_text())
    assert document["revoked"] is True
    assert document["revocationReason"] == "Issued to the wrong member."
    page = (output / f"assertions/{REVOKED_AWARD}/index.html").read_text()
    assert "Revoked" in page and "Issued to the wrong member." in page


def test_expired_award_page_says_expired(site: Path) -> None:
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    page = (output / "assertions/7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02/index.html").read_text()
    assert "This badge expired on April 10, 2025." in page


def test_base_url_with_a_path_is_used_for_every_id(site: Path) -> None:
    output = site / "output"
    build(site, output, base_url="http://127.0.0.1:8123/sub/path", now=FIXED_NOW)
    for path in output.rglob("*.json"):
        document = json.loads(path.read_text())
        relative = path.relative_to(output).as_posix()
        if relative == urls.VERIFY_CONTEXTS:
            continue  # the verifier page's contexts, by their own URLs: no document of ours
        assert document["id"] == f"http://127.0.0.1:8123/sub/path/{relative}"


def test_a_certification_page_does_not_link_an_unaccepted_exam(site: Path) -> None:
    path = site / "content/awards/ada.yaml"
    path.write_text(
        path.read_text().replace("  earner: ada\n", "  earner: ada\n  accepted: false\n", 1)
    )
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    certification = output / "assertions/c4d5e6f7-1a2b-4c3d-9e8f-0a1b2c3d4e03/index.html"
    assert "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01" not in certification.read_text()
    assert "7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02" in certification.read_text()


@pytest.mark.parametrize("target", [".", "content", "content/awards", "templates/x", ".."])
def test_the_output_folder_can_never_be_the_site_or_its_sources(site: Path, target: str) -> None:
    (site / "templates").mkdir(exist_ok=True)
    before = tree_bytes(site)
    with pytest.raises(BuildError, match="refusing to write the site into"):
        build(site, site / target, now=FIXED_NOW)
    assert tree_bytes(site) == before


def test_a_folder_that_is_not_a_build_is_never_replaced(site: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "documents").mkdir(parents=True)
    (home / "documents" / "thesis.txt").write_text("years of work")
    with pytest.raises(BuildError, match="is not empty and is not a badgesite build"):
        build(site, home, now=FIXED_NOW)
    assert (home / "documents" / "thesis.txt").read_text() == "years of work"
    build(site, tmp_path / "empty-or-new", now=FIXED_NOW)  # a new folder is fine
    build(site, tmp_path / "empty-or-new", now=FIXED_NOW)  # and so is a build's own


def _errors_of_check(site_dir: Path) -> list[str]:
    with pytest.raises(CheckFailed) as failure:
        check(site_dir, now=FIXED_NOW)
    return [str(error) for error in failure.value.errors]


def test_every_template_syntax_error_is_found_with_the_record_errors(site: Path) -> None:
    write(site, "templates/earner.html", "{% extends 'base.html' %}\n\n{% block main %}{% if %}")
    write(site, "themes/mine/templates/skills.html", "{{ x | no_such_filter }}\n")
    write(site, "themes/mine/templates/partial.svg", "{% broken")  # not a page: compiled when used
    config = (site / "content/site.yaml").read_text()
    write(site, "content/site.yaml", config + "theme: mine\n")
    write(site, "content/earners/bo.yaml", "name: Bo\nvisibilty: public\n")
    assert _errors_of_check(site) == [
        "content/earners/bo.yaml:2: visibilty: unknown field (did you mean 'visibility'?)",
        "templates/earner.html:3: template: Expected an expression, got 'end of statement block'",
        "themes/mine/templates/skills.html:1: template: No filter named 'no_such_filter'.",
    ]


def test_an_exception_in_a_template_is_a_located_error_from_any_worker(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = site / "output"
    build(site, output, now=FIXED_NOW)
    before = tree_bytes(output)
    # Not a Jinja error: a TypeError in an expression, raised in a rendering worker.
    write(
        site,
        "themes/mine/templates/404.html",
        "{% extends 'base.html' %}\n"
        "{% block main %}\n<p>{{ 1 + config.title }}</p>\n{% endblock %}\n",
    )
    write(
        site,
        "templates/macros2.html",
        "{% macro name(x) %}\n{{ x.missing.deeper }}\n{% endmacro %}",
    )
    write(site, "templates/skills.html", "{% from 'macros2.html' import name %}{{ name(none) }}")
    config = (site / "content/site.yaml").read_text()
    write(site, "content/site.yaml", config + "theme: mine\n")
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 1)
    with pytest.raises(CheckFailed) as failure:
        build(site, output, now=FIXED_NOW, processes=2)
    assert [str(error) for error in failure.value.errors] == [
        "templates/macros2.html:2: template: 'None' has no attribute 'missing'",
        "themes/mine/templates/404.html:3: template: TypeError: unsupported operand type(s) "
        "for +: 'int' and 'str'",
    ]
    assert tree_bytes(output) == before


def test_an_error_in_a_built_in_template_names_it(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(url: str, text: str) -> None:
        raise RuntimeError("no network names today")

    monkeypatch.setattr(sharing, "share_links", failing)
    award_template = Path(__file__).parents[1] / "themes/default/templates/award.html"
    line = next(
        number
        for number, text in enumerate(award_template.read_text().splitlines(), 1)
        if "share_links(" in text
    )
    assert _errors_of_check(site) == [
        f"(built-in) default/templates/award.html:{line}: template: RuntimeError: no network "
        "names today (and 6 more pages)"
    ]


def test_check_compiles_every_template_and_a_build_those_it_renders(site: Path) -> None:
    write(site, "templates/unused.html", "<p>\n{% for %}\n")
    assert _errors_of_check(site) == [
        "templates/unused.html:2: template: Expected an expression, got 'end of statement block'"
    ]
    write(site, "templates/issuer.html", "{% extends 'base.html' %}\n{% block main %}{{ x.\n")
    with pytest.raises(CheckFailed) as failure:
        build(site, site / "output", now=FIXED_NOW)
    assert [str(error) for error in failure.value.errors] == [
        "templates/issuer.html:2: template: expected name or number"
    ]


def test_a_default_issuer_that_does_not_exist_is_reported_at_its_line(site: Path) -> None:
    text = (site / "content/site.yaml").read_text()
    write(site, "content/site.yaml", text.replace("harbour-lab", "acme-training"))
    assert _errors_of_check(site) == [
        "content/site.yaml:4: default_issuer: no issuer 'acme-training' in content/issuers/"
    ]


@pytest.mark.parametrize("quoted", ['"false"', "'true'", '"False"'])
def test_a_quoted_true_or_false_says_to_remove_the_quotes(site: Path, quoted: str) -> None:
    path = site / "content/awards/bo-and-cy.yaml"
    write(
        site,
        "content/awards/bo-and-cy.yaml",
        path.read_text().replace("accepted: false", f"accepted: {quoted}"),
    )
    assert _errors_of_check(site) == [
        f"content/awards/bo-and-cy.yaml:14: accepted: expected true or false, found the "
        f"quoted text '{quoted[1:-1]}': remove the quotes"
    ]
