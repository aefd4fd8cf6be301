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
    assert result.output.startswith("Built 14 pages, 10 Open Badges documents and 26 other files")
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
    assert "(50 reused from the last build, 0 written, 0 removed)" in again.output
    clean = run("build", "--site", str(site), "--clean", "--jobs", "1")
    assert clean.exit_code == 0, clean.output
    assert "reused" not in clean.output


def test_every_command_takes_dash_h_and_every_option_has_help() -> None:
    import click

    assert run("-h").output.startswith("Usage: ")
    for name, command in main.commands.items():
        result = run(name, "-h")
        assert result.exit_code == 0, (name, result.output)
        assert result.output.startswith("Usage: "), name
        assert "-h, --help" in result.output, name
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                assert parameter.help, f"{name} {parameter.opts[0]} has no help text"


def test_bake_refuses_anything_but_an_absolute_http_url(tmp_path: Path) -> None:
    from conftest import GOLDEN_SITE

    image = GOLDEN_SITE / "content/images/solder.svg"
    for url in ("not a url", "ftp://files.example/a.json", "/assertions/1.json", "https://"):
        result = run("bake", str(image), url, "-o", str(tmp_path / "out.svg"))
        assert result.exit_code == 2, url
        assert f"Invalid value for 'URL': '{url}' is not an absolute http(s) URL" in result.output
    assert not (tmp_path / "out.svg").exists()
    good = run("bake", str(image), "http://badges.example/a.json", "-o", str(tmp_path / "out.svg"))
    assert good.exit_code == 0, good.output


def test_counts_agree_with_their_nouns(site: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "one.csv"
    sheet.write_text("name,email,badge,earner\nBo Lindqvist,bo@one.example,soldering,bo\n")
    result = run("award", "--from-csv", str(sheet), "--site", str(site))
    assert result.exit_code == 0, result.output
    assert "Wrote 1 award to content/awards/2025-11-01-one.yaml:" in result.output.splitlines()
    write(site, "content/earners/ada.yaml", "name: Ada\nvisibilty: public\n")
    broken = run("check", "--site", str(site))
    assert broken.stderr.splitlines()[-1] == "1 error."
    built = run("build", "--site", str(site))
    assert built.stderr.splitlines()[-1] == "1 error in the content; nothing was written."


LISTED = [
    "ID        FULL ID                               ISSUED      EARNER  BADGE            STATUS",
    "2f1c7a52  2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01  2024-03-02  ada     soldering        valid",
    "7b3e9d14  7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02  2024-04-10  ada     laser-cutting    expired",
    "c4d5e6f7  c4d5e6f7-1a2b-4c3d-9e8f-0a1b2c3d4e03  2024-04-11  ada     certified-maker  valid",
    "9e8d7c6b  9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c04  2024-05-01  bo      soldering        revoked",
    "0a1b2c3d  0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c05  2024-05-20  bo      laser-cutting    valid, "
    "unaccepted",
    "1f2e3d4c  1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a06  2024-06-15  cy      soldering        valid",
]


def test_list_shows_every_award_with_its_ids_oldest_first(site: Path) -> None:
    result = run("list", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == LISTED


def _listed(site: Path, *filters: str) -> list[str]:
    result = run("list", "--site", str(site), *filters)
    assert result.exit_code == 0, result.output
    return [line.split()[0] for line in result.stdout.splitlines()[1:]]


def test_list_filters_by_earner_badge_and_status(site: Path) -> None:
    assert _listed(site, "--earner", "bo") == ["9e8d7c6b", "0a1b2c3d"]
    assert _listed(site, "--badge", "soldering") == ["2f1c7a52", "9e8d7c6b", "1f2e3d4c"]
    assert _listed(site, "--status", "expired") == ["7b3e9d14"]
    assert _listed(site, "--status", "revoked", "--status", "unaccepted") == [
        "9e8d7c6b",
        "0a1b2c3d",
    ]
    assert _listed(site, "--status", "valid", "--badge", "soldering", "--earner", "cy") == [
        "1f2e3d4c"
    ]
    future = run("list", "--site", str(site), "--status", "not-yet-valid")
    assert future.stdout == "" and future.stderr == "No awards match.\n"
    for option, value, message in (
        ("--earner", "boo", "error: no earner 'boo' in content/earners/ (did you mean 'bo'?)"),
        ("--badge", "soldring", "error: no badge 'soldring' in content/badges/ (did you mean"),
    ):
        refused = run("list", "--site", str(site), option, value)
        assert refused.exit_code == 1
        assert refused.stderr.startswith(message)
    bad_status = run("list", "--site", str(site), "--status", "pending")
    assert bad_status.exit_code == 2
    assert "'pending' is not one of 'valid', 'expired'" in bad_status.output


def test_list_as_json(site: Path) -> None:
    import json

    result = run("list", "--site", str(site), "--earner", "bo", "--json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [item["id"] for item in listed] == [
        "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c04",
        "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c05",
    ]
    assert listed[1] == {
        "id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c05",
        "short_id": "0a1b2c3d",
        "issued_on": "2024-05-20T00:00:00+02:00",
        "expires": None,
        "earner": "bo",
        "badge": "laser-cutting",
        "status": "valid",
        "accepted": False,
        "published": True,
        "url": "https://badges.harbour-lab.example/pages/assertions/"
        "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c05/",
        "file": "content/awards/bo-and-cy.yaml",
    }
    assert (
        json.loads(
            run(
                "list", "--site", str(site), "--json", "--earner", "cy", "--status", "expired"
            ).stdout
        )
        == []
    )


def test_list_lengthens_a_short_id_until_it_is_unique(site: Path) -> None:
    twin = "7b3e9d14-0000-4000-8000-000000000000"
    write(
        site,
        "content/awards/twin.yaml",
        f"id: {twin}\nbadge: soldering\nearner: cy\nrecipient:\n  identity: sha256$"
        + "d" * 64
        + "\n  salt: s\nissued_on: 2024-07-01\n",
    )
    shown = dict(
        (line.split()[1], line.split()[0])
        for line in run("list", "--site", str(site)).stdout.splitlines()[1:]
    )
    assert shown[twin] == "7b3e9d14-0"
    assert shown["7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02"] == "7b3e9d14-5"
    assert shown["2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01"] == "2f1c7a52"


def test_list_of_a_broken_site_reports_its_errors(site: Path) -> None:
    write(site, "content/earners/ada.yaml", "name: Ada\nvisibilty: public\n")
    result = run("list", "--site", str(site))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "content/earners/ada.yaml:2: visibilty: unknown field (did you mean 'visibility'?)",
        "1 error in the content.",
    ]


def test_the_list_commands_statuses_are_the_librarys() -> None:
    from badgesite.listing import STATUSES

    status = next(p for p in main.commands["list"].params if p.name == "statuses")
    assert tuple(status.type.choices) == STATUSES
