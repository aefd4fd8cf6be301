"""`badgesite keys`: the site's signing key made, rotated, listed and exported, never shown."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from badgesite.cli import main
from badgesite.openbadges import data_integrity
from badgesite.openbadges.multikey import format_signing_key, generate_signing_key

KEY_FILE = ".badgesite/signing-key"
RECORD = "content/signing-keys.txt"
BASE_URL = "https://acme.github.io/badges/"


def run(*args: str, key: str | None = None, ci: bool = False):
    env = {
        "SOURCE_DATE_EPOCH": "1761998400",  # 2025-11-01
        "CI": "true" if ci else None,
        "BADGESITE_SIGNING_KEY": key,
    }
    return CliRunner().invoke(main, list(args), env=env)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def recorded(site: Path) -> list[str]:
    text = (site / RECORD).read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def private_line(path: Path) -> str:
    return path.read_text().strip()


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """A folder that is a site (it has content/) but no key yet."""
    (tmp_path / "site" / "content").mkdir(parents=True)
    return tmp_path / "site"


@pytest.fixture
def made(tmp_path: Path) -> Path:
    """A site made by `badgesite new`, with its key, publishing Open Badges 3.0."""
    target = tmp_path / "made"
    assert run("new", str(target), "--base-url", BASE_URL).exit_code == 0
    return target


def test_keys_new_makes_a_private_key_file_and_records_its_public_key(bare: Path) -> None:
    result = run("keys", "new", "--site", str(bare))
    assert result.exit_code == 0, result.output
    key_file = bare / KEY_FILE
    assert mode(key_file) == 0o600
    assert mode(key_file.parent) == 0o700
    assert (key_file.parent / ".gitignore").read_text().splitlines()[-1] == "*"
    secret = private_line(key_file)
    assert secret.startswith("z3u2") and len(secret) == 48
    (line,) = recorded(bare)
    public, day = line.split()
    assert public.startswith("z6Mk") and day == "2025-11-01"
    assert f"Made the site's signing key: {key_file}" in result.stdout
    assert f"Recorded its public key {public} in content/signing-keys.txt" in result.stdout
    assert "secret BADGESITE_SIGNING_KEY" in result.stdout
    assert "badgesite keys export-secret | gh secret set BADGESITE_SIGNING_KEY" in result.stdout
    assert secret not in result.output


def test_keys_new_refuses_a_site_that_has_a_key(bare: Path) -> None:
    assert run("keys", "new", "--site", str(bare)).exit_code == 0
    before = (bare / KEY_FILE).read_bytes(), (bare / RECORD).read_bytes()
    again = run("keys", "new", "--site", str(bare))
    assert again.exit_code == 1
    assert "already exists: the site has its signing key. `badgesite keys rotate`" in again.stderr
    assert ((bare / KEY_FILE).read_bytes(), (bare / RECORD).read_bytes()) == before


def test_keys_new_refuses_with_a_key_in_the_environment_and_outside_a_site(
    bare: Path, tmp_path: Path
) -> None:
    secret = format_signing_key(generate_signing_key())
    result = run("keys", "new", "--site", str(bare), key=secret)
    assert result.exit_code == 1
    assert "BADGESITE_SIGNING_KEY is set, and a build here signs with it" in result.stderr
    assert secret not in result.output
    assert not (bare / ".badgesite").exists() and not (bare / RECORD).exists()
    elsewhere = run("keys", "new", "--site", str(tmp_path))
    assert elsewhere.exit_code == 1
    assert "holds no content/ folder: is it a site?" in elsewhere.stderr
    assert not (tmp_path / ".badgesite").exists()


def test_keys_new_after_a_lost_key_keeps_the_recorded_ones(bare: Path) -> None:
    run("keys", "new", "--site", str(bare))
    (first,) = recorded(bare)
    (bare / KEY_FILE).unlink()  # a fresh clone on another machine, say
    result = run("keys", "new", "--site", str(bare))
    assert result.exit_code == 0, result.output
    assert recorded(bare)[0] == first and len(recorded(bare)) == 2
    assert "The 1 key recorded before it stay listed" in result.stdout


def test_keys_rotate_keeps_the_old_key_and_its_public_key(bare: Path) -> None:
    run("keys", "new", "--site", str(bare))
    old_secret = private_line(bare / KEY_FILE)
    (old_line,) = recorded(bare)
    result = run("keys", "rotate", "--site", str(bare))
    assert result.exit_code == 0, result.output
    retired = bare / ".badgesite/signing-key.retired-2025-11-01"
    assert private_line(retired) == old_secret
    assert mode(retired) == 0o600 and mode(bare / KEY_FILE) == 0o600
    new_secret = private_line(bare / KEY_FILE)
    assert new_secret != old_secret
    lines = recorded(bare)
    assert lines[0] == old_line and len(lines) == 2
    new_public = lines[1].split()[0]
    assert f"the new {new_public} last" in result.stdout
    assert f"The old key is kept in {retired}" in result.stdout
    assert "The next build signs every credential again with the new key." in result.stdout
    assert "Update the BADGESITE_SIGNING_KEY secret in CI" in result.stdout
    assert old_secret not in result.output and new_secret not in result.output
    # A second rotation the same day keeps both earlier files.
    assert run("keys", "rotate", "--site", str(bare)).exit_code == 0
    assert private_line(bare / ".badgesite/signing-key.retired-2025-11-01-2") == new_secret
    assert private_line(retired) == old_secret
    assert len(recorded(bare)) == 3


def test_keys_rotate_refuses_without_a_key_file_or_with_the_key_in_the_environment(
    bare: Path,
) -> None:
    missing = run("keys", "rotate", "--site", str(bare))
    assert missing.exit_code == 1
    assert "does not exist: `badgesite keys new` makes the site's key" in missing.stderr
    run("keys", "new", "--site", str(bare))
    before = (bare / KEY_FILE).read_bytes(), (bare / RECORD).read_bytes()
    secret = private_line(bare / KEY_FILE)
    in_secret = run("keys", "rotate", "--site", str(bare), key=secret)
    assert in_secret.exit_code == 1
    assert "the key lives in that secret, not in a file here. Rotate where" in in_secret.stderr
    assert secret not in in_secret.output
    assert ((bare / KEY_FILE).read_bytes(), (bare / RECORD).read_bytes()) == before
    assert sorted(path.name for path in (bare / ".badgesite").iterdir()) == [
        ".gitignore",
        "signing-key",
    ]


def test_keys_rotate_refuses_a_key_file_others_can_read(bare: Path) -> None:
    run("keys", "new", "--site", str(bare))
    (bare / KEY_FILE).chmod(0o644)
    result = run("keys", "rotate", "--site", str(bare))
    assert result.exit_code == 1
    assert "readable by others (mode 644); run chmod 600" in result.stderr
    assert len(recorded(bare)) == 1


def test_a_build_after_rotate_signs_with_the_new_key_and_publishes_both(made: Path) -> None:
    assert run("build", "--site", str(made)).exit_code == 0
    old_public = recorded(made)[0].split()[0]
    assert run("keys", "rotate", "--site", str(made)).exit_code == 0
    new_public = recorded(made)[1].split()[0]
    built = run("build", "--site", str(made))
    assert built.exit_code == 0, built.output
    (did_document,) = (made / "output/issuers").glob("*/did.json")
    document = json.loads(did_document.read_text())
    listed = [method["publicKeyMultibase"] for method in document["verificationMethod"]]
    assert sorted(listed) == sorted([old_public, new_public])
    assert {method.rsplit("#", 1)[1] for method in document["assertionMethod"]} == set(listed)
    (credential_file,) = (made / "output/assertions").glob("*/credential.json")
    credential = json.loads(credential_file.read_text())
    assert credential["proof"]["verificationMethod"] == f"{document['id']}#{new_public}"
    assert data_integrity.proof_is_valid(credential, new_public)
    assert not data_integrity.proof_is_valid(credential, old_public)
    # The frozen (CI) build with the new key as its secret passes too.
    secret = private_line(made / KEY_FILE)
    assert run("build", "--site", str(made), key=secret, ci=True).exit_code == 0


def test_keys_list_shows_the_recorded_keys_and_the_current_one(bare: Path) -> None:
    none = run("keys", "list", "--site", str(bare))
    assert none.exit_code == 0
    assert none.stdout.splitlines() == [
        "No public key is recorded in content/signing-keys.txt.",
        "No signing key: neither BADGESITE_SIGNING_KEY nor .badgesite/signing-key holds one;",
        "`badgesite keys new` makes it (a local build would too).",
    ]
    run("keys", "new", "--site", str(bare))
    run("keys", "rotate", "--site", str(bare))
    (old_public, old_day), (new_public, new_day) = (line.split() for line in recorded(bare))
    secrets = [private_line(path) for path in (bare / ".badgesite").glob("signing-key*")]
    listed = run("keys", "list", "--site", str(bare))
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [
        "Public keys in content/signing-keys.txt, oldest first:",
        f"  {old_public}  {old_day}",
        f"  {new_public}  {new_day}  current ({bare / KEY_FILE})",
        f"Retired key file kept: {bare}/.badgesite/signing-key.retired-2025-11-01 ({old_public})",
    ]
    assert not any(secret in listed.output for secret in secrets)


def test_keys_list_names_a_key_from_the_environment_and_one_not_recorded(bare: Path) -> None:
    run("keys", "new", "--site", str(bare))
    file_public = recorded(bare)[0].split()[0]
    other = generate_signing_key()
    secret = format_signing_key(other)
    listed = run("keys", "list", "--site", str(bare), key=secret)
    assert listed.exit_code == 0
    assert f"  {file_public}  2025-11-01\n" in listed.stdout  # not current: the variable wins
    assert (
        f"The current key (BADGESITE_SIGNING_KEY), public key {other.public_key_multibase}, is "
        "not recorded: a local `badgesite build` records it; a CI build refuses it."
    ) in listed.stdout
    assert secret not in listed.output
    file_secret = private_line(bare / KEY_FILE)
    same = run("keys", "list", "--site", str(bare), key=file_secret)
    assert f"  {file_public}  2025-11-01  current (BADGESITE_SIGNING_KEY)" in same.stdout
    assert file_secret not in same.output


def test_keys_list_fails_on_a_key_that_cannot_be_used(bare: Path) -> None:
    run("keys", "new", "--site", str(bare))
    (bare / KEY_FILE).chmod(0o640)
    listed = run("keys", "list", "--site", str(bare))
    assert listed.exit_code == 1
    assert "readable by others (mode 640)" in listed.stderr
    assert "Public keys in content/signing-keys.txt, oldest first:" in listed.stdout
    wrong = run("keys", "list", "--site", str(bare), key="z3u2notakey")
    assert wrong.exit_code == 1
    assert "BADGESITE_SIGNING_KEY: not an Ed25519 signing key" in wrong.stderr
    assert "z3u2notakey" not in wrong.output


def test_keys_export_secret_prints_the_one_line_and_nothing_else_on_stdout(bare: Path) -> None:
    run("keys", "new", "--site", str(bare))
    exported = run("keys", "export-secret", "--site", str(bare))
    assert exported.exit_code == 0
    assert exported.stdout == private_line(bare / KEY_FILE) + "\n"
    assert exported.stderr.startswith(
        f"This is the private signing key ({bare / KEY_FILE}): put it in the "
        "BADGESITE_SIGNING_KEY secret and nowhere else"
    )
    assert "warning" not in exported.stderr


def test_keys_export_secret_refuses_in_ci_and_without_a_key(bare: Path) -> None:
    missing = run("keys", "export-secret", "--site", str(bare))
    assert missing.exit_code == 1
    assert missing.stdout == ""
    assert "no signing key: neither BADGESITE_SIGNING_KEY nor" in missing.stderr
    run("keys", "new", "--site", str(bare))
    in_ci = run("keys", "export-secret", "--site", str(bare), ci=True)
    assert in_ci.exit_code == 1
    assert in_ci.stdout == ""
    assert "a CI log is no place for a private key" in in_ci.stderr
    assert private_line(bare / KEY_FILE) not in in_ci.output


def test_keys_export_secret_warns_of_a_key_ci_would_refuse(bare: Path) -> None:
    other = format_signing_key(generate_signing_key())
    exported = run("keys", "export-secret", "--site", str(bare), key=other)
    assert exported.exit_code == 0
    assert exported.stdout == other + "\n"
    assert "(BADGESITE_SIGNING_KEY)" in exported.stderr
    assert "warning: its public key z6Mk" in exported.stderr
    assert "is not recorded in content/signing-keys.txt" in exported.stderr


def test_keys_commands_report_a_malformed_record_and_write_nothing(bare: Path) -> None:
    (bare / RECORD).write_text("not a key line\n")
    result = run("keys", "new", "--site", str(bare))
    assert result.exit_code == 1
    assert "content/signing-keys.txt:1: expected '<public key z6Mk…> <YYYY-MM-DD>'" in (
        result.stderr
    )
    assert not (bare / ".badgesite").exists()
