"""Foreign assertions of Open Badges 0.5, 1.0, 1.1 and 2.0, read into one frozen shape."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from badgesite.openbadges.documents import Retrieved, hosted_url
from badgesite.openbadges.hashing import looks_hashed
from badgesite.primitives.http_urls import http_url_problem
from badgesite.primitives.moments import moment_from_epoch, read_moment

MAX_TEXT = 4000
MAX_SHORT_TEXT = 300
MAX_LIST_ITEMS = 50


@dataclass(frozen=True)
class ForeignIssuer:
    id: str
    name: str
    url: str
    email: str
    description: str


@dataclass(frozen=True)
class ForeignBadgeClass:
    id: str
    name: str
    description: str
    criteria_url: str
    criteria_narrative: str
    tags: tuple[str, ...]
    issuer: ForeignIssuer


@dataclass(frozen=True)
class ForeignRecipient:
    type: str
    hashed: bool
    identity: str
    salt: str


@dataclass(frozen=True)
class ForeignEvidence:
    url: str
    name: str
    description: str
    narrative: str


@dataclass(frozen=True)
class ForeignDate:
    """A date as the document gave it, and whether it named a time zone."""

    moment: dt.datetime
    has_time_zone: bool
    text: str


@dataclass(frozen=True)
class ForeignAssertion:
    """An assertion from another issuer, every string plain text and every link http(s)."""

    version: str
    verification_url: str
    verification_type: str
    recipient: ForeignRecipient | None
    badge: ForeignBadgeClass
    issued_on: ForeignDate | None
    expires: ForeignDate | None
    revoked: bool
    revocation_reason: str
    narrative: str
    evidence: tuple[ForeignEvidence, ...]
    extensions: tuple[str, ...]


def detect_version(document: dict[str, Any]) -> str:
    """'2.0', '1.1', '1.0' or '0.5', from the shape of an assertion."""
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    names = " ".join(item for item in contexts if isinstance(item, str))
    if "openbadges/v2" in names:
        return "2.0"
    if "openbadges/v1" in names:
        return "1.1"
    if isinstance(document.get("verify"), dict):
        return "1.0"
    if isinstance(document.get("recipient"), str) and isinstance(document.get("badge"), dict):
        return "0.5"
    if "Assertion" in type_names(document):
        return "2.0"
    return "unknown"


def type_names(document: dict[str, Any]) -> tuple[str, ...]:
    value = document.get("type")
    values = value if isinstance(value, list) else [value]
    return tuple(item for item in values if isinstance(item, str))


def text(value: Any, limit: int = MAX_TEXT) -> str:
    """Plain text from a JSON value: strings and numbers only, control characters removed."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    cleaned = "".join(
        char
        for char in str(value)
        if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co")
    )
    cleaned = cleaned.strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def link(value: Any) -> str:
    """An absolute http(s) URL, or nothing: javascript:, data: and the rest never become links."""
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str):
        return ""
    candidate = value.strip()
    return candidate if http_url_problem(candidate) is None else ""


def parse_date(value: Any) -> ForeignDate | None:
    """ISO 8601 text (with or without a zone), a bare date, or 1.0's Unix timestamp; None
    for anything else, impossible dates included, and for moments out of range."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        moment = moment_from_epoch(value)
        return ForeignDate(moment, True, str(value).strip()) if moment is not None else None
    if not isinstance(value, str):
        return None
    read = read_moment(value, dt.timezone.utc)
    if read.moment is None:
        return None
    return ForeignDate(read.moment, read.has_offset, value.strip())


def read_assertion(retrieved: Retrieved) -> ForeignAssertion:
    """Normalize the retrieved documents; missing parts become empty values, never errors."""
    document = retrieved.assertion.mapping
    version = detect_version(document)
    badge_document = retrieved.badge.mapping if retrieved.badge else {}
    issuer_document = retrieved.issuer.mapping if retrieved.issuer else {}
    return ForeignAssertion(
        version=version,
        verification_url=link(hosted_url(document)) or link(retrieved.assertion.url),
        verification_type=_verification_type(document),
        recipient=_recipient(document),
        badge=_badge(
            badge_document,
            retrieved.badge.url if retrieved.badge else "",
            issuer_document,
            retrieved.issuer.url if retrieved.issuer else "",
        ),
        issued_on=parse_date(document.get("issuedOn", document.get("issued_on"))),
        expires=parse_date(document.get("expires")),
        revoked=document.get("revoked") is True,
        revocation_reason=text(document.get("revocationReason"), MAX_SHORT_TEXT),
        narrative=text(document.get("narrative")),
        evidence=read_evidence(document.get("evidence")),
        extensions=tuple(sorted(key for key in document if key.startswith("extensions:"))),
    )


def _verification_type(document: dict[str, Any]) -> str:
    for key in ("verification", "verify"):
        method = document.get(key)
        if isinstance(method, dict):
            kind = text(method.get("type"), 40).lower()
            return "hosted" if kind in ("hosted", "hostedbadge") else kind
    return ""


def _recipient(document: dict[str, Any]) -> ForeignRecipient | None:
    value = document.get("recipient")
    if isinstance(value, str):  # 0.5: the address or its hash, with a salt beside it
        hashed = looks_hashed(value)
        return ForeignRecipient("email", hashed, text(value, 200), text(document.get("salt"), 200))
    if not isinstance(value, dict):
        return None
    return ForeignRecipient(
        type=text(value.get("type"), 40),
        hashed=value.get("hashed") is True,
        identity=text(value.get("identity"), 200),
        salt=text(value.get("salt"), 200),
    )


def _badge(
    document: dict[str, Any], url: str, issuer_document: dict[str, Any], issuer_url: str
) -> ForeignBadgeClass:
    criteria = document.get("criteria")
    criteria_narrative = text(criteria.get("narrative")) if isinstance(criteria, dict) else ""
    tags = document.get("tags")
    return ForeignBadgeClass(
        id=link(document.get("id")) or link(url),
        name=text(document.get("name"), MAX_SHORT_TEXT),
        description=text(document.get("description")),
        criteria_url=link(criteria),
        criteria_narrative=criteria_narrative,
        tags=tuple(tag for tag in (text(item, 80) for item in (tags or [])[:MAX_LIST_ITEMS]) if tag)
        if isinstance(tags, list)
        else (),
        issuer=_issuer(issuer_document, issuer_url),
    )


def _issuer(document: dict[str, Any], url: str) -> ForeignIssuer:
    # 0.5 issuers name their site `origin` and their address `contact`.
    return ForeignIssuer(
        id=link(document.get("id")) or link(url),
        name=text(document.get("name"), MAX_SHORT_TEXT),
        url=link(document.get("url")) or link(document.get("origin")),
        email=text(document.get("email") or document.get("contact"), 200),
        description=text(document.get("description")),
    )


def read_evidence(value: Any) -> tuple[ForeignEvidence, ...]:
    """The evidence of a foreign document (one item or a list; URLs, texts or objects)."""
    items = value if isinstance(value, list) else [value]
    evidence = []
    for item in items[:MAX_LIST_ITEMS]:
        if isinstance(item, str):
            if link(item):
                evidence.append(ForeignEvidence(link(item), "", "", ""))
            elif text(item):
                evidence.append(ForeignEvidence("", "", "", text(item)))
        elif isinstance(item, dict):
            entry = ForeignEvidence(
                url=link(item.get("id")),
                name=text(item.get("name"), MAX_SHORT_TEXT),
                description=text(item.get("description")),
                narrative=text(item.get("narrative")),
            )
            if entry.url or entry.name or entry.description or entry.narrative:
                evidence.append(entry)
    return tuple(evidence)
