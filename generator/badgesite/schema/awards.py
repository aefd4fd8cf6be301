"""The schema of content/awards/*.yaml, and the Award (recipient, evidence, revocation)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from badgesite.load import slug_problem
from badgesite.openbadges.hashing import RECORD_HASHED_IDENTITY, RECORD_RECIPIENT_TYPES
from badgesite.schema.badges import BadgeClass
from badgesite.schema.declare import (
    BOOLEAN,
    LINE,
    MARKDOWN,
    PARAGRAPH,
    SLUG,
    TIMESTAMP,
    URL,
    Field,
    Schema,
    choice,
    mapping,
    mapping_list,
    text,
)
from badgesite.schema.earners import Earner
from badgesite.schema.fields import FieldReader


@dataclass(frozen=True)
class Recipient:
    identity: str
    salt: str
    type: str


@dataclass(frozen=True)
class Evidence:
    url: str
    name: str
    description: str
    narrative: str


@dataclass(frozen=True)
class Revocation:
    date: dt.datetime | None
    reason: str


@dataclass(frozen=True)
class Award:
    id: str
    badge: BadgeClass
    earner: Earner
    recipient: Recipient
    issued_on: dt.datetime
    expires: dt.datetime | None
    accepted: bool
    narrative: str
    evidence: tuple[Evidence, ...]
    revocation: Revocation | None
    source: str
    # A sample of `badgesite new`, issued to nobody: never recorded as published.
    sample: bool = False
    draft: bool = False

    @property
    def is_draft(self) -> bool:
        """Marked draft, or of a draft badge class: never published, never recorded."""
        return self.draft or self.badge.draft

    @property
    def is_published(self) -> bool:
        """Its JSON and page exist: everything but a private earner's awards."""
        return self.earner.is_published

    @property
    def is_listed(self) -> bool:
        """Shown on profiles and listings: published, accepted, and the earner is public."""
        return self.accepted and self.earner.is_listed

    @property
    def possible_statuses(self) -> tuple[str, ...]:
        """Every status a page of this award may have to show as time passes after the
        build: a revoked award stays revoked; any other one may turn to any other."""
        if self.revocation is not None:
            return ("revoked",)
        return ("valid", "expired", "not-yet-valid")

    def status(self, as_of: dt.datetime) -> str:
        """revoked, expired, not-yet-valid or valid, as of a moment."""
        if self.revocation is not None:
            return "revoked"
        if self.expires is not None and self.expires <= as_of:
            return "expired"
        if self.issued_on > as_of:
            return "not-yet-valid"
        return "valid"


def _recipient(reader: FieldReader, values: dict[str, Any], context: Any) -> Recipient | None:
    identity, salt = values["identity"], values["salt"]
    if identity and not RECORD_HASHED_IDENTITY.match(identity):
        reader.error(
            ("identity",),
            "must be 'sha256$' and 64 lowercase hex digits; a plain address would be "
            "published (use `badgesite award --email` to hash it)",
        )
        return None
    if not (reader.valid and identity and salt):
        return None
    return Recipient(identity, salt, values["type"])


RECIPIENT = Schema(
    "recipient",
    (
        Field("identity", LINE, "`sha256$` and the 64 hex digits of the hash", required=True),
        Field("salt", text(exact=True), "the salt hashed with the address", required=True),
        Field(
            "type", choice(RECORD_RECIPIENT_TYPES), "what the hashed identity is", default="email"
        ),
    ),
    make=_recipient,
)


def _evidence(reader: FieldReader, values: dict[str, Any], context: Any) -> Evidence | None:
    if reader.valid and not reader.has("url") and not values["narrative"]:
        reader.error((), "evidence needs a 'url' or a 'narrative'")
        return None
    if not (reader.valid and (values["url"] or values["narrative"])):
        return None
    return Evidence(**values)


EVIDENCE = Schema(
    "evidence",
    (
        Field("url", URL, "the work itself", required_doc="yes*"),
        Field("name", LINE, "its title"),
        Field("description", PARAGRAPH, "what it is"),
        Field(
            "narrative",
            MARKDOWN,
            "how it shows the criteria met (*`url` or this)",
            required_doc="yes*",
        ),
    ),
    make=_evidence,
)


def _revocation(reader: FieldReader, values: dict[str, Any], context: Any) -> Revocation | None:
    if not (reader.valid and values["reason"]):
        return None
    return Revocation(values["date"], values["reason"])


REVOCATION = Schema(
    "revoked",
    (
        Field("date", TIMESTAMP, "when it was revoked"),
        Field(
            "reason",
            PARAGRAPH,
            "why; published on the award's page and in the revocation list",
            required=True,
        ),
    ),
    make=_revocation,
)


def _award_id(reader: FieldReader, value: str, context: Any) -> str:
    problem = slug_problem(value) if value else None
    if problem:
        reader.error(("id",), f"{problem} (badgesite award makes a UUID)")
        return ""
    return value


def _award_checks(reader: FieldReader, values: dict[str, Any], context: Any) -> dict[str, Any]:
    """The checks across fields; whether the badge was retired by then is the model's."""
    issued_on, expires = values["issued_on"], values["expires"]
    if issued_on and expires and expires <= issued_on:
        reader.error(("expires",), "must be after issued_on")
    return values


AWARD = Schema(
    "award",
    (
        Field(
            "id",
            LINE,
            "permanent; lowercase letters, digits, hyphens (`badgesite award` makes a UUID)",
            required=True,
            check=_award_id,
        ),
        Field("badge", SLUG, "the badge class awarded", required=True),
        Field("earner", SLUG, "who earned it", required=True),
        Field("recipient", mapping(RECIPIENT), "who it was issued to, hashed", required=True),
        Field("issued_on", TIMESTAMP, "when it was issued", required=True),
        Field("expires", TIMESTAMP, "when it expires, after `issued_on`"),
        Field(
            "accepted",
            BOOLEAN,
            "whether the earner accepted it: only accepted awards are listed",
            default_doc="the earner's `auto_accept`",
        ),
        Field("narrative", MARKDOWN, "how this earner met the criteria"),
        Field("evidence", mapping_list(EVIDENCE), "what the earner did"),
        Field("revoked", mapping(REVOCATION), "present when the award is revoked"),
        Field(
            "sample",
            BOOLEAN,
            "`true` on the sample award `badgesite new` writes: published, but never recorded "
            "in `published-awards.txt` (see below)",
            default=False,
        ),
        Field(
            "draft",
            BOOLEAN,
            "`true`: never published nor recorded in `published-awards.txt` until removed; "
            "`badgesite build --drafts` previews it, marked DRAFT and `noindex`. An award "
            "already published cannot become a draft",
            default=False,
        ),
    ),
    make=_award_checks,
)
