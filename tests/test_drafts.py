"""Drafts (`draft: true`) and strict builds: never published, checked all the same."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from badgesite.build import StrictFailure, build, check
from badgesite.cli import main
from badgesite.guards.lints import CheckFailed
from helpers import FIXED_NOW, tree_bytes, write

DRAFT_AWARD = "d0d0d0d0-1111-4222-8333-444455556666"
DRAFT_BADGE_AWARD = "d1d1d1d1-1111-4222-8333-444455556666"
NOINDEX = '<meta name="robots" content="noindex, nofollow">'


def _award(award_id: str, badge: str, earner: str = "ada", extra: str = "") -> str:
    return (
        f"id: {award_id}\nbadge: {badge}\nearner: {earner}\n"
        "recipient:\n  identity: sha256$"
        + "4b0a7f6b0c2e58f0d1f4b6f1e4cf1d0e0a6f3f0f6b8ad1e2c3f4a5b6c7d8e9f0"
        + "\n  salt: 1a2b3c4d\nissued_on: 2024-06-01\n"
        + extra
    )


@pytest.fixture
def drafted(site: Path) -> Path:
    """The golden site with a draft award, and a draft badge class with an award of its own."""
    write(
        site, "content/awards/draft.yaml", _award(DRAFT_AWARD, "soldering", extra="draft: true\n")
    )
    badge = (site / "content/badges/soldering.yaml").read_text()
    write(
        site,
        "content/badges/welding.yaml",
        badge.replace("Soldering exam", "Welding course").replace("kind: exam", "kind: badge")
        + "draft: true\n",
    )
    write(site, "content/awards/welding.yaml", _award(DRAFT_BADGE_AWARD, "welding", earner="bo"))
    return site


def _recorded(site: Path) -> str:
    return (site / "content/published-awards.txt").read_text()


def _published_text(output: Path) -> str:
    return "\n".join(data.decode("utf-8", "replace") for data in tree_bytes(output).values())


def test_drafts_are_never_published_nor_recorded(drafted: Path) -> None:
    build(drafted, now=FIXED_NOW, processes=1)
    output = drafted / "output"
    for award_id in (DRAFT_AWARD, DRAFT_BADGE_AWARD):
        assert not (output / "assertions" / award_id).exists()
        assert not (output / f"assertions/{award_id}.json").exists()
        assert award_id not in _recorded(drafted)
    assert not (output / "badges/welding").exists()
    assert not (output / "badges/welding.json").exists()
    text = _published_text(output)
    assert DRAFT_AWARD not in text and DRAFT_BADGE_AWARD not in text
    assert "Welding course" not in text and "welding" not in text


def test_drafts_build_previews_them_marked_draft_and_noindex(drafted: Path, tmp_path) -> None:
    before = _recorded(drafted)
    build(drafted, now=FIXED_NOW, processes=1, drafts=True)
    output = drafted / "output"
    for page in (f"assertions/{DRAFT_AWARD}", f"assertions/{DRAFT_BADGE_AWARD}", "badges/welding"):
        html = (output / page / "index.html").read_text()
        assert "<strong>DRAFT</strong>" in html, page
        assert NOINDEX in html, page
    assert (output / f"assertions/{DRAFT_AWARD}.json").exists()
    sitemap = (output / "sitemap.xml").read_text()
    assert DRAFT_AWARD not in sitemap and "badges/welding" not in sitemap
    # A published page is never marked draft, and a preview never records its drafts.
    assert "DRAFT" not in (output / "badges/soldering/index.html").read_text()
    assert _recorded(drafted) == before
    assert DRAFT_AWARD not in before

    # The next normal build is the site as published, exactly: no preview page is left.
    build(drafted, now=FIXED_NOW, processes=1)
    reference = tmp_path / "reference"
    shutil.copytree(drafted, reference, ignore=shutil.ignore_patterns("output", ".cache"))
    build(reference, now=FIXED_NOW, processes=1)
    assert tree_bytes(output) == tree_bytes(reference / "output")


def test_drafts_are_checked_like_everything_else(drafted: Path) -> None:
    write(
        drafted,
        "content/awards/draft.yaml",
        _award(DRAFT_AWARD, "soldring", extra="draft: true\nnarative: typo\n"),
    )
    for run in (build, check):
        with pytest.raises(CheckFailed) as failure:
            run(drafted, now=FIXED_NOW)
        shown = [str(error) for error in failure.value.errors]
        assert any("draft.yaml:2: badge: no badge 'soldring'" in line for line in shown), shown
        assert any("draft.yaml:9: narative: unknown field" in line for line in shown), shown
    assert not (drafted / "output").exists()


def test_draft_must_be_true_or_false(site: Path) -> None:
    write(
        site, "content/awards/draft.yaml", _award(DRAFT_AWARD, "soldering", extra="draft: maybe\n")
    )
    with pytest.raises(CheckFailed) as failure:
        check(site, now=FIXED_NOW)
    assert any(error.field == "draft" for error in failure.value.errors)


def test_a_published_certification_cannot_require_a_draft_exam(site: Path) -> None:
    exam = (site / "content/badges/soldering.yaml").read_text()
    write(site, "content/badges/welding.yaml", exam + "draft: true\n")
    certification = site / "content/badges/certified-maker.yaml"
    text = certification.read_text()
    certification.write_text(text.replace("requires: [", "requires: [welding, ", 1))
    assert "welding" in certification.read_text()
    with pytest.raises(CheckFailed) as failure:
        check(site, now=FIXED_NOW)
    assert any(
        error.field == "requires[0]" and "'welding' is a draft" in error.message
        for error in failure.value.errors
    ), failure.value.errors


def test_a_published_award_cannot_become_a_draft(site: Path) -> None:
    awards = site / "content/awards/ada.yaml"
    first = "- id: 2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01\n"
    awards.write_text(awards.read_text().replace(first, first + "  draft: true\n"))
    for drafts in (False, True):
        with pytest.raises(CheckFailed) as failure:
            build(site, now=FIXED_NOW, drafts=drafts)
        assert any(
            "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01' is now a draft" in str(error)
            for error in failure.value.errors
        )
    assert not (site / "output").exists()


def test_check_drafts_renders_the_drafts_pages_too(drafted: Path) -> None:
    award_template = (
        Path(__file__).resolve().parents[1] / "themes/default/templates/award.html"
    ).read_text()
    broken = award_template.replace(
        "{% block main %}",
        "{% block main %}{% if award.is_draft %}{{ no_such_function() }}{% endif %}",
    )
    write(drafted, "templates/award.html", broken)
    check(drafted, now=FIXED_NOW)
    with pytest.raises(Exception, match="no_such_function"):
        check(drafted, now=FIXED_NOW, drafts=True)


def _unused_image(site: Path) -> None:
    shutil.copyfile(site / "content/images/solder.svg", site / "content/images/unused.svg")


def _cli(*arguments: str):
    return CliRunner().invoke(main, list(arguments), env={"SOURCE_DATE_EPOCH": "1761998400"})


def test_build_strict_fails_on_warnings_and_writes_nothing(site: Path) -> None:
    _unused_image(site)
    result = _cli("build", "--site", str(site), "--strict")
    assert result.exit_code == 1
    assert "content/images/unused.svg: warning:" in result.output
    assert "1 warning; failing because of --strict. Nothing was written." in result.output
    assert not (site / "output").exists()

    assert _cli("build", "--site", str(site)).exit_code == 0
    built = tree_bytes(site / "output")
    # Also when the build would stop at the source stamp (nothing changed since).
    result = _cli("build", "--site", str(site), "--strict")
    assert result.exit_code == 1
    assert "failing because of --strict" in result.output
    assert tree_bytes(site / "output") == built

    (site / "content/images/unused.svg").unlink()
    assert _cli("build", "--site", str(site), "--strict").exit_code == 0


def test_strict_build_raises_before_writing(site: Path) -> None:
    _unused_image(site)
    with pytest.raises(StrictFailure) as failure:
        build(site, now=FIXED_NOW, strict=True)
    assert [warning.problem.path for warning in failure.value.warnings] == [
        "content/images/unused.svg"
    ]
    assert not (site / "output").exists()


def test_build_and_check_take_drafts_on_the_command_line(drafted: Path) -> None:
    assert _cli("check", "--site", str(drafted), "--drafts").exit_code == 0
    result = _cli("build", "--site", str(drafted), "--drafts")
    assert result.exit_code == 0, result.output
    assert (drafted / f"output/assertions/{DRAFT_AWARD}/index.html").exists()
    assert DRAFT_AWARD not in _recorded(drafted)
    result = _cli("build", "--site", str(drafted))
    assert result.exit_code == 0, result.output
    assert not (drafted / f"output/assertions/{DRAFT_AWARD}").exists()


def test_awarding_a_draft_badge_class_records_nothing_as_published(
    drafted: Path, tmp_path: Path
) -> None:
    before = _recorded(drafted)
    result = _cli(
        "award", "welding", "--site", str(drafted), "--earner", "ada", "--email", "a@b.example"
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].endswith("   (draft badge class: not published)")
    people = tmp_path / "people.csv"
    people.write_text(
        "name,email,badge,issued_on\n"
        "Dee Doe,dee@b.example,welding,2025-10-01\n"
        "Ed,ed@b.example,soldering,2025-10-02\n"
    )
    result = _cli("award", "--from-csv", str(people), "--site", str(drafted))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-2].endswith("   (draft badge class: not published)")
    assert not lines[-1].endswith("published)")
    recorded = _recorded(drafted)
    added = set(recorded.splitlines()) - set(before.splitlines())
    assert added == {lines[-1].rstrip("/").rsplit("/", 1)[1]}  # only the published one
    build(drafted, now=FIXED_NOW, processes=1, frozen=True)  # the record is up to date
