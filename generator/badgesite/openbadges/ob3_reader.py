"""Open Badges 3.0 credentials read into the foreign-assertion shape, with no fetching or
verifying, so the loader can read imported snapshots with it (verify_ob3 uses it too)."""

from __future__ import annotations

from typing import Any

from badgesite.openbadges.reader import (
    MAX_LIST_ITEMS,
    MAX_SHORT_TEXT,
    ForeignAssertion,
    ForeignBadgeClass,
    ForeignIssuer,
    ForeignRecipient,
    link,
    parse_date,
    read_evidence,
    text,
)

EMAIL_IDENTITY_TYPES = ("emailAddress", "email")  # "email": the getting-started guide's error


def listed(value: Any, limit: int = MAX_LIST_ITEMS) -> list[Any]:
    """A JSON-LD value as a list (one item, or none), at most `limit` items."""
    return (value if isinstance(value, list) else [] if value is None else [value])[:limit]


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def subject_identities(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The IdentityObjects of the credential's `credentialSubject.identifier`."""
    subject = _object(document.get("credentialSubject"))
    return [item for item in listed(subject.get("identifier")) if isinstance(item, dict)]


def email_identities(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        item
        for item in subject_identities(document)
        if item.get("identityType") in EMAIL_IDENTITY_TYPES
    ]


def achievement_image(document: dict[str, Any]) -> Any:
    """The achievement's `image` (an `{id}` Image, a URL or a data: URI), as the credential
    gives it; None when it gives none."""
    subject = _object(document.get("credentialSubject"))
    return _object(subject.get("achievement")).get("image")


def read_credential(
    document: dict[str, Any],
    verification_url: str = "",
    verification_type: str = "",
    revoked: bool = False,
    revocation_reason: str = "",
) -> ForeignAssertion:
    """The badge a credential holds, every string plain text and every link http(s);
    `verification_url` and `verification_type` say how it was verified (the key, the proof)."""
    issuer = _object(document.get("issuer"))
    subject = _object(document.get("credentialSubject"))
    achievement = _object(subject.get("achievement"))
    criteria = _object(achievement.get("criteria"))
    identities = email_identities(document)
    recipient = None
    if identities:
        first = identities[0]
        recipient = ForeignRecipient(
            type="email",
            hashed=first.get("hashed") is True,
            identity=text(first.get("identityHash"), 200),
            salt=text(first.get("salt"), 200),
        )
    tags = [text(tag, 80) for tag in listed(achievement.get("tag"))]
    start = document.get("validFrom", document.get("issuanceDate"))
    end = document.get("validUntil", document.get("expirationDate"))
    return ForeignAssertion(
        version="3.0",
        verification_url=verification_url,
        verification_type=verification_type,
        recipient=recipient,
        badge=ForeignBadgeClass(
            id=link(achievement.get("id")),
            name=text(achievement.get("name") or document.get("name"), MAX_SHORT_TEXT),
            description=text(achievement.get("description")),
            criteria_url=link(criteria.get("id")),
            criteria_narrative=text(criteria.get("narrative")),
            tags=tuple(tag for tag in tags if tag),
            issuer=ForeignIssuer(
                id=link(issuer.get("id")),
                name=text(issuer.get("name"), MAX_SHORT_TEXT),
                url=link(issuer.get("url")),
                email=text(issuer.get("email"), 200),
                description=text(issuer.get("description")),
            ),
        ),
        issued_on=parse_date(start) if isinstance(start, str) else None,
        expires=parse_date(end) if isinstance(end, str) else None,
        revoked=revoked,
        revocation_reason=revocation_reason,
        narrative=text(subject.get("narrative")),
        evidence=tuple(read_evidence(document.get("evidence"))),
        extensions=(),
    )
