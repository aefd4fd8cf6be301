"""Open Badges 3.0 `OpenBadgeCredential` documents, built from plain data of the standard.

The input is this module's own frozen dataclasses (the next stage maps badgesite's model onto
them), so the standard room depends on nothing else in badgesite. The output is the unsigned
credential; `data_integrity.sign` adds the proof and `credential_bytes` writes it. Everything
is deterministic: the same input gives the same document and the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from badgesite.openbadges.hashing import hash_identity
from badgesite.openbadges.ob3_contexts import CREDENTIALS_V2, OPEN_BADGES_V3

CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")


@dataclass(frozen=True)
class IssuerProfile:
    id: str  # the issuer's DID
    name: str
    url: str = ""
    email: str = ""
    description: str = ""
    image_url: str = ""  # absolute
    other_identifiers: tuple[str, ...] = ()  # e.g. the OB 2.0 Profile URL


@dataclass(frozen=True)
class Alignment:
    name: str
    url: str
    description: str = ""
    framework: str = ""
    code: str = ""


@dataclass(frozen=True)
class Achievement:
    id: str  # absolute URL of the badge
    name: str
    description: str  # plain text
    criteria_narrative: str = ""  # markdown allowed
    criteria_url: str = ""
    image_url: str = ""  # absolute URL or data URI
    achievement_type: str = ""  # an OB 3.0 enumeration value, e.g. "Badge", "Certificate"
    tags: tuple[str, ...] = ()
    alignments: tuple[Alignment, ...] = ()


@dataclass(frozen=True)
class HashedEmail:
    """The recipient: an email address, published only as salted SHA-256."""

    email: str
    salt: str


@dataclass(frozen=True)
class HashedIdentity:
    """The recipient as an issuer already holds it: a `sha256$<hex>` hash and its salt."""

    identity_hash: str
    salt: str
    identity_type: str = "emailAddress"


@dataclass(frozen=True)
class Evidence:
    id: str = ""
    name: str = ""
    description: str = ""
    narrative: str = ""


@dataclass(frozen=True)
class StatusEntry:
    list_url: str  # the BitstringStatusListCredential's URL
    index: int
    purpose: str = "revocation"


@dataclass(frozen=True)
class CredentialData:
    id: str  # absolute URL of the credential
    name: str
    issuer: IssuerProfile
    achievement: Achievement
    recipient: HashedEmail | HashedIdentity
    valid_from: str  # XML Schema dateTime with a time zone; keep it stable across builds
    valid_until: str = ""
    awarded_date: str = ""
    description: str = ""
    evidence: tuple[Evidence, ...] = ()
    status: StatusEntry | None = None


def _present(pairs: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    return {key: value for key, value in pairs if value not in ("", (), [], None)}


def issuer_profile(issuer: IssuerProfile) -> dict[str, Any]:
    document = _present(
        (
            ("id", issuer.id),
            ("type", ["Profile"]),
            ("name", issuer.name),
            ("url", issuer.url),
            ("email", issuer.email),
            ("description", issuer.description),
        )
    )
    if issuer.image_url:
        document["image"] = {"id": issuer.image_url, "type": "Image"}
    if issuer.other_identifiers:
        document["otherIdentifier"] = [
            {"type": "IdentifierEntry", "identifier": value, "identifierType": "identifier"}
            for value in issuer.other_identifiers
        ]
    return document


def _alignment(alignment: Alignment) -> dict[str, Any]:
    return _present(
        (
            ("type", ["Alignment"]),
            ("targetName", alignment.name),
            ("targetUrl", alignment.url),
            ("targetDescription", alignment.description),
            ("targetFramework", alignment.framework),
            ("targetCode", alignment.code),
        )
    )


def achievement(badge: Achievement) -> dict[str, Any]:
    criteria = _present((("id", badge.criteria_url), ("narrative", badge.criteria_narrative)))
    if not criteria:
        raise ValueError(f"{badge.id}: an achievement needs criteria (a URL or a narrative)")
    document = _present(
        (
            ("id", badge.id),
            ("type", ["Achievement"]),
            ("name", badge.name),
            ("description", badge.description),
            ("criteria", criteria),
            ("achievementType", badge.achievement_type),
        )
    )
    if badge.image_url:
        document["image"] = {"id": badge.image_url, "type": "Image"}
    if badge.alignments:
        document["alignment"] = [_alignment(alignment) for alignment in badge.alignments]
    if badge.tags:
        document["tag"] = list(dict.fromkeys(badge.tags))
    return document


def identity_object(recipient: HashedEmail | HashedIdentity) -> dict[str, Any]:
    # "emailAddress" is the OB 3.0 enumeration value (the getting-started guide's "email" is not).
    if isinstance(recipient, HashedIdentity):
        identity_hash, identity_type = recipient.identity_hash, recipient.identity_type
    else:
        identity_hash = hash_identity(recipient.email, recipient.salt)
        identity_type = "emailAddress"
    return {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": identity_hash,
        "identityType": identity_type,
        "salt": recipient.salt,
    }


def status_entry(entry: StatusEntry) -> dict[str, Any]:
    """A `BitstringStatusListEntry` pointing at bit `index` of the list at `list_url`."""
    if entry.index < 0:
        raise ValueError(f"status list index {entry.index} is negative")
    return {
        "id": f"{entry.list_url}#{entry.index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": entry.purpose,
        "statusListIndex": str(entry.index),
        "statusListCredential": entry.list_url,
    }


def _evidence(item: Evidence) -> dict[str, Any]:
    return _present(
        (
            ("id", item.id),
            ("type", ["Evidence"]),
            ("name", item.name),
            ("description", item.description),
            ("narrative", item.narrative),
        )
    )


def open_badge_credential(data: CredentialData) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential (VC 2.0 + OB 3.0.3 contexts) of `data`."""
    document: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, OPEN_BADGES_V3],
        "id": data.id,
        "type": list(CREDENTIAL_TYPES),
        "name": data.name,
    }
    if data.description:
        document["description"] = data.description
    document["issuer"] = issuer_profile(data.issuer)
    document["validFrom"] = data.valid_from
    if data.valid_until:
        document["validUntil"] = data.valid_until
    if data.awarded_date:
        document["awardedDate"] = data.awarded_date
    document["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": [identity_object(data.recipient)],
        "achievement": achievement(data.achievement),
    }
    if data.evidence:
        document["evidence"] = [_evidence(item) for item in data.evidence]
    if data.status is not None:
        document["credentialStatus"] = status_entry(data.status)
    return document


def credential_bytes(document: dict[str, Any]) -> bytes:
    """The published JSON text: UTF-8, two-space indents, keys in build order, final newline."""
    return (json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()
