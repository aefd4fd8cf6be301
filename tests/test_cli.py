"""The command line through click's runner: exact error lines and exit statuses."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from badgesite.cli import main
from helpers import tree_bytes, write


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env or {"SOURCE_DATE_EPOCH": "1761998400"})


def test_build_succeeds_and_summarises(site: Path) -> None:
    result = run("build", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Built 22 pages, 26 Open Badges documents and 37 other files")
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
        "content/earners/ada.yaml:3: invalid YAML: did not find expected ',' or ']'",
        "5 errors in the content; nothing was written.",
    ]
    assert tree_bytes(site / "output") == before


def test_base_url_must_be_absolute_http(site: Path) -> None:
    write(
        site,
        "content/site.yaml",
        "title: T\nbase_url: ftp://files.example/\ndefault_issuer: harbour-lab\n",
    )
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
    write(
        site,
        "content/site.yaml",
        "titel: T\nbase_url: https://x.example\ntimezone: Mars/Base\ndefault_issuer: harbour-lab\n",
    )
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
    assert result.stderr.splitlines() == [
        "content: no records: add issuers, badges, earners and awards under content/",
        "content/site.yaml: missing: a site needs content/site.yaml with at least title "
        "and base_url",
        "2 errors in the content; nothing was written.",
    ]
    assert not (tmp_path / "output").exists()


def test_unknown_theme_is_a_clear_error(site: Path) -> None:
    text = (site / "content/site.yaml").read_text()
    write(site, "content/site.yaml", text + "theme: compakt\n")
    result = run("build", "--site", str(site))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "content/site.yaml:6: theme: no theme 'compakt' in themes/ or the built-in themes "
        "(did you mean 'compact'?)",
        "1 error in the content; nothing was written.",
    ]


def test_settings_records_theme_and_lints_are_reported_in_one_run(site: Path) -> None:
    run("build", "--site", str(site))
    before = tree_bytes(site / "output")
    write(
        site,
        "content/site.yaml",
        "title: T\nbase_url: http://x.example/\ndefault_issuer: harbour-lab\n"
        "timezone: Mars/Base\ntheme: mine\nlanguage: fr\n",
    )
    write(site, "themes/mine/theme.yaml", "extends: ../../elsewhere\n")
    write(site, "content/earners/ada.yaml", "name: Ada\nvisibilty: public\n")
    bo = (site / "content/earners/bo.yaml").read_text()
    BO_LINE = bo.count("\n") + 1
    write(site, "content/earners/bo.yaml", bo + "# Ask grace.hopper@navy.example first.\n")
    result = run("build", "--site", str(site))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "content/earners/ada.yaml:2: visibilty: unknown field (did you mean 'visibility'?)",
        f"content/earners/bo.yaml:{BO_LINE}: warning: plain email address 'g…@navy.example': "
        "everything in content/ is public once the site or its repository is. Remove it; "
        "recipients are stored only as hashes (`badgesite award --email` makes them)",
        "content/site.yaml:4: timezone: 'Mars/Base' is not an IANA time zone such as Europe/Paris",
        "themes/mine/theme.yaml:1: extends: '../../elsewhere' is not a theme name: name a "
        "folder of themes/ or a built-in theme (lowercase letters, digits and hyphens; no "
        "paths)",
        "3 errors and 1 warning in the content; nothing was written.",
    ]
    assert tree_bytes(site / "output") == before
    # With the settings fixed, their lints and the theme's translation lint join in.
    write(
        site,
        "content/site.yaml",
        "title: T\nbase_url: http://x.example/\n"
        "default_issuer: harbour-lab\ntheme: mine\nlanguage: it\n",
    )
    write(site, "themes/mine/theme.yaml", "extends: compact\n")
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "content/earners/ada.yaml:2: visibilty: unknown field (did you mean 'visibility'?)"
    )
    assert lines[1].startswith(f"content/earners/bo.yaml:{BO_LINE}: warning: plain email")
    assert lines[2:] == [
        "content/site.yaml:2: warning: base_url: 'http://x.example/' is not https: verifiers, "
        "browsers and LinkedIn expect https, and GitHub Pages and Netlify serve it",
        "content/site.yaml:5: warning: language: no translation for 'it' in the theme "
        '(i18n/it.yaml in mine, compact, default): pages say lang="it" but their text is '
        "English",
        "1 error and 3 warnings.",
    ]


def test_a_missing_site_yaml_does_not_hide_the_record_errors(site: Path) -> None:
    (site / "content/site.yaml").unlink()
    write(site, "content/earners/ada.yaml", "name: Ada\nvisibilty: public\n")
    result = run("check", "--site", str(site))
    assert result.stderr.splitlines() == [
        "content/earners/ada.yaml:2: visibilty: unknown field (did you mean 'visibility'?)",
        "content/site.yaml: missing: a site needs content/site.yaml with at least title and "
        "base_url",
        "2 errors.",
    ]


def test_an_unreadable_site_yaml_does_not_hide_unreadable_records(site: Path) -> None:
    write(site, "content/site.yaml", "title: [T\n")
    write(site, "content/earners/ada.yaml", "name: Ada\nbio: [x\n")
    result = run("check", "--site", str(site))
    assert result.stderr.splitlines() == [
        "content/earners/ada.yaml:2: invalid YAML: did not find expected ',' or ']'",
        "content/site.yaml:1: invalid YAML: did not find expected ',' or ']'",
        "2 errors.",
    ]


def test_an_exception_in_a_template_is_reported_not_a_traceback(site: Path) -> None:
    run("build", "--site", str(site))
    before = tree_bytes(site / "output")
    write(
        site,
        "templates/skills.html",
        "{% extends 'base.html' %}\n{% block main %}\n{{ site.badges | sum }}\n{% endblock %}\n",
    )
    result = run("build", "--site", str(site))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        "templates/skills.html:3: template: TypeError: unsupported operand type(s) for +: "
        "'int' and 'str'",
        "1 error in the content; nothing was written.",
    ]
    assert tree_bytes(site / "output") == before


def test_check_strict_fails_on_a_language_without_a_full_translation(site: Path) -> None:
    write(site, "themes/plain/i18n/en.yaml", "plain_note: Note\n")
    text = (site / "content/site.yaml").read_text()
    write(site, "content/site.yaml", text + "theme: plain\nlanguage: de\n")
    assert run("check", "--site", str(site)).exit_code == 0
    strict = run("check", "--strict", "--site", str(site))
    assert strict.exit_code == 1
    assert strict.stderr.splitlines() == [
        "themes/plain/i18n/de.yaml: warning: no 'de' translation for 1 of 1 texts, shown in "
        "English: plain_note",
        "1 warning.",
        "Failing because of --strict.",
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
    assert "(85 reused from the last build, 0 written, 0 removed)" in again.output
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
    from helpers import GOLDEN_SITE

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


def test_the_build_summary_counts_agree_with_their_nouns(tmp_path: Path) -> None:
    from badgesite.report import BuildReport

    one_of_each = BuildReport(tmp_path, pages=1, documents=1, files=1, seconds=0.5)
    assert one_of_each.summary().startswith(
        "Built 1 page, 1 Open Badges document and 1 other file into "
    )
    recorded = BuildReport(tmp_path, 2, 0, 3, 0.5, newly_recorded=("a",)).summary()
    assert recorded.startswith("Built 2 pages, 0 Open Badges documents and 3 other files")
    assert "\nRecorded 1 newly published award in content/published-awards.txt" in recorded


LISTED = [
    "ID        FULL ID                               ISSUED      EARNER  BADGE            STATUS",
    "2f1c7a52  2f1c7a52-6a1b-4d7e-9a3e-0c8b5d1e9f01  2024-03-02  ada     soldering        valid",
    "8c9d0e1f  8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e11  2024-03-15  ulla    soldering        valid, "
    "unaccepted",
    "5a6b7c8d  5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c07  2024-03-20  ada     soldering        valid, "
    "unaccepted",
    "7b3e9d14  7b3e9d14-52c8-4f0a-8e61-2d9c4b7a1e02  2024-04-10  ada     laser-cutting    expired",
    "c4d5e6f7  c4d5e6f7-1a2b-4c3d-9e8f-0a1b2c3d4e03  2024-04-11  ada     certified-maker  valid",
    "9e8d7c6b  9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c04  2024-05-01  bo      soldering        revoked",
    "0a1b2c3d  0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c05  2024-05-20  bo      laser-cutting    valid, "
    "unaccepted",
    "1f2e3d4c  1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a06  2024-06-15  cy      soldering        valid",
    "4d5e6f70  4d5e6f70-8192-4a3b-8c4d-5e6f70819210  2024-06-16  cy      laser-cutting    revoked",
    "a9b0c1d2  a9b0c1d2-e3f4-4a5b-9c6d-7e8f9a0b1c12  2024-07-10  ulla    certified-maker  valid",
    "6b7c8d9e  6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d08  2025-05-01  ada     laser-cutting    revoked",
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
    assert _listed(site, "--badge", "soldering") == [
        "2f1c7a52",
        "8c9d0e1f",
        "5a6b7c8d",
        "9e8d7c6b",
        "1f2e3d4c",
    ]
    assert _listed(site, "--status", "expired") == ["7b3e9d14"]
    assert _listed(site, "--status", "revoked", "--status", "unaccepted") == [
        "8c9d0e1f",
        "5a6b7c8d",
        "9e8d7c6b",
        "0a1b2c3d",
        "4d5e6f70",
        "6b7c8d9e",
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
    from badgesite.authoring.listing import STATUSES

    status = next(p for p in main.commands["list"].params if p.name == "statuses")
    assert tuple(status.type.choices) == STATUSES
