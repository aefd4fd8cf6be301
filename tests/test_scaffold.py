"""`badgesite new`: a site that builds at once and deploys on GitHub Pages or Netlify."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from badgesite import __version__
from badgesite.authoring.install_source import SelfRequirement, requirement_of
from badgesite.cache.store import DEFAULT_ROOT
from badgesite.cli import main
from helpers import tree_bytes

if sys.version_info >= (3, 11):
    import tomllib
else:  # the same parser, before it joined the standard library
    import tomli as tomllib


RECORD = "content/published-awards.txt"
RECORDS = (RECORD, "content/signing-keys.txt", "content/credential-status.txt")
KEY_FILE = ".badgesite/signing-key"


def run(*args: str, ci: bool = False, key: str | None = None):
    env = {
        "SOURCE_DATE_EPOCH": "1761998400",
        "CI": "true" if ci else None,
        "BADGESITE_SIGNING_KEY": key,
    }
    return CliRunner().invoke(main, list(args), env=env)


def test_a_new_site_builds_at_once(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    result = run("new", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Created a site in {target} (16 files).")
    built = run("build", "--site", str(target))
    assert built.exit_code == 0, built.output
    assert "Built 10 pages, 8 Open Badges documents" in built.output
    assert (target / "output/index.html").is_file()
    assert len(list((target / "output/assertions").glob("*.json"))) == 1


def test_a_new_site_passes_its_own_ci_before_any_local_build(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    made = run("new", str(target), "--base-url", "https://acme.github.io/badges/")
    assert "Its signing key is " in made.stdout
    assert "give it to CI as the secret BADGESITE_SIGNING_KEY" in made.stdout
    records = {name: (target / name).read_bytes() for name in RECORDS}
    key = (target / KEY_FILE).read_text().strip()
    assert key not in made.output
    checked = run("check", "--strict", "--site", str(target))
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == "No problems found.\n"
    # What CI checks out: the repository, where git never let the key in.
    clone = tmp_path / "clone"
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "new site")
    git(tmp_path, "clone", "-q", str(target), str(clone))
    assert not (clone / ".badgesite").exists()
    assert (clone / "content/signing-keys.txt").is_file()
    unset = run("build", "--site", str(clone), ci=True)
    assert unset.exit_code == 1
    (problem, summary) = unset.stderr.splitlines()
    assert problem.startswith("BADGESITE_SIGNING_KEY: not set, and no .badgesite/signing-key: ")
    assert "Set the secret to the one line of .badgesite/signing-key" in problem
    assert summary == "1 error in the content; nothing was written."
    deployed = run("build", "--site", str(clone), ci=True, key=key)
    assert deployed.exit_code == 0, deployed.output
    assert len(list((clone / "output/assertions").glob("*.json"))) == 1
    assert len(list((clone / "output/assertions").glob("*/credential.json"))) == 1
    # A local build does not record the sample either: the records stay as `new` wrote them.
    assert run("build", "--site", str(target)).exit_code == 0
    assert {name: (target / name).read_bytes() for name in RECORDS} == records


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.example", *args],
        cwd=folder, check=True, capture_output=True,
    )  # fmt: skip


def test_deleting_the_sample_award_before_the_first_deploy_needs_no_withdrawal(
    tmp_path: Path,
) -> None:
    target = tmp_path / "mysite"
    run("new", str(target))
    assert run("build", "--site", str(target)).exit_code == 0  # as the owner would, locally
    (sample,) = (target / "content/awards").glob("*.yaml")
    assert yaml.safe_load(sample.read_text())["sample"] is True
    sample.unlink()
    (target / "content/earners/sample-earner.yaml").unlink()
    for ci in (False, True):
        result = run("build", "--site", str(target), ci=ci)
        assert result.exit_code == 0, result.output
    assert not list((target / "output/assertions").glob("*.json"))
    assert not (target / "content/withdrawn-awards.txt").exists()


def test_a_real_award_on_a_new_site_is_guarded_and_check_says_what_ci_would_refuse(
    tmp_path: Path,
) -> None:
    target = tmp_path / "mysite"
    run("new", str(target), "--base-url", "https://acme.github.io/badges/")
    (sample,) = (target / "content/awards").glob("*.yaml")
    # An award written by hand (not by `badgesite award`, which records it at once).
    real = sample.read_text().replace("sample: true\n", "")
    real = real.replace(yaml.safe_load(real)["id"], "11111111-2222-4333-8444-555555555555")
    (target / "content/awards/real.yaml").write_text(real)
    checked = run("check", "--site", str(target))
    assert checked.exit_code == 0
    assert checked.stderr.splitlines()[0] == (
        f"{RECORD}: warning: out of date: 1 published award is not recorded "
        "(11111111-2222-4333-8444-555555555555). A CI build (CI=true or --frozen) never "
        "rewrites it: run `badgesite build` locally and commit the file."
    )
    assert run("check", "--strict", "--site", str(target)).exit_code == 1
    frozen = run("check", "--frozen", "--site", str(target))
    assert frozen.exit_code == 1
    assert f"{RECORD}: out of date: 1 published award is not recorded" in frozen.stderr
    assert run("build", "--site", str(target), ci=True).exit_code == 1
    assert run("build", "--site", str(target)).exit_code == 0  # records it
    assert run("check", "--strict", "--site", str(target)).stdout == "No problems found.\n"
    (target / "content/awards/real.yaml").unlink()
    gone = run("build", "--site", str(target))
    assert gone.exit_code == 1
    assert "published award '11111111-2222-4333-8444-555555555555' is gone" in gone.output


def test_a_new_site_has_one_of_each_record_and_the_hosting_files(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    assert run("new", str(target), "--title", "Acme: Training").exit_code == 0
    files = sorted(tree_bytes(target))
    assert files == [
        ".badgesite/.gitignore",
        ".badgesite/signing-key",
        ".github/workflows/pages.yml",
        ".gitignore",
        "README.md",
        "content/awards/2025-11-01-sample-earner-first-badge.yaml",
        "content/badges/first-badge.yaml",
        "content/credential-status.txt",
        "content/earners/sample-earner.yaml",
        "content/images/first-badge.svg",
        "content/issuers/acme-training.yaml",
        "content/published-awards.txt",
        "content/signing-keys.txt",
        "content/site.yaml",
        "netlify.toml",
        "requirements.txt",
    ]
    assert stat.S_IMODE((target / KEY_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE((target / ".badgesite").stat().st_mode) == 0o700
    (sample,) = (target / "content/awards").glob("*.yaml")
    status = (target / "content/credential-status.txt").read_text().splitlines()[-1]
    assert status.split()[0] == yaml.safe_load(sample.read_text())["id"]
    (public_key,) = [
        line for line in (target / "content/signing-keys.txt").read_text().splitlines()
        if not line.startswith("#")
    ]  # fmt: skip
    assert public_key.endswith(" 2025-11-01")
    site = yaml.safe_load((target / "content/site.yaml").read_text())
    assert site["title"] == "Acme: Training"  # quoted where YAML needs it
    assert site["default_issuer"] == "acme-training"
    assert requirement_lines(target) == [f"badgesite=={__version__}"]
    texts = {name: data for name, data in tree_bytes(target).items() if ".svg" not in name}
    assert [name for name, data in texts.items() if not data.endswith(b"\n")] == []
    assert "/output/" in (target / ".gitignore").read_text().splitlines()
    assert "*.csv" in (target / ".gitignore").read_text().splitlines()
    assert ".badgesite/" in (target / ".gitignore").read_text().splitlines()
    readme = (target / "README.md").read_text()
    assert readme.startswith("# Acme: Training\n")
    assert "badgesite withdraw" in readme
    assert "## Signing key" in readme
    for command in ("keys export-secret", "keys rotate", "keys list", "BADGESITE_SIGNING_KEY"):
        assert command in readme


# The current major version of each action (checked against their releases, December 2026).
CURRENT_ACTIONS = {
    "actions/checkout": "v7",
    "actions/setup-python": "v7",
    "actions/cache": "v4",
    "actions/configure-pages": "v6",
    "actions/upload-pages-artifact": "v5",
    "actions/deploy-pages": "v5",
}


def test_the_github_pages_workflow(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    run("new", str(target))
    workflow = yaml.safe_load((target / ".github/workflows/pages.yml").read_text())
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    steps = workflow["jobs"]["build"]["steps"]
    deploy = workflow["jobs"]["deploy"]
    used = dict(step["uses"].split("@") for step in steps + deploy["steps"] if "uses" in step)
    assert used == CURRENT_ACTIONS
    runs = [step["run"] for step in steps if "run" in step]
    assert runs == [
        "python -m pip install -r requirements.txt",
        'badgesite build --frozen --base-url "${{ steps.pages.outputs.base_url }}"',
    ]
    build = next(step for step in steps if step.get("run", "").startswith("badgesite build"))
    # The signing key from the repository secret, for the build step alone.
    assert build["env"] == {"BADGESITE_SIGNING_KEY": "${{ secrets.BADGESITE_SIGNING_KEY }}"}
    assert [step for step in steps if "env" in step] == [build]
    configure = next(s for s in steps if s.get("uses", "").startswith("actions/configure-pages"))
    assert configure["id"] == "pages"
    # The base URL is known only once configure-pages has run.
    assert steps.index(configure) < next(i for i, s in enumerate(steps) if "--base-url" in str(s))
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"] == "output/"
    assert deploy["needs"] == "build"
    # The cache folder comes back before the build (and is saved after it): images, cards,
    # QR codes and credentials are made once, not on every deploy from a fresh checkout.
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == str(DEFAULT_ROOT) == ".cache/badgesite"
    version = "${{ hashFiles('requirements.txt') }}"
    sources = "${{ hashFiles('content/**', 'themes/**', 'templates/**') }}"
    assert cache["with"]["key"] == f"badgesite-{version}-{sources}"
    assert cache["with"]["restore-keys"].splitlines() == [f"badgesite-{version}-"]
    assert steps.index(cache) < steps.index(build)
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["id"] == "deployment"


def test_configure_pages_base_url_without_its_final_slash_builds_the_right_ids(
    tmp_path: Path,
) -> None:
    target = tmp_path / "mysite"
    run("new", str(target))
    # What configure-pages gives for a project site: no final slash.
    result = run("build", "--site", str(target), "--base-url", "https://octo.github.io/badges")
    assert result.exit_code == 0, result.output
    (document,) = (target / "output/assertions").glob("*.json")
    award = json.loads(document.read_text())
    assert award["id"] == f"https://octo.github.io/badges/assertions/{document.name}"


def test_the_netlify_configuration(tmp_path: Path) -> None:
    target = tmp_path / "mysite"
    run("new", str(target))
    config = tomllib.loads((target / "netlify.toml").read_text())
    assert config["build"]["command"] == "badgesite build --frozen"
    assert config["build"]["publish"] == "output/"
    for context in ("deploy-preview", "branch-deploy"):
        command = config["context"][context]["command"]
        assert command == 'badgesite build --frozen --base-url "$DEPLOY_PRIME_URL"'
    # Netlify has no secrets in netlify.toml (it is committed): the key is set in its UI.
    assert "BADGESITE_SIGNING_KEY" not in config["build"]["environment"]
    # The cache folder is restored before each build and saved after a successful one.
    assert config["plugins"] == [
        {"package": "netlify-plugin-cache", "inputs": {"paths": [str(DEFAULT_ROOT)]}}
    ]
    text = (target / "netlify.toml").read_text()
    assert "BADGESITE_SIGNING_KEY" in text and "Site configuration > Environment" in text


def requirement_lines(site: Path) -> list[str]:
    text = (site / "requirements.txt").read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_new_names_the_badgesite_that_made_it_or_warns(tmp_path: Path) -> None:
    # The tests run badgesite from this repository's folder (an editable install, or none):
    # the pin is the version, and the owner is told the deploy needs it on an index.
    result = run("new", str(tmp_path / "here"))
    assert result.exit_code == 0
    assert requirement_lines(tmp_path / "here") == [f"badgesite=={__version__}"]
    assert result.stderr.startswith(f"warning: badgesite {__version__} was installed from ")
    assert "which a deploy cannot reach" in result.stderr
    assert "--badgesite-requirement" in result.stderr
    line = "badgesite @ git+https://git.example/acme/badgesite@0123456789abcdef0123"
    chosen = run("new", str(tmp_path / "chosen"), "--badgesite-requirement", line)
    assert chosen.exit_code == 0, chosen.output
    assert chosen.stderr == ""
    assert requirement_lines(tmp_path / "chosen") == [line]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("flask==3.0", "--badgesite-requirement: 'flask==3.0' names flask, not badgesite"),
        ("badgesite==", "--badgesite-requirement: "),
        (
            "badgesite==0.1\n--index-url https://evil.example/",
            "--badgesite-requirement: give one requirement on one line",
        ),
    ],
)
def test_new_refuses_a_requirement_that_is_not_badgesite(
    tmp_path: Path, value: str, message: str
) -> None:
    result = run("new", str(tmp_path / "x"), "--badgesite-requirement", value)
    assert result.exit_code == 1
    assert f"error: {message}" in result.stderr
    assert not (tmp_path / "x").exists()


def installed(tmp_path: Path, version: str, direct_url: dict | None) -> metadata.Distribution:
    """A badgesite distribution as pip leaves it in site-packages (a .dist-info folder
    beside the package, whose __init__.py `running(tmp_path)` names)."""
    info = tmp_path / f"badgesite-{version}.dist-info"
    info.mkdir(parents=True)
    running(tmp_path).parent.mkdir()
    running(tmp_path).write_text("")
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: badgesite\nVersion: {version}\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    return metadata.PathDistribution(info)


def running(site_packages: Path) -> Path:
    return site_packages / "badgesite" / "__init__.py"


COMMIT = "4f5e6d7c8b9a4f5e6d7c8b9a4f5e6d7c8b9a4f5e"


@pytest.mark.parametrize(
    ("direct_url", "line"),
    [
        (None, f"badgesite=={__version__}"),  # from an index: no direct_url.json
        (
            {
                "url": "https://git.example/acme/badgesite.git",
                "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "main"},
            },
            f"badgesite @ git+https://git.example/acme/badgesite.git@{COMMIT}",
        ),
        (
            {
                "url": "https://git.example/acme/mono.git",
                "vcs_info": {"vcs": "git", "commit_id": COMMIT},
                "subdirectory": "tools/badgesite",
            },
            f"badgesite @ git+https://git.example/acme/mono.git@{COMMIT}"
            "#subdirectory=tools/badgesite",
        ),
        (
            {
                "url": "https://files.example/badgesite-0.1.0-py3-none-any.whl",
                "archive_info": {"hashes": {"sha256": "ab" * 32}},
            },
            "badgesite @ https://files.example/badgesite-0.1.0-py3-none-any.whl"
            f"#sha256={'ab' * 32}",
        ),
        (
            {
                "url": "https://files.example/badgesite-0.1.0.tar.gz",
                "archive_info": {"hash": "sha256=" + "cd" * 32},
            },
            f"badgesite @ https://files.example/badgesite-0.1.0.tar.gz#sha256={'cd' * 32}",
        ),
    ],
    ids=["index", "git", "git-subdirectory", "archive", "archive-legacy-hash"],
)
def test_the_requirement_reinstalls_what_pip_recorded(
    tmp_path: Path, direct_url: dict | None, line: str
) -> None:
    found = requirement_of(installed(tmp_path, __version__, direct_url), running(tmp_path))
    assert found == SelfRequirement(line)


@pytest.mark.parametrize(
    ("direct_url", "where"),
    [
        ({"url": "file:///home/me/badgesite", "dir_info": {"editable": True}},
         "an editable install of the folder file:///home/me/badgesite"),
        ({"url": "file:///home/me/badgesite", "dir_info": {}},
         "the folder file:///home/me/badgesite"),
        ({"url": "file:///tmp/dist/badgesite-0.1.0-py3-none-any.whl", "archive_info": {}},
         "the file file:///tmp/dist/badgesite-0.1.0-py3-none-any.whl"),
        ({"url": "file:///home/me/badgesite", "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
         "the git repository at file:///home/me/badgesite"),
        ({"nonsense": 1}, "a location pip did not record readably (direct_url.json)"),
    ],
    ids=["editable", "folder", "local-wheel", "local-git", "unreadable"],
)  # fmt: skip
def test_a_badgesite_a_deploy_cannot_reach_is_pinned_with_a_warning(
    tmp_path: Path, direct_url: dict, where: str
) -> None:
    found = requirement_of(installed(tmp_path, __version__, direct_url), running(tmp_path))
    assert found.line == f"badgesite=={__version__}"
    assert found.warning.startswith(f"badgesite {__version__} was installed from {where}, ")
    assert "deploys only once that version is on the package index" in found.warning


def test_code_that_is_not_the_installed_package_is_pinned_with_a_warning(tmp_path: Path) -> None:
    # Another badgesite is installed than the one running (run from a source folder): of
    # another version, or of the same version with its files elsewhere.
    older = requirement_of(installed(tmp_path / "a", "0.0.9", None), running(tmp_path / "a"))
    assert older.line == f"badgesite=={__version__}"
    assert "from its source folder (it is not the installed package)" in older.warning
    same = installed(tmp_path / "b", __version__, None)
    assert requirement_of(same, tmp_path / "elsewhere/badgesite/__init__.py") == older
    assert requirement_of(None) == older


def test_credentials_in_a_recorded_url_are_never_written(tmp_path: Path) -> None:
    secret = {
        "url": "https://me:hunter2@git.example/acme/badgesite.git",
        "vcs_info": {"vcs": "git", "commit_id": COMMIT},
    }
    found = requirement_of(installed(tmp_path / "a", __version__, secret), running(tmp_path / "a"))
    assert found.line == f"badgesite=={__version__}"
    assert "hunter2" not in found.line + found.warning
    assert "a URL with credentials, which are never written into a site" in found.warning
    reference = dict(secret, url="https://${GIT_TOKEN}@git.example/acme/badgesite.git")
    kept = requirement_of(
        installed(tmp_path / "b", __version__, reference), running(tmp_path / "b")
    )
    assert kept == SelfRequirement(
        f"badgesite @ git+https://${{GIT_TOKEN}}@git.example/acme/badgesite.git@{COMMIT}"
    )


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


def test_new_makes_the_sites_own_key_even_with_one_in_the_environment(tmp_path: Path) -> None:
    from badgesite.openbadges.multikey import format_signing_key, generate_signing_key

    other = format_signing_key(generate_signing_key())
    result = run("new", str(tmp_path / "s"), key=other)
    assert result.exit_code == 0, result.output
    assert "warning: BADGESITE_SIGNING_KEY is set here, and builds sign with it" in result.stderr
    assert (tmp_path / "s" / KEY_FILE).read_text().strip() != other
    assert other not in result.output
