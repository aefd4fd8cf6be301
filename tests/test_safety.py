"""Hostile content: aliases, symlinks out of the site, huge files, paths out of content/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from badgesite.authoring.edits import AuthoringError, apply_changes
from badgesite.build import build
from badgesite.cli import main
from badgesite.errors import ContentErrors
from badgesite.guards.lints import CheckFailed
from badgesite.load import load_records
from helpers import FIXED_NOW, tree_bytes, write

BILLION_LAUGHS = "\n".join(
    ["name: Bo", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"CI": None})


def test_yaml_aliases_are_refused_with_their_line(site: Path) -> None:
    write(site, "content/earners/bo.yaml", BILLION_LAUGHS + "\n")
    errors = [str(e) for e in load_records(site).errors]
    assert errors == [
        "content/earners/bo.yaml:3: YAML aliases (*name) are not allowed in content: write the "
        "value out in full"
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("name: &n Bo\nheadline: *n\n", 2),
        ("name: &n Bo\nheadline:\n  *n\n", 3),
        ("name: Bo\nlinks: [&l {label: a, url: 'https://a.example/'}, *l]\n", 2),
        ('{"name": &n "Bo", "headline":*n}\n', 1),
    ],
)
def test_aliases_are_found_wherever_yaml_allows_them(site: Path, text: str, line: int) -> None:
    write(site, "content/earners/bo.yaml", text)
    (error,) = load_records(site).errors
    assert (error.path, error.line) == ("content/earners/bo.yaml", line)
    assert error.message.startswith("YAML aliases (*name) are not allowed")


def test_aliases_in_site_settings_are_refused_too(site: Path) -> None:
    write(site, "content/site.yaml", "title: &t T\nbase_url: https://x.example/\ndescription: *t\n")
    with pytest.raises(ContentErrors, match=r"content/site.yaml:3: YAML aliases"):
        build(site, site / "output", now=FIXED_NOW)


def test_asterisks_in_text_are_not_aliases(site: Path) -> None:
    write(site, "content/earners/bo.yaml", "name: Bo\nbio: 'I *love* solder * 3'\nheadline: a*b\n")
    assert load_records(site).errors == ()


def outside_file(tmp_path: Path, text: str = "name: Secret\n") -> Path:
    secret = tmp_path / "outside" / "secret.yaml"
    secret.parent.mkdir(exist_ok=True)
    secret.write_text(text)
    return secret


def test_a_record_symlinked_from_outside_the_site_is_refused(site: Path, tmp_path: Path) -> None:
    os.symlink(outside_file(tmp_path), site / "content/earners/dee.yaml")
    messages = [str(e) for e in load_records(site).errors]
    assert "content/earners/dee.yaml: is a symlink to a file outside the site; refused" in messages
    result = run("build", "--site", str(site))
    assert result.exit_code == 1
    assert "content/earners/dee.yaml: is a symlink to a file outside the site; refused" in (
        result.output
    )
    assert not (site / "output").exists()


def test_a_record_folder_symlinked_from_outside_is_refused(site: Path, tmp_path: Path) -> None:
    secret = outside_file(tmp_path)
    for path in (site / "content/earners").iterdir():
        path.rename(secret.parent / path.name)
    (site / "content/earners").rmdir()
    os.symlink(secret.parent, site / "content/earners")
    messages = [str(e) for e in load_records(site).errors]
    assert messages == ["content/earners: is a symlink to a folder outside the site; refused"]


def test_symlinks_out_of_the_site_in_templates_or_images_fail_check_and_build(
    site: Path, tmp_path: Path
) -> None:
    secret = outside_file(tmp_path, "password")
    (site / "templates").mkdir()
    os.symlink(secret, site / "templates/base.html")
    os.symlink(secret, site / "content/images/leak.png")
    os.symlink(site / "content/images/solder.svg", site / "content/images/inside.svg")
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if "symlink" in line]
    assert errors == [
        f"content/images/leak.png: is a symlink to {secret}, outside the site; refused (a build "
        "would publish or read files that are not part of the site)",
        f"templates/base.html: is a symlink to {secret}, outside the site; refused (a build "
        "would publish or read files that are not part of the site)",
    ]
    with pytest.raises(CheckFailed):
        build(site, site / "output", now=FIXED_NOW)
    assert not (site / "output").exists()


def test_huge_images_are_refused(site: Path) -> None:
    from PIL import Image

    image = site / "content/images/maker.png"
    Image.new("RGB", (100, 100), "red").save(image)
    with image.open("ab") as stream:  # trailing bytes: still a PNG, now over the limit
        stream.write(b"\0" * (5 * 1024 * 1024))
    with pytest.raises(ContentErrors) as failure:
        build(site, site / "output", now=FIXED_NOW)
    assert [str(e) for e in failure.value.errors] == [
        f"content/badges/certified-maker.yaml:4: image: 'maker.png' is {image.stat().st_size} "
        "bytes; the limit is 5242880"
    ]


def test_huge_published_record_is_refused(site: Path) -> None:
    with (site / "content/published-awards.txt").open("a") as stream:
        stream.write("# padding\n" * (2 * 1024 * 1024))
    with pytest.raises(ContentErrors, match=r"published-awards.txt: file is \d+ bytes; the limit"):
        build(site, site / "output", now=FIXED_NOW)


@pytest.mark.parametrize("relative", ["../escape.yaml", "content/../../escape.yaml", "x.yaml"])
def test_authoring_writes_only_inside_content(site: Path, relative: str) -> None:
    before = tree_bytes(site)
    with pytest.raises(AuthoringError, match="is outside content/"):
        apply_changes(site, {relative: "name: x\n"})
    assert tree_bytes(site) == before
    assert not (site.parent / "escape.yaml").exists()


def test_a_refused_change_leaves_the_hard_linked_original_alone(site: Path) -> None:
    before = tree_bytes(site)
    with pytest.raises(ContentErrors, match=r"content/earners/ada\.yaml:1: invalid YAML"):
        apply_changes(site, {"content/earners/ada.yaml": "name: [\n"})
    assert tree_bytes(site) == before


def test_csv_earner_slugs_cannot_name_paths(site: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "batch.csv"
    sheet.write_text("name,email,badge,earner\nX,x@y.example,soldering,../../escape\n")
    result = run("award", "--from-csv", str(sheet), "--site", str(site))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "batch.csv:2: earner: '../../escape' is not a slug: lowercase letters, digits, hyphens"
    )
    assert not list(tmp_path.rglob("escape*"))


def test_an_imported_snapshot_symlinked_from_outside_is_refused(site: Path, tmp_path: Path) -> None:
    secret = outside_file(tmp_path, '{"format": "badgesite-imported-badge/1"}')
    (site / "content/imported").mkdir()
    os.symlink(secret, site / "content/imported/x.json")
    messages = [str(e) for e in load_records(site).errors]
    assert messages == ["content/imported/x.json: is a symlink to a file outside the site; refused"]


def badge_svg(body: str, attributes: str = 'width="128" height="128"') -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" {attributes}>{body}</svg>'


HOSTILE_BADGES = {
    # resvg died by SIGSEGV at 250 nested groups and more: the build died with it.
    "deep": (
        badge_svg("<g>" * 1000 + '<rect width="9" height="9"/>' + "</g>" * 1000),
        "'solder.svg' nests elements more than 64 deep",
    ),
    # Flat, but drawn 252 levels deep: the same crash, through references.
    "use-chain": (
        badge_svg(
            '<defs><rect id="g0" width="9" height="9"/>'
            + "".join(f'<g id="g{i}"><use href="#g{i - 1}"/></g>' for i in range(1, 126))
            + '</defs><use href="#g125"/>'
        ),
        "'solder.svg' nests elements more than 64 deep, counting what its references",
    ),
    # float() could not read it: a traceback instead of a reason.
    "length": (badge_svg("", 'width="1.2.3" height="64"'), "'solder.svg' has width '1.2.3'"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_BADGES))
def test_badge_svg_that_would_crash_the_build_is_a_content_error(site: Path, case: str) -> None:
    """Run as a command, as a crash in the renderer would take a test process with it."""
    svg, message = HOSTILE_BADGES[case]
    (site / "content/images/solder.svg").write_text(svg)
    completed = subprocess.run(
        [sys.executable, "-m", "badgesite", "build", "--site", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CI": ""},
    )
    assert completed.returncode == 1, completed.stderr[-2000:]
    reported = completed.stderr + completed.stdout
    assert f"content/badges/soldering.yaml:4: image: {message}" in reported
    assert "Traceback" not in reported
    assert not (site / "output").exists()


def test_a_renderer_crash_on_a_badge_is_a_content_error_naming_it(site: Path, monkeypatch) -> None:
    """Whatever still crashes resvg, the crash happens in a child process: the build reports
    it against the badge, and leaves the previous output as it was."""
    from badgesite.images import cards

    build(site, site / "output", now=FIXED_NOW)
    published = tree_bytes(site / "output")
    (site / "content/images/solder.svg").write_text(badge_svg('<circle r="40"/>'))
    monkeypatch.setattr(cards, "_RASTERIZE", "import os, signal; os.kill(os.getpid(), 11)")
    with pytest.raises(ContentErrors) as failure:
        build(site, site / "output", now=FIXED_NOW)
    assert [str(error) for error in failure.value.errors] == [
        "content/badges/soldering.yaml:4: image: 'solder.svg' cannot be drawn: "
        "the SVG renderer (resvg) crashed on it (SIGSEGV)"
    ]
    assert tree_bytes(site / "output") == published
