"""The command line through click's runner: exact error lines and exit statuses."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from badgesite.cli import main
from conftest import tree_bytes, write


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env or {"SOURCE_DATE_EPOCH": "1761998400"})


def test_build_succeeds_and_summarises(site: Path) -> None:
    result = run("build", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Built 16 pages, 10 Open Badges documents and 26 other files")
    assert (site / "output" / "index.html").is_file()


def test_content_errors_are_listed_with_exit_status_1_and_nothing_written(site: Path) -> None:
    run("build", "--site", str(site))
    before = tree_bytes(site / "output")
    write(site, "content/earners/ada.yaml", "name: Ada\nvisibilty: public\nbio: [x\n")
    write(site, "content/badges/soldering.yaml", "name: Soldering\nkind: exm\n")
    result = run("build", "--site", str(site))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "content/badges/soldering.yaml:1: needs 'criteria' (what an earner must do) or "
        "'criteria_url'",
        "content/badges/soldering.yaml:1: required field 'description' is missing",
        "content/badges/soldering.yaml:1: required field 'image' is missing",
        "content/badges/soldering.yaml:2: kind: 'exm' is not one of: badge, exam, "
        "certification (did you mean 'exam'?)",
        "content/earners/ada.yaml:4: invalid YAML: did not find expected ',' or ']'",
        "5 errors in the content; nothing was written.",
    ]
    assert tree_bytes(site / "output") == before


def test_base_url_must_be_absolute_http(site: Path) -> None:
    write(site, "content/site.yaml", "title: T\nbase_url: ftp://files.example/\n")
    result = run("build", "--site", str(site))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "content/site.yaml:2: base_url: 'ftp://files.example/' is not an absolute http(s) URL"
    )
    result = run("build", "--site", str(site), "--base-url", "badges.example/")
    assert result.stderr.splitlines()[0] == (
        "--base-url: 'badges.example/' is not an absolute http(s) URL"
    )


def test_site_settings_are_validated_together(site: Path) -> None:
    write(site, "content/site.yaml", "titel: T\nbase_url: https://x.example\ntimezone: Mars/Base\n")
    result = run("build", "--site", str(site))
    assert result.stderr.splitlines() == [
        "content/site.yaml:1: required field 'title' is missing",
        "content/site.yaml:1: titel: unknown field (did you mean 'title'?)",
        "content/site.yaml:3: timezone: 'Mars/Base' is not an IANA time zone such as Europe/Paris",
        "3 errors in the content; nothing was written.",
    ]


def test_empty_or_missing_content(tmp_path: Path) -> None:
    result = run("build", "--site", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "content: no content/ folder here: run badgesite in a site folder "
        "(or create one with `badgesite new`)"
    )
    (tmp_path / "content").mkdir()
    result = run("build", "--site", str(tmp_path))
    assert result.stderr.splitlines()[0] == (
        "content/site.yaml: missing: a site needs content/site.yaml with at least title "
        "and base_url"
    )
    assert not (tmp_path / "output").exists()


def test_unknown_theme_is_a_clear_error(site: Path) -> None:
    text = (site / "content/site.yaml").read_text()
    write(site, "content/site.yaml", text + "theme: fancy\n")
    result = run("build", "--site", str(site))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: content/site.yaml: theme: no theme 'fancy' in themes/ or the built-in themes",
        "Nothing was written.",
    ]


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "badgesite", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.strip() == "badgesite, version 0.1.0"


def test_a_rebuild_says_what_it_reused_and_clean_builds_everything(site: Path) -> None:
    run("build", "--site", str(site))
    again = run("build", "--site", str(site))
    assert again.exit_code == 0, again.output
    assert "(52 reused from the last build, 0 written, 0 removed)" in again.output
    clean = run("build", "--site", str(site), "--clean", "--jobs", "1")
    assert clean.exit_code == 0, clean.output
    assert "reused" not in clean.output
