"""Recipient identity hashing as Open Badges 2.0 defines it: sha256$hex(identity + salt)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def hash_identity(identity: str, salt: str) -> str:
    digest = hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def new_salt() -> str:
    return secrets.token_hex(16)


def identity_matches(identity: str, salt: str, hashed: str) -> bool:
    """Whether an address (trimmed, lowercased as issuers do for email) hashes to `hashed`."""
    candidates = {identity, identity.strip(), identity.strip().lower()}
    return any(hmac.compare_digest(hash_identity(c, salt), hashed) for c in candidates)
