"""Shared test helpers: the repository's paths, the tests' fixed moment, file helpers."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from badgesite.openbadges.multikey import SigningKey, format_signing_key

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_SITE = REPO
GOLDEN_SITE = REPO / "tests" / "golden" / "site"
# Statuses such as "expired" are judged at this moment in tests, so results never drift.
FIXED_NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc)
# The golden site's signing key, made from a fixed seed so that its credentials reproduce
# byte for byte; a test key, never a site's (its public key is in the golden site's
# content/signing-keys.txt, as a real site's would be).
GOLDEN_SIGNING_KEY = format_signing_key(
    SigningKey(hashlib.sha256(b"badgesite golden site test key").digest())
)


# Debian's Chromium, never a downloaded browser. The background-networking flags keep it from
# calling home: this machine's network is closed, and tests must not reach the internet.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def write(site_dir: Path, relative: str, text: str) -> Path:
    path = site_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path, for comparing whole builds and sites; a
    site's `.cache/` (what builds and commands keep to save time) is left out."""
    return {
        relative: path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and not (relative := path.relative_to(root).as_posix()).startswith(".cache/")
    }


def install_golden_key(site_dir: Path) -> None:
    """Give a copy of the golden site its signing key, where a local build looks for it, as
    on the machine of whoever keeps the site: its builds, frozen or not, sign as CI would."""
    folder = site_dir / ".badgesite"
    folder.mkdir(mode=0o700, exist_ok=True)
    key_file = folder / "signing-key"
    if key_file.is_file() and key_file.read_text().strip() == GOLDEN_SIGNING_KEY:
        return  # left as it is: a file written again would look like a changed source
    (folder / ".gitignore").write_text("*\n")
    key_file.write_text(GOLDEN_SIGNING_KEY + "\n")
    key_file.chmod(0o600)
