"""Recipient identities as Open Badges defines them: sha256$hex(identity + salt), their
salts (derived from the site's secret, else random), and matching."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from badgesite.primitives.parallel import map_parallel

# The recipient types Open Badges 2.0 names; badgesite's records use all but "id".
RECIPIENT_TYPES = ("id", "email", "url", "telephone")
RECORD_RECIPIENT_TYPES = RECIPIENT_TYPES[1:]
# Open Badges 1.0 issuers also hashed with md5; both are still met in imported badges.
HASH_PREFIXES = ("sha256$", "md5$")
HASHED_IDENTITY = re.compile(r"^(sha256|md5)\$([0-9a-fA-F]+)$")
# What badgesite writes, and so all a record may hold: sha256, 64 lowercase hex digits.
RECORD_HASHED_IDENTITY = re.compile(r"^sha256\$[0-9a-f]{64}$")


def looks_hashed(identity: str) -> bool:
    """Whether an Open Badges 0.5 recipient string is a hash (else it is the address)."""
    return identity.startswith(HASH_PREFIXES)


def hash_identity(identity: str, salt: str) -> str:
    digest = hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


# A salt is 32 lowercase hex digits (16 bytes), random or derived. A derived one is the
# first 16 digits of HMAC-SHA256(subkey, identity) followed by the key's 16-digit tag, so
# that matching can tell which awards a known key salted (and look them up directly) from
# the others, which it hashes with each salt in turn.
SALT_HEX_DIGITS = 32
_TAG_HEX_DIGITS = 16
_SALT_INFO = b"badgesite recipient salt"
_TAG_MESSAGE = b"salt tag"  # no identity badgesite hashes is this (an address has an @)


@dataclass(frozen=True)
class SaltKey:
    """The key a site's recipient salts are derived with: an HKDF subkey of its signing key's
    seed (never shown in a repr), and the tag that ends every salt it derives."""

    subkey: bytes = field(repr=False)
    tag: str

    @classmethod
    def from_secret(cls, secret: bytes) -> SaltKey:
        subkey = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SALT_INFO).derive(
            secret
        )
        tag = hmac.digest(subkey, _TAG_MESSAGE, "sha256").hex()[:_TAG_HEX_DIGITS]
        return cls(subkey, tag)

    def salt(self, identity: str) -> str:
        """The salt of `identity` (as hashed: an address trimmed and lowercased)."""
        digest = hmac.digest(self.subkey, identity.encode("utf-8"), "sha256")
        return digest.hex()[: SALT_HEX_DIGITS - _TAG_HEX_DIGITS] + self.tag


def recipient_salt(key: SaltKey | None, identity: str) -> str:
    """The salt of a new award's recipient: derived from the identity (as hashed) with the
    site's key, so that matching finds it in one hash per address; random without a key.
    Every salt badgesite writes is made here."""
    if key is None:
        return secrets.token_hex(SALT_HEX_DIGITS // 2)
    return key.salt(identity)


def _derived_by(salt: str, tags: Iterable[str]) -> str | None:
    """The tag of the known key that derived `salt`, None for a salt of any other kind."""
    if len(salt) != SALT_HEX_DIGITS:
        return None
    tag = salt[SALT_HEX_DIGITS - _TAG_HEX_DIGITS :]
    return tag if tag in tags else None


def identity_matches(address: str, salt: str, identity: str, hashed: bool = True) -> bool:
    """Whether an email address (as given, trimmed, or lowercased as issuers do) is `identity`.

    `identity` is a sha256$ or md5$ hash of address + salt, or with hashed=False the address
    itself in plain text.
    """
    candidates = {address, address.strip(), address.strip().lower()}
    if not hashed:
        return identity.strip().lower() in {candidate.lower() for candidate in candidates}
    match = HASHED_IDENTITY.match(identity)
    if not match:
        return False
    algorithm, expected = match.group(1), match.group(2).lower()
    for candidate in candidates:
        digest = hashlib.new(algorithm, (candidate + salt).encode("utf-8")).hexdigest()
        if hmac.compare_digest(digest, expected):
            return True
    return False


# Below this many hashes (addresses times distinct salts), forking workers costs more.
PARALLEL_HASHES = 4_000_000


def salted_matches(
    addresses: Sequence[str],
    entries: Sequence[tuple[str, str]],
    keys: Sequence[SaltKey] = (),
    processes: int | None = None,
) -> list[list[int]]:
    """For each address (as hashed: trimmed, lowercased), the indices of the entries
    (sha256 identity, salt) that are its hash.

    An entry whose salt one of `keys` derived is looked up: each address is hashed once per
    key, with the salt that key gives it. The other entries are indexed by salt, and each
    address is hashed once per distinct salt among them, whatever the number of entries
    sharing it: addresses times distinct salts hashes, on every core when that is many.
    """
    tags = {key.tag: key for key in keys}
    derived: dict[str, dict[bytes, list[int]]] = {}  # salt -> digest -> entries
    by_salt: dict[str, dict[bytes, list[int]]] = {}
    for index, (identity, salt) in enumerate(entries):
        if RECORD_HASHED_IDENTITY.match(identity):
            expected = bytes.fromhex(identity[len("sha256$") :])
            table = derived if _derived_by(salt, tags) else by_salt
            table.setdefault(salt, {}).setdefault(expected, []).append(index)
    matched: list[list[int]] = [[] for _ in addresses]
    sha256 = hashlib.sha256
    if derived:
        used = [tags[tag] for tag in sorted({salt[-_TAG_HEX_DIGITS:] for salt in derived})]
        for position, address in enumerate(addresses):
            for key in used:
                salt = key.salt(address)
                expected = derived.get(salt)
                if expected is None:
                    continue
                indices = expected.get(sha256((address + salt).encode("utf-8")).digest())
                if indices:
                    matched[position].extend(indices)
    if by_salt:
        _match_each_salt(addresses, by_salt, matched, processes)
    for found in matched:
        found.sort()
    return matched


def _match_each_salt(
    addresses: Sequence[str],
    by_salt: dict[str, dict[bytes, list[int]]],
    matched: list[list[int]],
    processes: int | None,
) -> None:
    """Every address hashed with every salt of `by_salt`; the entries found added to
    `matched` (by address)."""
    encoded = [address.encode("utf-8") for address in addresses]
    sha256 = hashlib.sha256

    def one_salt(salt: str) -> list[tuple[int, int]]:
        expected = by_salt[salt]
        salt_bytes = salt.encode("utf-8")
        found = []
        for position, address in enumerate(encoded):
            indices = expected.get(sha256(address + salt_bytes).digest())
            if indices:
                found.extend((position, index) for index in indices)
        return found

    salts = list(by_salt)
    if len(salts) * len(encoded) < PARALLEL_HASHES:
        processes = 1
    for pairs in map_parallel(one_salt, salts, processes, threshold=2):
        for position, index in pairs:
            matched[position].append(index)
