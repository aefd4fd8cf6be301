"""Where the signing key lives: the `BADGESITE_SIGNING_KEY` variable (CI secrets) or a key file.

The key is the one line `multikey.format_signing_key` writes (`z3u2…`). The variable wins when
it is set, so a CI secret overrides a stray local file; a key file must be private to its
owner (mode 0600, as ssh requires of its keys) and is written only once, never over another.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from pathlib import Path

from badgesite.openbadges.multikey import (
    KeyProblem,
    SigningKey,
    format_signing_key,
    parse_signing_key,
)
from badgesite.primitives.atomic import write_atomic

SIGNING_KEY_VARIABLE = "BADGESITE_SIGNING_KEY"
KEY_FILE_MODE = 0o600
_MAX_KEY_FILE_BYTES = 1024


def read_signing_key(environ: Mapping[str, str], key_file: Path) -> SigningKey | None:
    """The signing key from `environ` or else `key_file`; None when neither holds one."""
    value = environ.get(SIGNING_KEY_VARIABLE, "")
    if value.strip():
        try:
            return parse_signing_key(value)
        except KeyProblem as problem:
            raise KeyProblem(f"{SIGNING_KEY_VARIABLE}: {problem}") from None
    try:
        status = key_file.stat()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise KeyProblem(f"{key_file}: cannot read ({error.strerror or error})") from None
    if not stat.S_ISREG(status.st_mode):
        raise KeyProblem(f"{key_file}: not a regular file")
    if status.st_mode & 0o077:
        raise KeyProblem(
            f"{key_file}: readable by others (mode {status.st_mode & 0o777:o}); "
            f"run chmod 600 {key_file}"
        )
    if status.st_size > _MAX_KEY_FILE_BYTES:
        raise KeyProblem(f"{key_file}: {status.st_size} bytes; a key file is one short line")
    try:
        return parse_signing_key(key_file.read_text(encoding="ascii"))
    except (KeyProblem, UnicodeDecodeError) as problem:
        raise KeyProblem(f"{key_file}: {problem}") from None


def write_key_file(key_file: Path, key: SigningKey) -> None:
    """Write `key` to a new key file readable by its owner only; refuse to replace a file."""
    if key_file.exists() or key_file.is_symlink():
        raise KeyProblem(f"{key_file}: already exists; a signing key is never overwritten")
    write_atomic(key_file, (format_signing_key(key) + "\n").encode("ascii"), mode=KEY_FILE_MODE)
