"""The records that keep Open Badges 3.0 credentials verifiable: keys and status indices.

Three things outlive a build, and a credential already in a wallet or a baked image breaks
if any of them moves:
- the signing key, which never enters content/, output/ or git: it comes from the
  `BADGESITE_SIGNING_KEY` variable (CI secrets) or the git-ignored key file
  `.badgesite/signing-key`, which a local build of a site without a key makes;
- the public key of every key the site ever signed with, `content/signing-keys.txt`
  (committed), since did:web keeps no history: a key left out of the DID document breaks
  every credential it signed;
- each award's index in its issuer's status list, `content/credential-status.txt`
  (committed), permanent and never reused: revoking an award sets its bit.
A local build adds what is missing; a frozen (CI) build only checks, and refuses to sign
with a key the record does not hold or to publish an award that has no index.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from badgesite.errors import ContentError, ContentErrors
from badgesite.guards.published import read_record_text, record_header, record_lines
from badgesite.load import SLUG_PATTERN, display_path
from badgesite.model import Award, Site
from badgesite.openbadges import status_list
from badgesite.openbadges.multikey import (
    KeyProblem,
    SigningKey,
    generate_signing_key,
    public_key_from_multibase,
)
from badgesite.openbadges.signing_keys import (
    SIGNING_KEY_VARIABLE,
    read_signing_key,
    write_key_file,
)
from badgesite.primitives.atomic import write_atomic
from badgesite.report import counted

KEYS_FILE = "signing-keys.txt"
STATUS_FILE = "credential-status.txt"
# Inside the site, so that one site's key is never another's; its folder holds a
# .gitignore of its own, so git never picks it up whatever the site's .gitignore says.
KEY_FOLDER = ".badgesite"
KEY_FILE_NAME = "signing-key"
GITIGNORE_TEXT = b"# Written by badgesite: nothing here belongs in git.\n*\n"

KEYS_HEADER = """\
# The public key of every key this site has signed Open Badges 3.0 credentials with, oldest
# first, each with the day it was first used; the last is the current one. Every issuer's
# DID document lists them all, so a credential signed with an older key still verifies.
# Commit this file and never delete a line. The signing keys themselves never belong here:
# they are in .badgesite/signing-key (git-ignored) or the BADGESITE_SIGNING_KEY secret.
"""

STATUS_HEADER = """\
# Each published award's permanent index in its issuer's Open Badges 3.0 status list
# (issuers/<issuer>/status-list.json): `badgesite revoke` sets the award's bit there.
# `badgesite build` adds new awards; CI builds only check. Commit this file; never edit,
# delete or reuse a line: credentials in wallets point at these indices.
"""

_KEY_LINE = re.compile(r"^(z6Mk[1-9A-HJ-NP-Za-km-z]+)\s+(\d{4}-\d{2}-\d{2})$")
_STATUS_LINE = re.compile(r"^(\S+)\s+(\d{1,9})$")


@dataclass(frozen=True)
class PublicKeyEntry:
    multibase: str  # z6Mk...
    added: dt.date
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class CredentialRecord:
    """What content/ records: the public keys, and the status index of each award."""

    keys: tuple[PublicKeyEntry, ...]
    indices: Mapping[str, int]
    keys_exist: bool
    status_exists: bool
    # The texts of the record files it was read from (None: absent), for a later read.
    texts: tuple[str | ContentError | None, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Signing:
    """What signs this build's credentials, and what it adds to the records.

    `key` is the private key (never shown in a repr); `public_keys` every key the DID
    documents list, oldest first, the current one last; `indices` the status index of
    every award that has one (the new ones too); `list_bits` the size of every issuer's
    status list. A key made by this build (`new_key`) is written to `key_file` and the
    records are brought up to date by `record_signing`, before output/ shows anything.
    """

    key: SigningKey = field(repr=False)
    key_added: dt.date
    public_keys: tuple[str, ...]
    indices: Mapping[str, int] = field(repr=False)
    list_bits: int
    key_file: Path
    new_key: bool = False
    new_public_key: bool = False
    new_indices: tuple[str, ...] = ()
    # A check of a site without a key signs with a key it forgets: nothing is written.
    throwaway: bool = False
    # The records as read (before this build adds to them), for the next build's read.
    record: CredentialRecord | None = field(default=None, compare=False, repr=False)

    @property
    def public_key(self) -> str:
        return self.public_keys[-1]

    @property
    def changed(self) -> bool:
        return self.new_key or self.new_public_key or bool(self.new_indices)

    def index_of(self, award_id: str) -> int | None:
        return self.indices.get(award_id)

    def digest_parts(self) -> tuple[str, ...]:
        """What every signed document depends on (the award's own index apart)."""
        return (self.public_key, self.key_added.isoformat(), *self.public_keys)


def keys_path(site_dir: Path) -> Path:
    return site_dir / "content" / KEYS_FILE


def status_path(site_dir: Path) -> Path:
    return site_dir / "content" / STATUS_FILE


def key_file_path(site_dir: Path) -> Path:
    return site_dir / KEY_FOLDER / KEY_FILE_NAME


def _lines(
    text: str | ContentError | None, errors: list[ContentError]
) -> list[tuple[int, str]] | None:
    """The record file's lines that are neither blank nor comments (with their numbers),
    None when it is absent; what cannot be read goes to errors."""
    lines = record_lines(text)
    if isinstance(lines, ContentError):
        errors.append(lines)
        return []
    return lines


def read_credential_record(
    site_dir: Path, previous: CredentialRecord | None = None
) -> CredentialRecord:
    """Read both records; raise ContentErrors naming every malformed or repeated line.
    previous (a record of this site read before) is kept when the files hold the texts it
    was read from: only they are read again, not parsed."""
    texts = (
        read_record_text(keys_path(site_dir), site_dir),
        read_record_text(status_path(site_dir), site_dir),
    )
    if previous is not None and previous.texts == texts:
        return previous
    errors: list[ContentError] = []
    keys: list[PublicKeyEntry] = []
    shown = display_path(keys_path(site_dir), site_dir)
    key_lines = _lines(texts[0], errors)
    seen_keys: set[str] = set()
    for number, line in key_lines or ():
        match = _KEY_LINE.match(line)
        problem = "" if match else "expected '<public key z6Mk…> <YYYY-MM-DD>'"
        if line.startswith("z3u2"):
            problem = "this is a private signing key: remove it now, and make a new key"
        if match and not problem:
            try:
                public_key_from_multibase(match.group(1))
                added = dt.date.fromisoformat(match.group(2))
            except (KeyProblem, ValueError) as error:
                problem = str(error)
            else:
                if match.group(1) in seen_keys:
                    problem = "this key is listed twice"
        if problem:
            errors.append(ContentError(shown, number, "", problem))
            continue
        assert match is not None
        seen_keys.add(match.group(1))
        keys.append(PublicKeyEntry(match.group(1), added, number))
    indices: dict[str, int] = {}
    owners: dict[int, str] = {}
    shown = display_path(status_path(site_dir), site_dir)
    status_lines = _lines(texts[1], errors)
    for number, line in status_lines or ():
        match = _STATUS_LINE.match(line)
        if not match or not SLUG_PATTERN.match(match.group(1)):
            errors.append(ContentError(shown, number, "", "expected '<award id> <index>'"))
            continue
        award_id, index = match.group(1), int(match.group(2))
        if award_id in indices:
            errors.append(ContentError(shown, number, "", f"award '{award_id}' is listed twice"))
        elif index in owners:
            errors.append(
                ContentError(shown, number, "", f"index {index} is also award '{owners[index]}''s")
            )
        else:
            indices[award_id] = index
            owners[index] = award_id
    if errors:
        raise ContentErrors(errors)
    return CredentialRecord(
        tuple(keys), indices, key_lines is not None, status_lines is not None, texts
    )


def indexed_awards(site: Site, record: CredentialRecord) -> tuple[Award, ...]:
    """The awards whose credentials carry a status index: every published award but drafts
    (a preview's) and the samples of `badgesite new`, issued to nobody, which are never
    recorded (as in published.recorded_awards) unless they already are."""
    return tuple(
        award
        for award in site.published_awards
        if not award.is_draft and (not award.sample or award.id in record.indices)
    )


def assign_indices(taken: Mapping[str, int], award_ids: Iterable[str]) -> dict[str, int]:
    """A new, never used index for each award: spread over a list kept at most half full
    (so an index says little about when the award was made), the same for the same ids."""
    used = set(taken.values())
    new = [award_id for award_id in award_ids if award_id not in taken]
    total = len(used) + len(new)
    capacity = max(
        status_list.list_size(max(used, default=0)),
        status_list.list_size(2 * total),
    )
    assigned: dict[str, int] = {}
    for award_id in sorted(new):
        index = zlib.crc32(award_id.encode("utf-8")) % capacity
        while index in used:
            index = (index + 1) % capacity
        used.add(index)
        assigned[award_id] = index
    return assigned


def prepare_signing(
    site: Site,
    environ: Mapping[str, str],
    today: dt.date,
    frozen: bool,
    writes: bool = True,
    previous: CredentialRecord | None = None,
) -> Signing:
    """The build's signing key and records, or ContentErrors saying what is wrong.

    Frozen (CI): the key must come from the environment or key file and be recorded, and
    every award must have its index. Otherwise a missing key is made (written only when
    `writes`; a check signs with a throwaway key) and the records are completed.
    previous: the records a build of this site read before (see read_credential_record).
    """
    site_dir = site.root
    record = read_credential_record(site_dir, previous)
    key_file = key_file_path(site_dir)
    try:
        key = read_signing_key(environ, key_file)
    except KeyProblem as problem:
        where, _, why = str(problem).partition(": ")
        if where == str(key_file):
            where = display_path(key_file, site_dir)
        raise ContentErrors([ContentError(where, 0, "", why)]) from None
    errors: list[ContentError] = []
    new_key = False
    if key is None:
        if frozen:
            raise ContentErrors([_no_key(site_dir)])
        key, new_key = generate_signing_key(), True
    public = key.public_key_multibase
    recorded = {entry.multibase: entry for entry in record.keys}
    new_public_key = public not in recorded
    if new_public_key and frozen:
        errors.append(
            ContentError(
                display_path(keys_path(site_dir), site_dir),
                0,
                "",
                f"the signing key's public key {public} is not recorded: a CI build never "
                "signs with an unrecorded key. Run `badgesite build` locally with this key "
                "and commit the file.",
            )
        )
    awards = indexed_awards(site, record)
    missing = [award.id for award in awards if award.id not in record.indices]
    if missing and frozen:
        listed = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        errors.append(
            ContentError(
                display_path(status_path(site_dir), site_dir),
                0,
                "",
                f"out of date: {counted(len(missing), 'published award')} "
                f"{'has' if len(missing) == 1 else 'have'} no status index ({listed}). A CI "
                "build (CI=true or --frozen) never rewrites it: run `badgesite build` "
                "locally and commit the file.",
            )
        )
    if errors:
        raise ContentErrors(errors)
    indices = {**record.indices, **assign_indices(record.indices, missing)}
    if new_public_key:
        keys = (*record.keys, PublicKeyEntry(public, today))
    else:
        # The current key moves last: it is the one the DID documents name first to use.
        keys = (*(entry for entry in record.keys if entry.multibase != public), recorded[public])
    return Signing(
        key=key,
        key_added=(recorded[public].added if public in recorded else today),
        public_keys=tuple(entry.multibase for entry in keys),
        indices=indices,
        list_bits=status_list.list_size(max(indices.values(), default=0)),
        key_file=key_file,
        new_key=new_key,
        new_public_key=new_public_key,
        new_indices=tuple(sorted(missing)),
        throwaway=new_key and not writes,
        record=record,
    )


def _no_key(site_dir: Path) -> ContentError:
    return ContentError(
        SIGNING_KEY_VARIABLE,
        0,
        "",
        f"not set, and no {KEY_FOLDER}/{KEY_FILE_NAME}: a CI build signs the Open Badges "
        "3.0 credentials with the key this secret holds. Set the secret to the one line of "
        f"{KEY_FOLDER}/{KEY_FILE_NAME} on the machine that made the key (README: 'Signing "
        "keys').",
    )


def record_signing(site_dir: Path, signing: Signing) -> None:
    """Write what this build added: a new key file, the public key, new status indices.
    The key file comes first: a public key is never recorded without its private key kept."""
    if signing.throwaway or not signing.changed:
        return
    if signing.new_key:
        keep_key_file(signing.key_file, signing.key)
    if signing.new_public_key:
        record_public_key(site_dir, signing.public_key, signing.key_added)
    if signing.new_indices:
        record_indices(site_dir, {i: signing.indices[i] for i in signing.new_indices})


def keep_key_file(key_file: Path, key: SigningKey) -> None:
    """Write a new key file (mode 0600) in its folder (mode 0700), which holds a .gitignore
    of its own; KeyProblem when a key file is already there (a key is never overwritten)."""
    folder = key_file.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        write_atomic(ignore, GITIGNORE_TEXT)
    write_key_file(key_file, key)


def record_public_key(site_dir: Path, public_key: str, added: dt.date) -> bool:
    """Add the public key to content/signing-keys.txt after the others, first used on
    `added`; False when it is already there. The lines already there are kept as they are."""
    record = read_credential_record(site_dir)
    if public_key in {entry.multibase for entry in record.keys}:
        return False
    keys = (*record.keys, PublicKeyEntry(public_key, added))
    lines = "".join(f"{entry.multibase} {entry.added.isoformat()}\n" for entry in keys)
    text = record_header(keys_path(site_dir), KEYS_HEADER) + lines
    write_atomic(keys_path(site_dir), text.encode("utf-8"))
    return True


def record_indices(site_dir: Path, new_indices: Mapping[str, int]) -> None:
    """Add these awards' status indices to content/credential-status.txt; an award already
    there keeps the index it has (an index is never changed)."""
    text = _status_text_with(site_dir, new_indices)
    write_atomic(status_path(site_dir), text.encode("utf-8"))


def _status_text_with(site_dir: Path, new: Mapping[str, int]) -> str:
    indices = {**new, **read_credential_record(site_dir).indices}
    body = "".join(f"{award_id} {indices[award_id]}\n" for award_id in sorted(indices))
    return record_header(status_path(site_dir), STATUS_HEADER) + body


def updated_status_text(site_dir: Path, award_ids: Iterable[str]) -> str:
    """The status record's text with a new index for each of award_ids that has none, for
    the commands that publish awards (they record them as a build would)."""
    record = read_credential_record(site_dir)
    return _status_text_with(site_dir, assign_indices(record.indices, award_ids))
