"""The schema of content/imported/<key>.json, the snapshots `badgesite import` writes, and
the ImportedBadge each becomes.

Its names are SNAPSHOT_FIELDS, the writer's (a test holds the two together). The foreign
documents it holds are the Open Badges reader's to normalize: here they are only found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from badgesite.errors import ContentError, did_you_mean
from badgesite.images.inspection import ImageFile, ImageProblem
from badgesite.importing.snapshot_format import (
    CREDENTIAL_FORMATS,
    FORMAT,
    MAX_UNCHECKED_WHY,
    OPEN_BADGES_2,
    OPEN_BADGES_3,
    STANDARDS,
    STATUSES,
    imported_dir,
)
from badgesite.importing.snapshot_read import retrieved_from_snapshot, snapshot_image
from badgesite.load import RawRecord
from badgesite.openbadges.ob3_reader import read_credential
from badgesite.openbadges.reader import (
    MAX_SHORT_TEXT,
    ForeignAssertion,
    link,
    parse_date,
    read_assertion,
    text,
)
from badgesite.openbadges.recipient_check import MATCHED, NOT_CHECKED, RECIPIENT_RESULTS
from badgesite.schema.declare import Field, FieldType, Schema
from badgesite.schema.earners import Earner
from badgesite.schema.fields import MAX_LINE, FieldReader, quoted

RECIPIENT_KEYS = ("result", "checked", "type", "hash", "fingerprint")
CREDENTIAL_KEYS = ("url", "format", "complete", "verificationMethod", "proof", "jwt", "json")


@dataclass(frozen=True)
class RecipientConfirmation:
    """Whether `badgesite import` found the badge issued to the earner, and when; a
    snapshot made before imports checked recipients has none: `not checked`."""

    result: str  # matched, not matched or not checked
    checked_at: dt.datetime | None
    hash: str  # how the assertion names its recipient: sha256, md5 or plain

    @property
    def confirmed(self) -> bool:
        return self.result == MATCHED


UNCONFIRMED = RecipientConfirmation(NOT_CHECKED, None, "")
UNCHECKED_KEYS = ("at", "why")


@dataclass(frozen=True)
class Unchecked:
    """A copy kept with `import --unverified` when its issuer's host did not answer: when,
    and why (the answer, or its absence). Such a badge is never shown as verified."""

    at: dt.datetime
    why: str


@dataclass(frozen=True)
class ImportedBadge:
    """A badge another issuer awarded to one of the site's earners, from its snapshot."""

    key: str
    earner: Earner
    assertion: ForeignAssertion
    image: ImageFile | None
    retrieved_at: dt.datetime
    verified_at: dt.datetime
    verified_status: str
    source: str
    recipient: RecipientConfirmation = UNCONFIRMED
    # The standard it was verified by (OPEN_BADGES_2 or OPEN_BADGES_3); for a 3.0 credential,
    # the http(s) URL it was read from ('' for a file) and the key its proof names.
    standard: str = OPEN_BADGES_2
    credential_url: str = ""
    signed_by: str = ""

    @property
    def verified_as_of(self) -> bool:
        """Whether its last verification passed, the recipient confirmed: only then does
        the page say "Verified as <standard>" (else "Checked as")."""
        return (
            self.verified_status == "valid" and self.recipient.confirmed and self.unchecked is None
        )

    unchecked: Unchecked | None = None

    @property
    def is_published(self) -> bool:
        return self.earner.is_published

    @property
    def is_listed(self) -> bool:
        return self.earner.is_listed

    def status(self, as_of: dt.datetime) -> str:
        """The status found when last verified, aged to `as_of` for expiry; `unconfirmed`
        for a valid badge whose recipient was not confirmed: never shown as verified."""
        if self.unchecked is not None:
            return "unchecked"
        expires = self.assertion.expires
        if self.verified_status == "valid" and expires is not None and expires.moment <= as_of:
            return "expired"
        if self.verified_status == "valid" and not self.recipient.confirmed:
            return "unconfirmed"
        return self.verified_status


def _as_written(reader: FieldReader, field: Field, context: Any) -> Any:
    """The value as `badgesite import` wrote it, unchecked: what it holds is only shown,
    or read by the Open Badges reader (retrieved_from_snapshot, snapshot_image)."""
    return reader.value(field.name)


def _format(reader: FieldReader, field: Field, context: Any) -> Any:
    value = reader.value(field.name)
    if value != FORMAT:
        reader.error((field.name,), f"expected '{FORMAT}' (made by `badgesite import`)")
    return value


def _moment(reader: FieldReader, field: Field, context: Any) -> dt.datetime | None:
    parsed = parse_date(reader.value(field.name))
    if parsed is None or not parsed.has_time_zone:
        reader.error((field.name,), "expected a timestamp with a time zone")
        return None
    return parsed.moment


def _status(reader: FieldReader, field: Field, context: Any) -> Any:
    value = reader.value(field.name)
    if value not in STATUSES:
        reader.error((field.name,), f"{quoted(value)} is not one of: {', '.join(STATUSES)}")
    return value


def _document(reader: FieldReader, field: Field, context: Any) -> Any:
    """A retrieved document, `{url, embedded, json}`; the assertion's is checked with the
    snapshot (a 3.0 snapshot has a credential instead)."""
    return reader.value(field.name)


def _recipient(reader: FieldReader, field: Field, context: Any) -> RecipientConfirmation:
    """`{result, checked, type, hash, fingerprint}`, as `badgesite import` wrote it."""
    value = reader.value(field.name)
    if value is None:
        return UNCONFIRMED
    if not isinstance(value, dict):
        reader.error((field.name,), "expected {result, checked, type, hash, fingerprint}")
        return UNCONFIRMED
    unknown = sorted(str(key) for key in value if key not in RECIPIENT_KEYS)
    if unknown:
        reader.error((field.name, unknown[0]), "unknown field")
    result = value.get("result")
    if result not in RECIPIENT_RESULTS:
        reader.error(
            (field.name, "result"),
            f"{quoted(result)} is not one of: {', '.join(RECIPIENT_RESULTS)}",
        )
        return UNCONFIRMED
    checked = parse_date(value.get("checked"))
    if checked is None or not checked.has_time_zone:
        reader.error((field.name, "checked"), "expected a timestamp with a time zone")
        return UNCONFIRMED
    kind = value.get("hash")
    return RecipientConfirmation(result, checked.moment, kind if isinstance(kind, str) else "")


def _standard(reader: FieldReader, field: Field, context: Any) -> Any:
    value = reader.value(field.name)
    if value is not None and value not in STANDARDS:
        reader.error((field.name,), f"{quoted(value)} is not one of: {', '.join(STANDARDS)}")
    return value


def _credential(reader: FieldReader, field: Field, context: Any) -> dict[str, Any] | None:
    """`{url, format, complete, verificationMethod, proof, jwt, json}`, as written."""
    value = reader.value(field.name)
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("json"), dict):
        reader.error((field.name,), "expected the Open Badges 3.0 credential as {url, json, ...}")
        return None
    unknown = sorted(str(key) for key in value if key not in CREDENTIAL_KEYS)
    if unknown:
        reader.error((field.name, unknown[0]), "unknown field")
    if value.get("format") not in CREDENTIAL_FORMATS:
        reader.error(
            (field.name, "format"),
            f"{quoted(value.get('format'))} is not one of: {', '.join(CREDENTIAL_FORMATS)}",
        )
    return value


def _unchecked(reader: FieldReader, field: Field, context: Any) -> Unchecked | None:
    """`{at, why}`, as `badgesite import --unverified` wrote it for a host that did not answer."""
    value = reader.value(field.name)
    if value is None:
        return None
    if not isinstance(value, dict):
        reader.error((field.name,), "expected {at, why}")
        return None
    unknown = sorted(str(key) for key in value if key not in UNCHECKED_KEYS)
    if unknown:
        reader.error((field.name, unknown[0]), "unknown field")
    at = parse_date(value.get("at"))
    if at is None or not at.has_time_zone:
        reader.error((field.name, "at"), "expected a timestamp with a time zone")
        return None
    return Unchecked(at.moment, text(value.get("why"), MAX_UNCHECKED_WHY) or "no reason recorded")


DOCUMENT = FieldType("`{url, embedded, json}`", _document)
MOMENT = FieldType("timestamp with a time zone", _moment)


def _snapshot(reader: FieldReader, values: dict[str, Any], context: Any) -> dict[str, Any] | None:
    """The foreign documents normalized and the image checked again; None without an
    assertion or credential to read."""
    record = reader.record
    credential = values["credential"]
    standard = values["standard"] or (OPEN_BADGES_3 if credential is not None else OPEN_BADGES_2)
    values["standard"] = standard
    if standard == OPEN_BADGES_3:
        if credential is None:
            reader.error(("credential",), "an Open Badges 3.0 snapshot keeps its credential")
            return None
        # How it was verified is the snapshot's to say: read here, nothing is checked again.
        values["assertion"] = assertion = read_credential(
            credential["json"],
            verification_type=text(credential.get("proof"), MAX_SHORT_TEXT),
            revoked=values["status"] == "revoked",
        )
    elif not (
        isinstance(values["assertion"], dict) and isinstance(values["assertion"].get("json"), dict)
    ):
        reader.error(("assertion",), "expected the retrieved assertion as {url, json}")
        return None
    else:
        values["assertion"] = assertion = read_assertion(retrieved_from_snapshot(record.data))
    if not assertion.badge.name:
        reader.error(("badge",), "the badge class has no name")
    if not assertion.badge.issuer.name:
        reader.error(("issuer",), "the issuer profile has no name")
    values["image"] = None
    try:
        # The cache: an imported SVG is drawn once to check it, not on every build.
        path = imported_dir(context.root) / f"{record.slug}.json"
        values["image"] = snapshot_image(path, record.data, context.cache)
    except ImageProblem as problem:
        reader.error(("image",), str(problem))
    return values


SNAPSHOT = Schema(
    "imported",
    (
        Field("format", FieldType(f"`{FORMAT}`", _format), "the snapshot format", required=True),
        Field(
            "earner",
            FieldType("slug", _as_written),
            "the earner it belongs to (the model checks it names one)",
            required=True,
        ),
        Field(
            "source", FieldType("text", _as_written), "what was imported (URL, file or baked image)"
        ),
        Field("retrieved", MOMENT, "when the documents were fetched", required=True),
        Field("verified", MOMENT, "when it was last verified", required=True),
        Field(
            "status",
            FieldType("one of " + ", ".join(f"`{status}`" for status in STATUSES), _status),
            "what the last verification found (`gone`: no longer hosted)",
            required=True,
        ),
        Field(
            "problems", FieldType("list of text", _as_written), "the verification errors found then"
        ),
        Field(
            "recipient",
            FieldType("`{result, checked, type, hash, fingerprint}`", _recipient),
            "whether `--email` found it issued to the earner (`result`: `matched`, "
            "`not matched`, `not checked`) and when; never the address. Missing: not checked",
        ),
        Field(
            "assertion",
            DOCUMENT,
            "the JSON as retrieved (`url` empty when embedded; a plain-text recipient "
            "identity blanked); Open Badges 2.0 and earlier",
            required_doc="yes*",
        ),
        Field("badge", DOCUMENT, "the badge class as retrieved, or `null`"),
        Field("issuer", DOCUMENT, "the issuer profile as retrieved, or `null`"),
        Field("revocationList", DOCUMENT, "the revocation list as retrieved, or `null`"),
        Field(
            "image",
            FieldType("`{url, file}`", _as_written),
            "where the badge image came from, and the checked copy under `content/imported/`",
        ),
        Field(
            "standard",
            FieldType("one of " + ", ".join(f"`{name}`" for name in STANDARDS), _standard),
            "the standard it was verified by; missing: `Open Badges 2.0`",
        ),
        Field(
            "credential",
            FieldType(
                "`{url, format, complete, verificationMethod, proof, jwt, json}`", _credential
            ),
            "an Open Badges 3.0 credential as signed, for `--refresh` to verify again: its "
            "JSON, and a VC-JWT's compact form (`complete` false: a plain-text recipient "
            "blanked, so its proof no longer holds) (*`assertion` or this)",
            required_doc="yes*",
        ),
        Field(
            "unchecked",
            FieldType("`{at, why}`", _unchecked),
            "kept with `--unverified` from a copy whose issuer's host did not answer: when, "
            "and why; its page says it was not checked with its issuer",
        ),
    ),
    make=_snapshot,
)


def read_imported_badge(
    record: RawRecord, errors: list[ContentError], context: Any, earners: Mapping[str, Earner]
) -> ImportedBadge | None:
    """The imported badge of a snapshot, or None with its errors added.

    Unlike a record's, a snapshot's one reference (its earner) is checked here, with
    its message of its own: nothing references a snapshot, and its earner slug is JSON
    of any type. `context.broken(kind, slug)` says whether that earner exists with errors.
    """
    if not isinstance(record.data, dict):
        errors.append(ContentError(record.source, 1, "", "expected a JSON object"))
        return None
    before = len(errors)
    reader = FieldReader(record, errors)
    values = SNAPSHOT.read(reader, context)
    earner_slug = reader.value("earner")
    earner = earners.get(earner_slug) if isinstance(earner_slug, str) else None
    if earner is None and not (
        isinstance(earner_slug, str) and context.broken("earner", earner_slug)
    ):
        hint = did_you_mean(str(earner_slug)[:MAX_LINE], sorted(earners))
        reader.error(("earner",), f"no earner {quoted(earner_slug)} in content/earners/{hint}")
    if values is None or len(errors) > before or earner is None:
        return None
    credential = values["credential"]
    return ImportedBadge(
        key=str(record.slug),
        earner=earner,
        assertion=values["assertion"],
        image=values["image"],
        retrieved_at=values["retrieved"],
        verified_at=values["verified"],
        verified_status=str(values["status"]),
        source=record.source,
        recipient=values["recipient"],
        standard=values["standard"],
        credential_url=link(credential.get("url")) if credential else "",
        signed_by=text(credential.get("verificationMethod"), MAX_SHORT_TEXT) if credential else "",
        unchecked=values["unchecked"],
    )
