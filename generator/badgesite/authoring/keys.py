"""`badgesite keys`: make, rotate, list and export the site's Open Badges 3.0 signing key.

Each function reads the key from `environ` (default: the process's environment) as a build
does: BADGESITE_SIGNING_KEY, when set, wins over the key file.

The key file is .badgesite/signing-key (git-ignored, mode 0600); its public key is recorded
in content/signing-keys.txt, which only ever grows: did:web keeps no history, so a key left
out of the DID documents breaks every credential it signed (guards/credentials.py). A
rotation therefore keeps the old public key recorded and the old key file renamed: nothing
is lost, and the next build signs every credential again with the new key.

The keys also salt recipients (`openbadges/hashing.py`): `salt_key` is what a new award's
salt is derived with, `salt_keys` every key `notify` can find awards with (the current
one, the key file's, the retired ones).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from badgesite.config import load_config
from badgesite.errors import BadgesiteError
from badgesite.guards import credentials
from badgesite.openbadges.hashing import SaltKey
from badgesite.openbadges.multikey import (
    KeyProblem,
    SigningKey,
    format_signing_key,
    generate_signing_key,
)
from badgesite.openbadges.signing_keys import SIGNING_KEY_VARIABLE, read_signing_key
from badgesite.options import in_ci

RETIRED_PREFIX = f"{credentials.KEY_FILE_NAME}.retired-"


class KeysError(BadgesiteError):
    """A key command that cannot do what it was asked; nothing was written."""


@dataclass(frozen=True)
class MadeKey:
    """A new key file, and its public key recorded after `earlier_keys` others."""

    key_file: Path
    public_key: str
    earlier_keys: int


@dataclass(frozen=True)
class Rotation:
    """The new key in `key_file`, the old one kept in `retired_file`; `recorded_keys` public
    keys are recorded now, the new one last."""

    key_file: Path
    retired_file: Path
    old_public_key: str
    new_public_key: str
    recorded_keys: int


@dataclass(frozen=True)
class RecordedKey:
    public_key: str
    added: dt.date
    current: bool


@dataclass(frozen=True)
class KeyListing:
    """The recorded public keys, oldest first, and what signs a build run here.

    `source` says where the current key comes from (the variable's name or the key file's
    path; "" when there is none), `problem` why it cannot be used (a key file others may
    read, text that is not a key), `retired` the retired key files kept, with their public
    keys ("" for one that cannot be read).
    """

    keys: tuple[RecordedKey, ...]
    source: str
    current_public_key: str
    problem: str
    retired: tuple[tuple[Path, str], ...]

    @property
    def current_recorded(self) -> bool:
        return any(key.current for key in self.keys)


@dataclass(frozen=True)
class ExportedKey:
    """The current signing key as the one line a CI secret holds (never shown in a repr)."""

    line: str = field(repr=False)
    source: str
    public_key: str
    recorded: bool


def key_day(site_dir: Path, moment: dt.datetime | None = None) -> dt.date:
    """The day a key made now is first used, as a build dates it: in the site's time zone
    (UTC when site.yaml cannot be read)."""
    moment = moment or dt.datetime.now(dt.timezone.utc)
    try:
        zone = load_config(site_dir).zone
    except BadgesiteError:
        return moment.astimezone(dt.timezone.utc).date()
    return moment.astimezone(zone).date()


def make_signing_key(
    site_dir: Path, today: dt.date, environ: Mapping[str, str] | None = None
) -> MadeKey:
    """Make the site's key file and record its public key; KeysError when it has one."""
    environ = os.environ if environ is None else environ
    _refuse_a_key_in_the_environment(environ, "makes no key file")
    record = _checked_record(site_dir)
    key_file = credentials.key_file_path(site_dir)
    if key_file.exists() or key_file.is_symlink():
        raise KeysError(
            f"{key_file} already exists: the site has its signing key. `badgesite keys "
            "rotate` replaces it with a new one (and keeps the old one)."
        )
    key = generate_signing_key()
    _keep(key_file, key)
    credentials.record_public_key(site_dir, key.public_key_multibase, today)
    return MadeKey(key_file, key.public_key_multibase, len(record.keys))


def rotate_signing_key(
    site_dir: Path, today: dt.date, environ: Mapping[str, str] | None = None
) -> Rotation:
    """Replace the key file by a new key: the old file is renamed signing-key.retired-DAY,
    the new public key recorded after the old ones (which stay, so that everything the old
    key signed still verifies). KeysError when there is no key file to rotate."""
    environ = os.environ if environ is None else environ
    _refuse_a_key_in_the_environment(
        environ,
        "the key lives in that secret, not in a file here. Rotate where the key file is "
        f"(without {SIGNING_KEY_VARIABLE} set), then put the new key in the secret",
    )
    _checked_record(site_dir)
    key_file = credentials.key_file_path(site_dir)
    try:
        old = read_signing_key({}, key_file)
    except KeyProblem as problem:
        raise KeysError(str(problem)) from None
    if old is None:
        raise KeysError(f"{key_file} does not exist: `badgesite keys new` makes the site's key.")
    # An old key never recorded (a key file put there by hand) is recorded first: whatever it
    # signed keeps verifying too.
    credentials.record_public_key(site_dir, old.public_key_multibase, today)
    retired = _retired_name(key_file, today)
    new = generate_signing_key()
    os.rename(key_file, retired)  # keeps its mode, 0600
    try:
        _keep(key_file, new)
    except BaseException:
        os.rename(retired, key_file)
        raise
    credentials.record_public_key(site_dir, new.public_key_multibase, today)
    recorded = len(credentials.read_credential_record(site_dir).keys)
    return Rotation(key_file, retired, old.public_key_multibase, new.public_key_multibase, recorded)


def list_signing_keys(site_dir: Path, environ: Mapping[str, str] | None = None) -> KeyListing:
    """The recorded public keys and the current key's; never the private key."""
    environ = os.environ if environ is None else environ
    record = _checked_record(site_dir)
    key_file = credentials.key_file_path(site_dir)
    source = _source(environ, key_file)
    problem, public = "", ""
    try:
        key = read_signing_key(environ, key_file)
    except KeyProblem as error:
        problem = str(error)
    else:
        public = key.public_key_multibase if key else ""
    keys = tuple(
        RecordedKey(entry.multibase, entry.added, entry.multibase == public)
        for entry in record.keys
    )
    retired = tuple((path, _public_key_of(path)) for path in _retired_files(key_file))
    return KeyListing(keys, source if public or problem else "", public, problem, retired)


def salt_key(site_dir: Path, environ: Mapping[str, str] | None = None) -> SaltKey | None:
    """What a new award's salt is derived with: the current signing key's subkey; None when
    there is no usable key (the salt is then random)."""
    environ = os.environ if environ is None else environ
    try:
        key = read_signing_key(environ, credentials.key_file_path(site_dir))
    except KeyProblem:
        return None
    return SaltKey.from_secret(key.seed) if key else None


def salt_keys(site_dir: Path, environ: Mapping[str, str] | None = None) -> tuple[SaltKey, ...]:
    """Every key whose salts can be recognized here: the current one, the key file's (when
    the variable names another) and the retired ones `rotate` kept; unreadable ones left
    out (their awards are matched salt by salt)."""
    environ = os.environ if environ is None else environ
    key_file = credentials.key_file_path(site_dir)
    found: dict[bytes, SaltKey] = {}
    for source, path in (
        (environ, key_file),
        ({}, key_file),
        *(({}, retired) for retired in _retired_files(key_file)),
    ):
        try:
            key = read_signing_key(source, path)
        except KeyProblem:
            continue
        if key is not None and key.seed not in found:
            found[key.seed] = SaltKey.from_secret(key.seed)
    return tuple(found.values())


def _retired_files(key_file: Path) -> list[Path]:
    return sorted(
        path
        for path in key_file.parent.glob(f"{RETIRED_PREFIX}*")
        if not path.name.endswith(".tmp")
    )


def exported_key(site_dir: Path, environ: Mapping[str, str] | None = None) -> ExportedKey:
    """The current signing key as the line to paste into the CI secret; KeysError in CI (a
    build log is no place for it) and when there is no key."""
    environ = os.environ if environ is None else environ
    if in_ci(environ):
        raise KeysError(
            "CI is set: a CI log is no place for a private key. Export it where the key "
            "file is, and paste it into the CI secret."
        )
    record = _checked_record(site_dir)
    key_file = credentials.key_file_path(site_dir)
    try:
        key = read_signing_key(environ, key_file)
    except KeyProblem as problem:
        raise KeysError(str(problem)) from None
    if key is None:
        raise KeysError(
            f"no signing key: neither {SIGNING_KEY_VARIABLE} nor {key_file} holds one; "
            "`badgesite keys new` makes the site's key."
        )
    public = key.public_key_multibase
    recorded = public in {entry.multibase for entry in record.keys}
    return ExportedKey(format_signing_key(key), _source(environ, key_file), public, recorded)


def _refuse_a_key_in_the_environment(environ: Mapping[str, str], why: str) -> None:
    if environ.get(SIGNING_KEY_VARIABLE, "").strip():
        raise KeysError(f"{SIGNING_KEY_VARIABLE} is set, and a build here signs with it: {why}.")


def _checked_record(site_dir: Path) -> credentials.CredentialRecord:
    """The site's credential record (ContentErrors when malformed), before anything is
    written; KeysError when site_dir is not a site folder (nothing is made there)."""
    if not (site_dir / "content").is_dir():
        raise KeysError(f"{site_dir} holds no content/ folder: is it a site? (see --site)")
    return credentials.read_credential_record(site_dir)


def _keep(key_file: Path, key: SigningKey) -> None:
    try:
        credentials.keep_key_file(key_file, key)
    except KeyProblem as problem:
        raise KeysError(str(problem)) from None


def _retired_name(key_file: Path, today: dt.date) -> Path:
    """signing-key.retired-DAY, or -DAY-2, -DAY-3... for another rotation the same day."""
    base = f"{RETIRED_PREFIX}{today.isoformat()}"
    candidate, number = key_file.with_name(base), 1
    while candidate.exists() or candidate.is_symlink():
        number += 1
        candidate = key_file.with_name(f"{base}-{number}")
    return candidate


def _source(environ: Mapping[str, str], key_file: Path) -> str:
    return SIGNING_KEY_VARIABLE if environ.get(SIGNING_KEY_VARIABLE, "").strip() else str(key_file)


def _public_key_of(path: Path) -> str:
    try:
        key = read_signing_key({}, path)
    except KeyProblem:
        return ""
    return key.public_key_multibase if key else ""
