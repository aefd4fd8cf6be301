"""Open Badges hosted verification of a retrieved assertion: what holds, what fails, and why."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

from badgesite.openbadges.fetch import Fetcher
from badgesite.openbadges.hashing import HASHED_IDENTITY, RECIPIENT_TYPES
from badgesite.openbadges.reader import (
    MAX_SHORT_TEXT,
    detect_version,
    link,
    parse_date,
    read_assertion,
    text,
    type_names,
)
from badgesite.openbadges.recipient_check import (
    NOT_MATCHED,
    RecipientProfile,
    RecipientResult,
    check_recipient,
    near_miss,
)
from badgesite.openbadges.retrieve import Retrieved, RetrievedDocument, hosted_url, retrieve
from badgesite.openbadges.upgrade import upgraded
from badgesite.openbadges.verification_report import (
    ERROR,
    WARNING,
    CheckResult,
    VerificationReport,
)
from badgesite.primitives.png_chunks import is_png
from badgesite.primitives.svg_document import is_svg


def verify(
    retrieved: Retrieved,
    now: dt.datetime | None = None,
    recipient: RecipientProfile | None = None,
) -> VerificationReport:
    """Judge a retrieved assertion by the rules of hosted verification (Open Badges 2.0);
    with a recipient profile, also whether it was issued to one of its identifiers."""
    moment = now or dt.datetime.now(dt.timezone.utc)
    checker = _Checker(upgraded(retrieved), moment, detect_version(retrieved.assertion.mapping))
    checker.original = retrieved.assertion.mapping
    checker.run()
    recipient_result = checker.check_recipient(recipient)
    assertion = read_assertion(retrieved)
    return VerificationReport(
        source=retrieved.source,
        version=checker.version,
        verification_url=assertion.verification_url,
        checked_at=moment,
        findings=tuple(checker.findings),
        assertion=assertion,
        recipient=recipient_result,
    )


def host_port(url: str) -> str:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return f"{(parts.hostname or '').lower()}:{port}"


class _Checker:
    """The rules of Open Badges 2.0, run on documents upgraded to 2.0 (upgrade.py) as the
    reference validator runs them; `version` is the one the documents were given in."""

    def __init__(self, retrieved: Retrieved, now: dt.datetime, version: str) -> None:
        self.retrieved = retrieved
        self.now = now
        self.document = retrieved.assertion.mapping
        self.original = self.document
        self.version = version
        self.findings: list[CheckResult] = []

    def error(self, check: str, message: str) -> None:
        self.findings.append(CheckResult(ERROR, check, message))

    def warning(self, check: str, message: str) -> None:
        self.findings.append(CheckResult(WARNING, check, message))

    def run(self) -> None:
        if self.retrieved.gone:
            self.error("revocation", _gone_message(self.retrieved))
            return
        if not isinstance(self.retrieved.assertion.json, dict):
            self.error("document", "the assertion is not a JSON object")
            return
        modern = self.version != "unknown"
        for problem in self.retrieved.problems:
            if problem.startswith("revocation list"):
                self.warning("revocation", f"cannot check the revocation list: {problem}")
            else:
                self.error("fetch", problem)
        self.check_hosted()
        self.check_assertion_fields(modern)
        self.check_links(modern)
        self.check_dates(modern)
        self.check_badge(modern)
        self.check_issuer(modern)
        self.check_origin(modern)
        self.check_revocation()
        self.check_image()

    def check_hosted(self) -> None:
        declared = hosted_url(self.document)
        fetched_from = self.retrieved.assertion.url
        if not link(declared):
            self.error("id", "the assertion's id is not an http(s) URL")
        elif not fetched_from:
            self.error("id", "the assertion was not fetched from its host")
        elif declared != fetched_from:
            self.error("id", f"the assertion's id {declared} is not where it was fetched from")
        stated = hosted_url(self.original) if self.version == "1.0" else declared
        if fetched_from and link(stated) and stated != fetched_from:
            # As the reference validator: a 1.0 assertion is identified by where it was fetched.
            self.warning("id", f"verify.url {stated} is not where it was fetched from")
        method = self.document.get("verification", self.document.get("verify"))
        kind = method.get("type") if isinstance(method, dict) else None
        if str(kind).lower() not in ("hosted", "hostedbadge"):
            self.error("verification", f"verification type {kind!r} is not hosted")

    def check_assertion_fields(self, modern: bool) -> None:
        document = self.document
        if modern and "Assertion" not in type_names(document):
            self.error("required", "the assertion's type is not Assertion")
        for key in ("recipient", "badge"):
            if key not in document:
                self.error("required", f"the assertion has no {key}")
        if "issuedOn" not in document:
            self.error("required", "the assertion has no issuedOn")
        recipient = document.get("recipient")
        if isinstance(recipient, dict):
            if recipient.get("type") not in RECIPIENT_TYPES:
                self.warning("recipient", f"recipient type {recipient.get('type')!r} is unusual")
            if "hashed" in recipient and not isinstance(recipient.get("hashed"), bool):
                self.error("recipient", "recipient.hashed must be true or false")
            identity = recipient.get("identity")
            if not isinstance(identity, str) or not identity:
                self.error("recipient", "recipient.identity is missing")
            elif recipient.get("hashed") is True and not HASHED_IDENTITY.match(identity):
                self.error("recipient", "recipient.identity is not a sha256$ or md5$ hash")
            elif recipient.get("hashed") is not True:
                self.warning("recipient", "the recipient's identity is published in plain text")
        elif "recipient" in document:
            self.error("recipient", "recipient must be an object")

    def check_links(self, modern: bool) -> None:
        """Evidence and criteria ids are IRIs: http(s) or urn:uuid, never javascript: or data:."""
        if not modern:
            return
        evidence = self.document.get("evidence")
        items = list(evidence) if isinstance(evidence, list) else [evidence]
        badge = self.retrieved.badge.mapping if self.retrieved.badge else {}
        criteria = badge.get("criteria")
        items.append(criteria)
        for item in items:
            value = item.get("id") if isinstance(item, dict) else item
            if isinstance(value, str) and not _is_iri(value):
                self.error("links", f"{value[:60]!r} is not an http(s) or urn:uuid IRI")

    def check_dates(self, modern: bool) -> None:
        issued_raw = self.document.get("issuedOn")
        expires_raw = self.document.get("expires")
        issued = parse_date(issued_raw) if issued_raw is not None else None
        expires = parse_date(expires_raw) if expires_raw is not None else None
        for name, raw, parsed in (
            ("issuedOn", issued_raw, issued),
            ("expires", expires_raw, expires),
        ):
            if raw is None:
                continue
            if parsed is None:
                self.error("dates", f"{name} {str(raw)[:40]!r} is not a date")
            elif modern and not parsed.has_time_zone:
                self.error(
                    "dates", f"{name} {parsed.text!r} needs a time and a time zone (Z or +hh:mm)"
                )
        if issued and issued.moment > self.now:
            self.error("dates", f"issuedOn {issued.text} is in the future")
        if issued and expires and expires.moment < issued.moment:
            self.error("dates", "expires is before issuedOn")
        if expires and expires.moment <= self.now:
            self.error("expiry", f"the badge expired on {expires.text}")

    def _document_id(self, document: RetrievedDocument, what: str, modern: bool) -> None:
        if document.url and modern:
            declared = document.mapping.get("id")
            if declared != document.url:
                self.error("id", f"the {what}'s id {declared!r} is not where it was fetched from")

    def check_badge(self, modern: bool) -> None:
        badge = self.retrieved.badge
        if badge is None:
            return
        if not isinstance(badge.json, dict):
            self.error("badge", "the badge class is not a JSON object")
            return
        self._document_id(badge, "badge class", modern)
        data = badge.mapping
        if modern and "BadgeClass" not in type_names(data):
            self.error("badge", "the badge class's type is not BadgeClass")
        for key in ("name", "description", "criteria", "image", "issuer"):
            if not data.get(key):
                self.error("badge", f"the badge class has no {key}")
        criteria = data.get("criteria")
        if isinstance(criteria, str) and not link(criteria):
            self.error("badge", "the badge class's criteria is not an http(s) URL")
        if isinstance(criteria, dict) and not (
            link(criteria.get("id")) or criteria.get("narrative")
        ):
            self.error("badge", "the badge class's criteria has neither a URL nor a narrative")

    def check_issuer(self, modern: bool) -> None:
        issuer = self.retrieved.issuer
        if issuer is None:
            return
        if not isinstance(issuer.json, dict):
            self.error("issuer", "the issuer profile is not a JSON object")
            return
        self._document_id(issuer, "issuer profile", modern)
        data = issuer.mapping
        if not data.get("name"):
            self.error("issuer", "the issuer has no name")
        if not link(data.get("url") or data.get("origin")):
            self.error("issuer", "the issuer has no http(s) url")
        if not data.get("email"):
            self.warning("issuer", "the issuer publishes no email address")

    def check_origin(self, modern: bool) -> None:
        issuer = self.retrieved.issuer
        declared = hosted_url(self.document)
        if issuer is None or not link(declared):
            return
        data = issuer.mapping
        if not modern:
            issuer_url = link(data.get("url"))
            if issuer_url and host_port(declared) != host_port(issuer_url):
                self.error("origin", "verify.url is not on the issuer's origin")
            return
        issuer_id = data.get("id") if isinstance(data.get("id"), str) else issuer.url
        rules = data.get("verification") if isinstance(data.get("verification"), dict) else {}
        allowed = _strings(rules.get("allowedOrigins"))
        prefixes = _strings(rules.get("startsWith"))
        if allowed or prefixes:
            host = urlsplit(declared).netloc.lower()
            if allowed and host not in {origin.lower() for origin in allowed}:
                self.error("origin", f"{host} is not among the issuer's allowedOrigins")
            if prefixes and not any(declared.startswith(prefix) for prefix in prefixes):
                self.error("origin", "the assertion id does not start with the issuer's startsWith")
        elif not link(issuer_id):
            # As the reference validator: a warning. The issuer is then who the badge class
            # says it is (an embedded Profile without an id, as 0.5 and many 2.0 ones are).
            self.warning(
                "origin",
                "the issuer profile has no http(s) id, so the assertion's host cannot be "
                "compared with the issuer's",
            )
        elif host_port(declared) != host_port(issuer_id):
            self.error(
                "origin",
                f"the assertion is hosted on {urlsplit(declared).netloc}, not on the issuer's "
                f"host {urlsplit(issuer_id).netloc}",
            )

    def check_revocation(self) -> None:
        if self.document.get("revoked") is True:
            reason = _reason(self.document.get("revocationReason"))
            self.error("revocation", f"revoked by its issuer{reason}")
        listed = self.retrieved.revocation_list
        if listed is None:
            return
        declared = hosted_url(self.document)
        uid = self.document.get("uid")
        entries = listed.json
        if isinstance(entries, dict) and "revokedAssertions" in entries:
            for entry in entries.get("revokedAssertions") or []:
                entry_id = entry.get("id") if isinstance(entry, dict) else entry
                if entry_id == declared or (uid and entry_id == f"urn:uuid:{uid}"):
                    given = entry.get("revocationReason") if isinstance(entry, dict) else ""
                    reason = _reason(given)
                    self.error("revocation", f"revoked: in its issuer's revocation list{reason}")
                    return
        elif isinstance(entries, dict) and isinstance(uid, str) and uid in entries:
            # Open Badges 1.x: a mapping of uid to reason.
            reason = _reason(entries[uid])
            self.error("revocation", f"revoked: in its issuer's revocation list{reason}")

    def check_image(self) -> None:
        image = self.retrieved.badge_image
        if image is None:
            return
        if not (is_png(image.data) or is_svg(image.data)):
            self.error("image", "the badge image is neither PNG nor SVG")

    def check_recipient(self, profile: RecipientProfile | None) -> RecipientResult:
        """The recipient checked as the reference validator checks it; an error when given
        identifiers do not match (the message names none of them)."""
        result = check_recipient(self.document, profile)
        if result.result == NOT_MATCHED:
            self.error("recipient", result.message + near_miss(self.document, profile))
        return result


def _reason(value: Any) -> str:
    """'' or ' (revocationReason: ...)', the issuer's reason as plain, short text."""
    reason = text(value, MAX_SHORT_TEXT)
    return f" (revocationReason: {reason})" if reason else " (no revocationReason given)"


def _gone_message(retrieved: Retrieved) -> str:
    """A 410 Gone, said as what it means: the issuer withdrew the assertion."""
    stub = retrieved.assertion.mapping
    reason = _reason(stub.get("revocationReason"))
    where = retrieved.assertion.url or retrieved.source
    return f"revoked: {where} answers 410 Gone, its issuer withdrew the assertion{reason}"


def _is_iri(value: str) -> bool:
    return bool(link(value)) or re.match(r"^urn:uuid:[0-9a-fA-F-]{36}$", value) is not None


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def verify_source(
    source: str,
    fetcher: Fetcher,
    now: dt.datetime | None = None,
    recipient: RecipientProfile | None = None,
) -> VerificationReport:
    """Retrieve and verify; FetchProblem when the assertion itself cannot be had."""
    return verify(retrieve(source, fetcher, now), now, recipient)
