"""Recipient identities as Open Badges defines them: sha256$hex(identity + salt), and matching."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence

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


def new_salt() -> str:
    return secrets.token_hex(16)


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
    processes: int | None = None,
) -> list[list[int]]:
    """For each address (as hashed: trimmed, lowercased), the indices of the entries
    (sha256 identity, salt) that are its hash.

    The entries are indexed by salt, and each address is hashed once per distinct salt,
    whatever the number of entries sharing it: addresses times distinct salts hashes in
    all, on every core when that is many.
    """
    by_salt: dict[str, dict[bytes, list[int]]] = {}
    for index, (identity, salt) in enumerate(entries):
        if RECORD_HASHED_IDENTITY.match(identity):
            expected = bytes.fromhex(identity[len("sha256$") :])
            by_salt.setdefault(salt, {}).setdefault(expected, []).append(index)
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
    matched: list[list[int]] = [[] for _ in addresses]
    for pairs in map_parallel(one_salt, salts, processes, threshold=2):
        for position, index in pairs:
            matched[position].append(index)
    for found in matched:
        found.sort()
    return matched
