"""`badgesite check` and the lints every build runs first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from badgesite.build import build
from badgesite.cli import main
from badgesite.guards.lints import CheckFailed
from helpers import EXAMPLE_SITE, FIXED_NOW, tree_bytes, write


def run(*args: str):
    env = {"SOURCE_DATE_EPOCH": "1761998400", "CI": None}
    return CliRunner().invoke(main, list(args), env=env)


def replace_in(site: Path, relative: str, old: str, new: str) -> None:
    path = site / relative
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_the_repository_sites_are_clean_even_strictly(tmp_path: Path) -> None:
    for root in (EXAMPLE_SITE, EXAMPLE_SITE / "tests/golden/site"):
        cache = tmp_path / root.name
        arguments = ("--strict", "--frozen", "--site", str(root), "--cache-dir", str(cache))
        result = run("check", *arguments)
        assert result.exit_code == 0, result.output
        assert result.output == "No problems found.\n"
        assert (cache / "images").is_dir()  # the images checked, kept where it was told


def test_check_keeps_its_cache_where_it_is_told(site: Path, tmp_path: Path) -> None:
    result = run("check", "--site", str(site), "--cache-dir", str(tmp_path / "cache"))
    assert result.exit_code == 0, result.output
    assert not (site / ".cache").exists()
    assert any((tmp_path / "cache" / "images").rglob("*"))


def test_check_writes_nothing(site: Path) -> None:
    """Nothing but its cache (the processed images a build would reuse)."""
    (site / "content/published-awards.txt").unlink()
    before = tree_bytes(site)
    result = run("check", "--site", str(site))
    assert result.exit_code == 0, result.output
    after = {
        path: data for path, data in tree_bytes(site).items() if not path.startswith(".cache/")
    }
    assert after == before
    assert not (site / "output").exists()


def test_plain_email_addresses_are_found_anywhere_in_content(site: Path) -> None:
    replace_in(
        site, "content/earners/ada.yaml", "bio: Builds", "bio: Mail ada.n@mail.example. Builds"
    )
    write(site, "content/earners/bo.yaml", "# bo@lindqvist.example asked for this\nname: Bo\n")
    write(site, "content/notes.txt", "contact ops@harbour.example\n")
    result = run("check", "--site", str(site))
    assert result.exit_code == 0  # warnings only
    lines = result.output.splitlines()
    assert lines[:3] == [
        "content/earners/ada.yaml:3: warning: plain email address 'a…@mail.example': everything "
        "in content/ is public once the site or its repository is. Remove it; recipients are "
        "stored only as hashes (`badgesite award --email` makes them)",
        "content/earners/bo.yaml:1: warning: plain email address 'b…@lindqvist.example': "
        "everything in content/ is public once the site or its repository is. Remove it; "
        "recipients are stored only as hashes (`badgesite award --email` makes them)",
        "content/notes.txt:1: warning: plain email address 'o…@harbour.example': everything in "
        "content/ is public once the site or its repository is. Remove it; recipients are "
        "stored only as hashes (`badgesite award --email` makes them)",
    ]
    assert lines[3] == "3 warnings."
    strict = run("check", "--strict", "--site", str(site))
    assert strict.exit_code == 1
    assert strict.output.splitlines()[-1] == "Failing because of --strict."


def test_issuer_contact_addresses_are_public_on_purpose(site: Path) -> None:
    issuer = (site / "content/issuers/harbour-lab.yaml").read_text()
    assert "email:" in issuer
    address = next(
        line.split(":", 1)[1].strip() for line in issuer.splitlines() if line.startswith("email:")
    )
    # Mentioned again in a description, or in the email field of some JSON (an issuer profile).
    replace_in(site, "content/badges/soldering.yaml", "name:", f"# ask {address}\nname:")
    write(site, "content/data/x.json", json.dumps({"issuer": {"email": "a@other.example"}}))
    result = run("check", "--strict", "--site", str(site))
    assert result.exit_code == 0, result.output


def test_json_strings_with_addresses_are_flagged(site: Path) -> None:
    write(
        site,
        "content/data/x.json",
        json.dumps({"recipient": {"identity": "me@mine.example", "hashed": False}}),
    )
    result = run("check", "--site", str(site))
    assert "content/data/x.json: warning: plain email address 'm…@mine.example'" in (result.output)


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        (
            "http://badges.harbour-lab.example/",
            "'http://badges.harbour-lab.example/' is not https: verifiers, browsers and LinkedIn "
            "expect https, and GitHub Pages and Netlify serve it",
        ),
        (
            "https://harbour.github.io/",
            "'https://harbour.github.io/' has no repository path: a GitHub Pages project site "
            "lives at https://harbour.github.io/REPO/ (only a repository named "
            "harbour.github.io is served at the root)",
        ),
        (
            "https://badges.example.org/",
            "still the placeholder 'https://badges.example.org/': set it to the address the "
            "site is published at, before the first award is shared (award URLs are permanent)",
        ),
    ],
)
def test_base_url_lints(site: Path, base_url: str, message: str) -> None:
    replace_in(site, "content/site.yaml", "https://badges.harbour-lab.example/pages", base_url)
    result = run("check", "--site", str(site))
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == f"content/site.yaml:2: warning: base_url: {message}"
    assert run("check", "--strict", "--site", str(site)).exit_code == 1


def test_github_pages_project_urls_are_fine(site: Path) -> None:
    replace_in(
        site,
        "content/site.yaml",
        "https://badges.harbour-lab.example/pages",
        "https://harbour.github.io/badges/",
    )
    assert run("check", "--strict", "--site", str(site)).exit_code == 0


def test_linkedin_organization_id_must_be_a_positive_number(site: Path) -> None:
    path = site / "content/issuers/harbour-lab.yaml"
    path.write_text(path.read_text() + "linkedin_organization_id: 0\n")
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "content/issuers/harbour-lab.yaml: linkedin_organization_id: '0' is not a LinkedIn "
        "organization id: use the company's positive numeric id (the number in its page admin "
        "URL)",
        "1 error.",
    ]
    path.write_text(path.read_text().replace(": 0\n", ": linkedin.com/company/harbour\n"))
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    assert "linkedin_organization_id: expected a whole number" in result.output


def test_image_lints(site: Path) -> None:
    from PIL import Image

    Image.new("RGB", (300, 200), "red").save(site / "content/images/maker.png")
    Image.new("RGB", (100, 100), "red").save(site / "content/images/unused.png")
    result = run("check", "--site", str(site))
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "content/badges/certified-maker.yaml: warning: image: 'maker.png' is 300x200: badge "
        "images are shown square, so it will be cropped or padded",
        "content/images/unused.png: warning: not used by any record (delete it, or refer to it "
        "as an image)",
        "2 warnings.",
    ]


def test_model_errors_and_lint_findings_are_reported_together(site: Path) -> None:
    write(site, "content/earners/ada.yaml", "name: Ada\nvisibilty: public\n")
    write(site, "content/notes.txt", "ops@harbour.example\n")
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    assert result.output.splitlines() == [  # sorted by file, errors and warnings together
        "content/earners/ada.yaml:2: visibilty: unknown field (did you mean 'visibility'?)",
        "content/notes.txt:1: warning: plain email address 'o…@harbour.example': everything in "
        "content/ is public once the site or its repository is. Remove it; recipients are "
        "stored only as hashes (`badgesite award --email` makes them)",
        "1 error and 1 warning.",
    ]


def test_builds_print_warnings_and_fail_on_lint_errors(site: Path) -> None:
    write(site, "content/notes.txt", "ops@harbour.example\n")
    result = run("build", "--site", str(site))
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith(
        "content/notes.txt:1: warning: plain email address"
    )
    assert result.output.splitlines()[1].startswith("Built 22 pages")
    before = tree_bytes(site / "output")
    path = site / "content/issuers/harbour-lab.yaml"
    path.write_text(path.read_text() + "linkedin_organization_id: -5\n")
    with pytest.raises(CheckFailed, match="not a LinkedIn organization id"):
        build(site, site / "output", now=FIXED_NOW)
    assert tree_bytes(site / "output") == before


LEAK = "private signing key: an Ed25519 signing key (z3u2…) is written here."


def planted_key() -> str:
    from badgesite.openbadges.multikey import format_signing_key, generate_signing_key

    return format_signing_key(generate_signing_key())


def png_with_text(png: bytes, text: str) -> bytes:
    """png with a tEXt chunk holding text, just before its IEND chunk."""
    from badgesite.primitives.png_chunks import make_chunk

    end = png.rindex(b"IEND") - 4
    return png[:end] + make_chunk(b"tEXt", b"Comment\0" + text.encode()) + png[end:]


def test_check_fails_on_a_private_key_anywhere_a_build_reads_or_publishes(site: Path) -> None:
    secret = planted_key()
    replace_in(site, "content/earners/ada.yaml", "bio: Builds", f"# {secret}\nbio: Builds")
    write(site, "themes/plain/templates/extra.html", f"<p>\n\n{secret}</p>\n")
    write(site, "content/images/extra.svg", f'<svg xmlns="http://www.w3.org/2000/svg">\n'
          f"<desc>{secret}</desc></svg>\n")  # fmt: skip
    png = (site / "content/images/maker.png").read_bytes()
    (site / "content/images/maker-copy.png").write_bytes(png_with_text(png, f"k={secret}"))
    write(site, "netlify.toml", f'[build.environment]\n  BADGESITE_SIGNING_KEY = "{secret}"\n')
    write(site, ".github/workflows/pages.yml", f"env:\n  BADGESITE_SIGNING_KEY: {secret}\n")
    write(site, "templates/page.html", "-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n")
    result = run("check", "--site", str(site))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if "private signing key" in line]
    assert [line.split(": ")[0] for line in errors] == [
        ".github/workflows/pages.yml:2",
        "content/earners/ada.yaml:3",
        "content/images/extra.svg:2",
        "content/images/maker-copy.png",  # a binary file: no line
        "netlify.toml:2",
        "templates/page.html:1",
        "themes/plain/templates/extra.html:3",
    ]
    assert all(f": {LEAK} " in line for line in errors if "page.html" not in line)
    assert "templates/page.html:1: private signing key: a PEM private key" in result.stderr
    assert secret not in result.output
    built = run("build", "--site", str(site))  # a build refuses as well, writing nothing
    assert built.exit_code == 1
    assert "content/earners/ada.yaml:3: private signing key" in built.stderr
    assert not (site / "output").exists()


def test_the_key_in_its_own_folder_is_not_a_leak_nor_a_public_key(site: Path) -> None:
    assert (site / ".badgesite/signing-key").is_file()  # the golden site's copies have it
    (site / ".badgesite/signing-key.retired-2025-11-01").write_text("kept\n")
    write(site, ".cache/badgesite/x.txt", (site / ".badgesite/signing-key").read_text())
    assert run("check", "--site", str(site)).exit_code == 0
    (site / "content/signing-keys.txt").read_text().index("z6Mk")  # public keys are fine


def test_check_scans_output_as_it_stands(site: Path) -> None:
    """output/ is what a hand upload (a Netlify drop) publishes: check scans all of it. A
    build does not scan it: it replaces output/ whole, keeping only what it plans."""
    assert run("build", "--site", str(site)).exit_code == 0
    secret = planted_key()
    index = site / "output/index.html"
    index.write_text(index.read_text().replace("</body>", f"{secret}</body>"))
    write(site, "output/leftover.json", f'{{"key": "{secret}"}}\n')
    checked = run("check", "--site", str(site))
    assert checked.exit_code == 1
    assert f"output/leftover.json:1: {LEAK}" in checked.stderr
    assert "output/index.html:" in checked.stderr
    assert secret not in checked.output
    replace_in(site, "content/site.yaml", "title: ", "title: New ")
    assert run("build", "--site", str(site)).exit_code == 0
    assert secret not in index.read_text()  # made anew
    leftover = site / "output/leftover.json"
    assert not leftover.exists()  # a file no build made does not outlive a real build
    assert run("check", "--site", str(site)).exit_code == 0


def git(site: Path, *args: str) -> None:
    import subprocess

    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.example", *args],
        cwd=site, check=True, capture_output=True,
    )  # fmt: skip


def test_a_key_file_tracked_by_git_fails_check_and_ignored_root_files_are_not_scanned(
    site: Path,
) -> None:
    secret = (site / ".badgesite/signing-key").read_text().strip()
    write(site, ".env", f"BADGESITE_SIGNING_KEY={secret}\n")  # a local secret, git-ignored
    write(site, ".gitignore", ".env\n/output/\n")
    git(site, "init", "-q")
    git(site, "add", "-A")
    assert run("check", "--site", str(site)).exit_code == 0
    git(site, "add", "-f", ".badgesite/signing-key")
    tracked = run("check", "--site", str(site))
    assert tracked.exit_code == 1
    assert tracked.stderr.splitlines()[0] == (
        ".badgesite/signing-key: private signing key: the key file is tracked by git, so the "
        "key is in the repository: run `git rm --cached .badgesite/signing-key`, then make a "
        "new key with `badgesite keys rotate` and delete the old key's line from "
        "content/signing-keys.txt (anyone who can read the repository can sign with it)"
    )
    git(site, "rm", "-q", "--cached", ".badgesite/signing-key")
    (site / ".gitignore").write_text("/output/\n")  # .env could be committed now
    untracked = run("check", "--site", str(site))
    assert untracked.exit_code == 1
    assert f".env:1: {LEAK}" in untracked.stderr
    assert secret not in untracked.output + tracked.output
