"""`badgesite new`: a site that builds at once and deploys on GitHub Pages or Netlify."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from badgesite import __version__
from badgesite.cli import main
from conftest import tree_bytes

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, before it joined the standard library
    import tomli as tomllib


def run(*args: str, ci: bool = False):
    env = {"SOURCE_DATE_EPOCH": "1761998400", "CI": "true" if ci else None}
    return CliRunner().invoke(main, list(args), env=env)


def test_a_new_site_builds_at_once(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    result = run("new", str(target))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Created a site in {target} (12 files).")
    built = run("build", "--site", str(target))
    assert built.exit_code == 0, built.output
    assert "Built 9 pages, 4 Open Badges documents" in built.output
    assert (target / "output/index.html").is_file()
    assert len(list((target / "output/assertions").glob("*.json"))) == 1
    # The first local build recorded the sample award, so the deploy build passes too.
    assert run("build", "--site", str(target), ci=True).exit_code == 0


def test_a_new_site_has_one_of_each_record_and_the_hosting_files(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    assert run("new", str(target), "--title", "Acme: Training").exit_code == 0
    files = sorted(tree_bytes(target))
    assert files == [
        ".github/workflows/pages.yml",
        ".gitignore",
        "README.md",
        "content/awards/2025-11-01-sample-earner-first-badge.yaml",
        "content/badges/first-badge.yaml",
        "content/earners/sample-earner.yaml",
        "content/images/first-badge.svg",
        "content/issuers/acme-training.yaml",
        "content/published-awards.txt",
        "content/site.yaml",
        "netlify.toml",
        "requirements.txt",
    ]
    site = yaml.safe_load((target / "content/site.yaml").read_text())
    assert site["title"] == "Acme: Training"  # quoted where YAML needs it
    assert site["default_issuer"] == "acme-training"
    assert (target / "requirements.txt").read_text() == f"badgesite=={__version__}\n"
    assert "/output/" in (target / ".gitignore").read_text().splitlines()
    assert "*.csv" in (target / ".gitignore").read_text().splitlines()
    readme = (target / "README.md").read_text()
    assert readme.startswith("# Acme: Training\n")
    assert "badgesite withdraw" in readme


def test_the_github_pages_workflow(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    run("new", str(target))
    workflow = yaml.safe_load((target / ".github/workflows/pages.yml").read_text())
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    steps = workflow["jobs"]["build"]["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert "actions/configure-pages" in uses
    assert "actions/upload-pages-artifact" in uses
    assert any(step.get("run") == "badgesite build --frozen" for step in steps)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"] == "output/"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_the_netlify_configuration(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    run("new", str(target))
    config = tomllib.loads((target / "netlify.toml").read_text())
    assert config["build"]["command"] == "badgesite build --frozen"
    assert config["build"]["publish"] == "output/"
    preview = config["context"]["deploy-preview"]["command"]
    assert preview == 'badgesite build --frozen --base-url "$DEPLOY_PRIME_URL"'


def test_new_site_with_its_real_address_passes_a_strict_check(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    run("new", str(target), "--base-url", "https://acme.github.io/badges")
    result = run("check", "--strict", "--site", str(target))
    assert result.exit_code == 0, result.output
    placeholder = tmp_path / "other"
    run("new", str(placeholder))
    result = run("check", "--strict", "--site", str(placeholder))
    assert result.exit_code == 1
    assert "base_url: still the placeholder" in result.output


def test_new_then_award_then_build(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    run("new", str(target))
    result = run(
        "award", "first-badge", "--earner", "sample-earner", "--email", "x@y.example",
        "--site", str(target),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert run("build", "--site", str(target)).exit_code == 0
    assert len(list((target / "output/assertions").glob("*.json"))) == 2


def test_new_refuses_a_folder_in_use_and_bad_addresses(tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    result = run("new", str(tmp_path / "used"))
    assert result.exit_code == 1
    assert "already exists and is not empty; choose a new folder" in result.output
    assert sorted(p.name for p in (tmp_path / "used").iterdir()) == ["notes.txt"]
    result = run("new", str(tmp_path / "x"), "--base-url", "ftp://nope")
    assert result.exit_code == 1
    assert "--base-url: 'ftp://nope' is not an absolute http(s) URL" in result.output
    assert not (tmp_path / "x").exists()
