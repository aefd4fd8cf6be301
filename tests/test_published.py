"""The published-awards record: URLs once published never vanish by accident."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from badgesite.build import build
from badgesite.cli import main
from badgesite.guards.lints import CheckFailed
from badgesite.guards.published import PUBLISHED_HEADER, read_record
from helpers import EXAMPLE_SITE, FIXED_NOW, tree_bytes, write

ADA_AWARD = "2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01"
PRIVATE_AWARD = "1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a06"
RECORD = "content/published-awards.txt"
SAMPLE = "5a3b1e00-0000-4000-8000-00000000cafe"


def run(*args: str, ci: bool):
    env = {"SOURCE_DATE_EPOCH": "1761998400", "CI": "true" if ci else None}
    return CliRunner().invoke(main, list(args), env=env)


def recorded(site: Path) -> list[str]:
    return [
        line
        for line in (site / RECORD).read_text().splitlines()
        if line and not line.startswith("#")
    ]


def test_the_repository_sites_record_every_published_award() -> None:
    from badgesite.build import load_site

    for root in (EXAMPLE_SITE, EXAMPLE_SITE / "tests/golden/site"):
        site = load_site(root)
        assert read_record(root).published == {a.id for a in site.published_awards}
        assert recorded(root) == sorted(recorded(root))


def test_a_local_build_records_new_awards_sorted_and_keeps_the_header(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    (site / RECORD).unlink()
    result = run("build", "--site", str(site), ci=False)
    assert result.exit_code == 0, result.output
    assert "Recorded 9 newly published awards in content/published-awards.txt" in result.output
    text = (site / RECORD).read_text()
    assert text.startswith(PUBLISHED_HEADER)
    assert recorded(site) == sorted(recorded(site))
    assert PRIVATE_AWARD not in text  # a private earner's award is never published
    assert ADA_AWARD in text
    # Builds with nothing new leave the file as it is, custom comments included.
    write(site, RECORD, "# our own note\n" + "\n".join(reversed(recorded(site))) + "\n")
    before = (site / RECORD).read_text()
    assert run("build", "--site", str(site), ci=False).exit_code == 0
    assert (site / RECORD).read_text() == before


def test_a_vanished_award_fails_the_build_and_explains_revoking(site: Path) -> None:
    build(site, site / "output", now=FIXED_NOW)
    before = tree_bytes(site / "output")
    (site / "content/awards/ada.yaml").unlink()  # three awards, the first one Ada's
    with pytest.raises(CheckFailed) as failure:
        build(site, site / "output", now=FIXED_NOW)
    messages = [str(error) for error in failure.value.errors]
    assert len(messages) == 3
    line = recorded(site).index(ADA_AWARD) + 6  # after the five header lines
    message = messages[0]
    assert message.startswith(
        f"content/published-awards.txt:{line}: published award '{ADA_AWARD}' is gone from the site"
    )
    assert f"badgesite revoke {ADA_AWARD} --reason TEXT" in message
    assert f"badgesite withdraw {ADA_AWARD} --reason TEXT" in message
    assert tree_bytes(site / "output") == before


def test_making_an_earner_private_is_a_vanishing_too_and_says_so(site: Path) -> None:
    write(site, "content/earners/bo.yaml", "name: Bo Lindqvist\nvisibility: private\n")
    with pytest.raises(CheckFailed) as failure:
        build(site, site / "output", now=FIXED_NOW)
    award = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c05"  # the first of Bo's two
    line = recorded(site).index(award) + 6  # after the five header lines
    # The record is there: the earner is what changed, so no "put its record back".
    assert str(failure.value.errors[0]) == (
        f"content/published-awards.txt:{line}: published award '{award}' would lose its URL: "
        "its earner 'bo' (content/earners/bo.yaml) is now private, and nothing of a private "
        "earner is published. Make them public or unlisted again, or if the award must "
        f"disappear (the earner's request), record that: `badgesite withdraw {award} --reason "
        "TEXT`"
    )
    assert len(failure.value.errors) == 2


def test_an_explicit_withdrawal_is_recorded_and_allowed(site: Path) -> None:
    text = (site / "content/awards/ada.yaml").read_text()
    # Ada's file holds three awards; drop the first one only.
    write(site, "content/awards/ada.yaml", text[text.index("- id: 7b3e9d14") :])
    result = run(
        "withdraw", ADA_AWARD, "--reason", "The earner asked", "--site", str(site), ci=True
    )
    assert result.exit_code == 0, result.output
    lines = (site / "content/withdrawn-awards.txt").read_text().splitlines()
    assert lines[-1].startswith(f"{ADA_AWARD} 20")
    assert lines[-1].endswith(" The earner asked")
    assert run("build", "--site", str(site), ci=True).exit_code == 0
    assert ADA_AWARD in recorded(site)  # the record itself is never shortened
    again = run("withdraw", ADA_AWARD, "--reason", "x", "--site", str(site), ci=False)
    assert again.exit_code == 1
    assert f"error: '{ADA_AWARD}' is already withdrawn" in again.output


def test_only_published_awards_can_be_withdrawn(site: Path) -> None:
    result = run("withdraw", PRIVATE_AWARD, "--reason", "x", "--site", str(site), ci=False)
    assert result.exit_code == 1
    assert "is not in content/published-awards.txt: it was never published" in result.output
    bad = run("withdraw", "../../etc", "--reason", "x", "--site", str(site), ci=False)
    assert "error: '../../etc' is not a valid award id: use lowercase letters" in bad.output
    assert not (site / "content/withdrawn-awards.txt").exists()


def test_malformed_withdrawal_lines_are_content_errors(site: Path) -> None:
    write(site, "content/withdrawn-awards.txt", "# header\nnot-a-date-line\n")
    result = run("build", "--site", str(site), ci=False)
    assert result.exit_code == 1
    assert "content/withdrawn-awards.txt:2: expected '<id> <YYYY-MM-DD> <reason>'" in result.output


@pytest.mark.parametrize("how", ["env", "flag"])
def test_ci_builds_never_rewrite_the_record_and_fail_when_it_is_stale(site: Path, how: str) -> None:
    text = (site / RECORD).read_text().replace(ADA_AWARD + "\n", "")
    write(site, RECORD, text)
    args = ["build", "--site", str(site)] + (["--frozen"] if how == "flag" else [])
    result = run(*args, ci=how == "env")
    assert result.exit_code == 1
    assert (
        "content/published-awards.txt: out of date: 1 published award is not recorded "
        f"({ADA_AWARD}). A CI build (CI=true or --frozen) never rewrites it" in result.output
    )
    assert (site / RECORD).read_text() == text
    assert not (site / "output").exists()


def test_ci_build_with_a_missing_record_fails(site: Path) -> None:
    (site / RECORD).unlink()
    result = run("build", "--site", str(site), ci=True)
    assert result.exit_code == 1
    assert "content/published-awards.txt: out of date: the file is missing" in result.output
    assert not (site / RECORD).exists()


def test_ci_build_with_an_up_to_date_record_succeeds_and_writes_nothing_there(
    site: Path,
) -> None:
    before = (site / RECORD).read_bytes()
    result = run("build", "--site", str(site), ci=True)
    assert result.exit_code == 0, result.output
    assert (site / RECORD).read_bytes() == before


def test_a_withdrawn_award_that_is_still_published_is_a_warning(site: Path) -> None:
    write(
        site,
        "content/withdrawn-awards.txt",
        f"# Withdrawn on purpose\n\n{ADA_AWARD} 2025-01-01 Asked to be removed\n",
    )
    result = run("check", "--site", str(site), ci=False)
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        f"content/withdrawn-awards.txt:3: warning: award '{ADA_AWARD}' is recorded as withdrawn "
        "but is still published"
    )


def test_a_sample_award_is_published_but_never_recorded(site: Path) -> None:
    text = (site / "content/awards/ada.yaml").read_text()
    write(
        site,
        "content/awards/ada.yaml",
        text.replace(f"- id: {ADA_AWARD}\n", f"- id: {SAMPLE}\n  sample: true\n", 1),
    )
    write(site, RECORD, (site / RECORD).read_text().replace(ADA_AWARD + "\n", ""))
    before = (site / RECORD).read_bytes()
    built = run("build", "--site", str(site), ci=True)
    assert built.exit_code == 0, built.output
    assert (site / f"output/assertions/{SAMPLE}.json").is_file()
    assert run("build", "--site", str(site), ci=False).exit_code == 0
    assert (site / RECORD).read_bytes() == before  # not even a local build records it
    # Deleting it later breaks no promise either: it was issued to nobody.
    write(site, "content/awards/ada.yaml", text[text.index("- id: 7b3e9d14") :])
    assert run("build", "--site", str(site), ci=True).exit_code == 0


def test_an_award_once_recorded_stays_guarded_even_when_marked_sample(site: Path) -> None:
    text = (site / "content/awards/ada.yaml").read_text()
    marked = text.replace(f"- id: {ADA_AWARD}\n", f"- id: {ADA_AWARD}\n  sample: true\n", 1)
    write(site, "content/awards/ada.yaml", marked)
    assert run("build", "--site", str(site), ci=True).exit_code == 0
    write(site, "content/awards/ada.yaml", text[text.index("- id: 7b3e9d14") :])
    result = run("build", "--site", str(site), ci=False)
    assert result.exit_code == 1
    assert f"published award '{ADA_AWARD}' is gone from the site" in result.output


def test_a_record_read_again_is_parsed_again_only_when_its_texts_changed(site: Path) -> None:
    """A build kept in memory (serve) gives the next one the record it read: the files are
    read again and, when they hold the texts it was read from, not parsed again."""
    first = read_record(site)
    assert read_record(site, first) is first
    write(site, "content/withdrawn-awards.txt", f"{ADA_AWARD} 2026-01-02 Asked to.\n")
    withdrawn = read_record(site, first)
    assert withdrawn is not first and withdrawn.withdrawn_ids == {ADA_AWARD}
    # The same ids, on other lines: the lines that errors name are the file's as it is.
    write(site, RECORD, "# a note\n\n" + (site / RECORD).read_text())
    moved = read_record(site, withdrawn)
    assert moved == withdrawn and moved.lines == read_record(site).lines != withdrawn.lines
    (site / RECORD).unlink()
    assert not read_record(site, moved).exists
