"""Private keys where they could be committed or published: `check` and every build refuse them.

A signing key belongs in .badgesite/signing-key (git-ignored) or the BADGESITE_SIGNING_KEY
secret, nowhere else. Scanned: what a build reads and publishes (content/, themes/,
templates/, the output folder), the files at the site's root and .github/ (where a key
pasted instead of a secret ends up), but not the root files and .github/ files git ignores
(a local .env is never committed). Never scanned: .badgesite/, .git/, .cache/, and the
site's other folders (a repository holding a site may hold test keys elsewhere). The output
folder is scanned whole by `check` (a deploy may upload it as it stands); a build scans there
only what it does not make itself (a file put there by hand, which it would leave).

Files are scanned as raw bytes, so a key in a PNG text chunk or an SVG is found as well as
in a YAML file; each file's first MAX_SCANNED_BYTES only (more than any record or image a
build accepts). Besides the site's own `z3u2…` form, a PEM private key block is refused.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path

from badgesite.errors import Finding
from badgesite.guards.credentials import KEY_FILE_NAME, KEY_FOLDER
from badgesite.load import display_path
from badgesite.openbadges.multikey import signing_key_offsets
from badgesite.outputs import BUILD_MARKER

BUILD_FOLDERS = ("content", "themes", "templates")
CI_FOLDERS = (".github",)
NEVER_SCANNED = frozenset((".badgesite", ".git", ".cache"))
MAX_SCANNED_BYTES = 16 * 1024 * 1024
_BINARY_SNIFF_BYTES = 8192
_GIT_TIMEOUT_SECONDS = 30
# The literal prefix first, so that `re` skips ahead to each "-----BEGIN" at memchr speed.
_PEM_PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----")

FIELD = "private signing key"
SIGNING_KEY_FOUND = (
    "an Ed25519 signing key (z3u2…) is written here. A key in a file that can be committed "
    "or published is no longer secret: remove it, make a new key with `badgesite keys "
    "rotate`, and delete the leaked key's line from content/signing-keys.txt (copies of "
    "credentials signed with it stop verifying; the next build signs the site's again). The "
    "key belongs only in .badgesite/signing-key or the BADGESITE_SIGNING_KEY secret"
)
PEM_FOUND = (
    "a PEM private key (-----BEGIN … PRIVATE KEY-----) is written here: remove it, and "
    "replace the key wherever it is used. A private key never belongs in a site's files"
)
TRACKED = (
    "the key file is tracked by git, so the key is in the repository: run `git rm --cached "
    "{path}`, then make a new key with `badgesite keys rotate` and delete the old key's line "
    "from content/signing-keys.txt (anyone who can read the repository can sign with it)"
)


def private_key_findings(site_dir: Path, everything: bool = True) -> list[Finding]:
    """An error for each private key in a file of the site that could be committed or
    published (never showing the key), and for each key file git tracks. Without
    everything (a build), only the folders a build reads: no root file, no git."""
    findings: list[Finding] = []
    for path in _scanned_files(site_dir) if everything else _read_by_builds(site_dir):
        findings.extend(_keys_in(path, site_dir))
    if everything:
        findings.extend(_tracked_key_files(site_dir))
    return sorted(findings)


def private_keys_in(site_dir: Path, paths: Iterable[Path]) -> list[Finding]:
    """private_key_findings in these files alone (the record files a kept build reads again)."""
    return sorted(finding for path in paths for finding in _keys_in(path, site_dir))


def output_key_findings(
    site_dir: Path, output_dir: Path, made: Collection[str] = ()
) -> list[Finding]:
    """An error for each private key in the output folder (when it is inside the site or
    holds a build), except in the files at the paths `made` ("assertions/x.json"): a build
    makes those anew from the files private_key_findings scans, and leaves the others."""
    inside = output_dir.absolute().is_relative_to(site_dir.absolute())
    if not inside and not (output_dir / BUILD_MARKER).is_file():
        return []  # never a folder that is not a build
    findings: list[Finding] = []
    for path in _walk(output_dir):
        if made and path.relative_to(output_dir).as_posix() in made:
            continue
        findings.extend(_keys_in(path, site_dir))
    return sorted(findings)


def _read_by_builds(site_dir: Path) -> Iterator[Path]:
    root = site_dir.resolve()
    for folder in BUILD_FOLDERS:
        yield from _walk(site_dir / folder, root)


def _scanned_files(site_dir: Path) -> Iterator[Path]:
    committed: list[Path] = []
    with os.scandir(site_dir) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                committed.append(Path(entry.path))
    for folder in CI_FOLDERS:
        committed.extend(_walk(site_dir / folder))
    yield from _not_ignored(site_dir, committed)
    yield from _read_by_builds(site_dir)


def _walk(folder: Path, root: Path | None = None) -> Iterator[Path]:
    """Every regular file under folder. With root (the site's resolved folder), symlinks
    that stay inside it are followed, as the build follows them (lints refuse the others),
    each folder walked once; without it, no symlink is followed."""
    if root is None and folder.is_symlink():
        return
    if not folder.is_dir() or (root is not None and not folder.resolve().is_relative_to(root)):
        return
    walked: set[Path] = set()
    pending = [folder]
    while pending:
        current = pending.pop()
        if root is not None:
            resolved = current.resolve()
            if resolved in walked or not resolved.is_relative_to(root):
                continue
            walked.add(resolved)
        with os.scandir(current) as entries:
            for entry in entries:
                if entry.name in NEVER_SCANNED and entry.is_dir(follow_symlinks=False):
                    continue
                if entry.is_symlink():
                    if root is None:
                        continue
                    if entry.is_dir():
                        pending.append(Path(entry.path))
                    elif entry.is_file() and Path(entry.path).resolve().is_relative_to(root):
                        yield Path(entry.path)
                elif entry.is_dir():
                    pending.append(Path(entry.path))
                elif entry.is_file():
                    yield Path(entry.path)


def _keys_in(path: Path, site_dir: Path) -> Iterator[Finding]:
    try:
        with open(path, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                return
            data = stream.read(MAX_SCANNED_BYTES)
    except OSError:
        return  # whatever reads it reports it; nothing here can be published unread
    shown = display_path(path, site_dir)
    binary = b"\0" in data[:_BINARY_SNIFF_BYTES]
    hits = [(offset, SIGNING_KEY_FOUND) for offset in signing_key_offsets(data)]
    hits += [(match.start(), PEM_FOUND) for match in _PEM_PRIVATE_KEY.finditer(data)]
    for offset, message in hits:
        line = 0 if binary else data.count(b"\n", 0, offset) + 1
        yield Finding.error(shown, line, FIELD, message + (" (in its bytes)" if binary else ""))


def _git(site_dir: Path, arguments: Iterable[str], given: bytes | None = None) -> bytes | None:
    """What git prints, or None without git, outside a repository or when it fails."""
    try:
        done = subprocess.run(
            ["git", "-C", str(site_dir), *arguments],
            input=given,
            capture_output=True,
            timeout=_GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode in (0, 1) else None  # check-ignore: 1 = none


def _not_ignored(site_dir: Path, paths: list[Path]) -> list[Path]:
    """The paths git would not ignore (all of them without git or outside a repository)."""
    if not paths:
        return paths
    names = b"".join(os.fsencode(path.relative_to(site_dir)) + b"\0" for path in paths)
    ignored = _git(site_dir, ("check-ignore", "-z", "--stdin"), names)
    if ignored is None:
        return paths
    dropped = {site_dir / os.fsdecode(name) for name in ignored.split(b"\0") if name}
    return [path for path in paths if path not in dropped]


def _tracked_key_files(site_dir: Path) -> Iterator[Finding]:
    tracked = _git(site_dir, ("ls-files", "-z", "--", KEY_FOLDER))
    for name in (tracked or b"").split(b"\0"):
        relative = os.fsdecode(name)
        if relative and Path(relative).name.startswith(KEY_FILE_NAME):
            path = display_path(site_dir / relative, site_dir)
            yield Finding.error(path, 0, FIELD, TRACKED.format(path=path))
