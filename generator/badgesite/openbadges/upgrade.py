"""Open Badges 0.5, 1.0 and 1.1 documents upgraded to the 2.0 shape the verifier judges,
as the 1EdTech reference validator upgrades them (its tasks/object_upgrades.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from badgesite.openbadges.documents import Retrieved, RetrievedDocument
from badgesite.openbadges.reader import detect_version, parse_date

UPGRADED_VERSIONS = ("0.5", "1.0", "1.1")


def upgraded(retrieved: Retrieved) -> Retrieved:
    """The retrieved documents in the 2.0 shape (the originals are kept by the caller).

    0.5: the recipient string becomes an identity object (hashed unless it holds an `@`),
    `issued_on` becomes `issuedOn`, verification is hosted, the embedded badge class and
    issuer get their types, `contact`/`origin` become `email`/`url`, `org` joins the name.
    1.0: each document's id is the URL it was fetched from (a hosted assertion's
    `verify.url` when it was read from a file), and `verify` becomes `verification`.
    0.5 to 1.1: dates become ISO 8601 with a time zone (Unix times, bare dates and times
    without a zone are UTC); a date that cannot be read is left for the checks to refuse.
    """
    version = detect_version(retrieved.assertion.mapping)
    assertion = retrieved.assertion
    if version in UPGRADED_VERSIONS and isinstance(assertion.json, dict):
        assertion = RetrievedDocument(assertion.url, upgrade_assertion(assertion, version))
    badge = _identified(retrieved.badge, "BadgeClass")
    issuer = _identified(retrieved.issuer, "Profile")
    if version == "0.5" and isinstance(assertion.mapping.get("badge"), dict):
        # 0.5 embeds both; the retriever found them in the original shape.
        badge = RetrievedDocument("", assertion.mapping["badge"])
        issuer_value = badge.mapping.get("issuer")
        issuer = RetrievedDocument("", issuer_value) if isinstance(issuer_value, dict) else issuer
    return dataclasses.replace(retrieved, assertion=assertion, badge=badge, issuer=issuer)


def upgrade_assertion(document: RetrievedDocument, version: str) -> dict[str, Any]:
    data = dict(document.mapping)
    if version == "0.5":
        _upgrade_0_5(data, document.url)
    elif version == "1.0":
        _upgrade_1_0(data, document.url)
    for key in ("issuedOn", "expires"):
        if data.get(key) is not None:
            data[key] = upgrade_datetime(data[key])
    return data


def _upgrade_0_5(data: dict[str, Any], url: str) -> None:
    data["type"] = "Assertion"
    if data.get("id") is None and url:
        data["id"] = url
    if data.get("issued_on") is not None and data.get("issuedOn") is None:
        data["issuedOn"] = data.pop("issued_on")
    recipient = data.get("recipient")
    if isinstance(recipient, str) and recipient:
        identity: dict[str, Any] = {"identity": recipient, "type": "email"}
        identity["hashed"] = "@" not in recipient
        if data.get("salt"):
            identity["salt"] = data.pop("salt")
        data["recipient"] = identity
        data["verification"] = {"type": "HostedBadge"}
    badge = data.get("badge")
    if isinstance(badge, dict):
        badge = {**badge, "type": "BadgeClass"}
        issuer = badge.get("issuer")
        if isinstance(issuer, dict):
            issuer = {**issuer, "type": "Profile"}
            for term, new_term in (("contact", "email"), ("origin", "url")):
                if issuer.get(term) and not issuer.get(new_term):
                    issuer[new_term] = issuer.pop(term)
            if issuer.get("name") and issuer.get("org"):
                issuer["name"] = f"{issuer['name']}: {issuer.pop('org')}"
            badge["issuer"] = issuer
        data["badge"] = badge


def _upgrade_1_0(data: dict[str, Any], url: str) -> None:
    verify = data.get("verify")
    if not url and isinstance(verify, dict) and verify.get("type") == "hosted":
        url = verify.get("url") if isinstance(verify.get("url"), str) else ""
    if url:
        data["id"] = url
    data["type"] = "Assertion"
    if isinstance(verify, dict) and "verification" not in data:
        data["verification"] = {
            key: value for key, value in data.pop("verify").items() if key != "url"
        }


def _identified(document: RetrievedDocument | None, kind: str) -> RetrievedDocument | None:
    """A badge class or issuer without a context (1.0, whatever the assertion's version):
    identified by where it was fetched from, as the validator upgrades each document."""
    if document is None or not isinstance(document.json, dict) or "@context" in document.json:
        return document
    data = dict(document.json)
    if document.url:
        data["id"] = document.url
    data.setdefault("type", kind)
    return RetrievedDocument(document.url, data)


def upgrade_datetime(value: Any) -> Any:
    """ISO 8601 with a zone: a Unix time, a bare date or a moment without a zone read as
    UTC; as given when it cannot be read."""
    parsed = parse_date(value)
    if parsed is None or (
        parsed.has_time_zone and isinstance(value, str) and not value.strip().isdigit()
    ):
        return value
    return parsed.moment.astimezone(dt.timezone.utc).isoformat()
