"""Recipient identities as Open Badges defines them: sha256$hex(identity + salt), and matching."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

# Open Badges 1.0 issuers also hashed with md5; both are still met in imported badges.
HASHED_IDENTITY = re.compile(r"^(sha256|md5)\$([0-9a-fA-F]+)$")


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
