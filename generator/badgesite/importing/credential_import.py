"""Open Badges 3.0 credentials imported into content/imported/, and their snapshots refreshed.

A credential is read by ob3_source (JSON, VC-JWT, baked PNG or SVG, or a URL to any of them)
and verified by verify_ob3; its recipient is checked by recipient_check's rules, as a 2.0
assertion's is. The snapshot keeps the credential as it was signed (its JSON, or the VC-JWT's
compact form), so `import --refresh` verifies that credential again: a removed key, a set
status bit or a passed `validUntil` shows, whatever the issuer serves now.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from badgesite.importing.snapshot import (
    KEEP_ANYWAY,
    ImportProblem,
    ImportResult,
    RefreshResult,
    _first_error,
    _kept_confirmation,
    _read_json,
    _save_image,
    _saved_key,
    snapshot_key,
    utc_timestamp,
    write_snapshot,
)
from badgesite.importing.snapshot_format import FORMAT, OPEN_BADGES_3, imported_dir
from badgesite.openbadges.bake import BakeError, unbaked
from badgesite.openbadges.fetch import Fetcher, FetchProblem
from badgesite.openbadges.ob3_reader import achievement_image
from badgesite.openbadges.ob3_source import (
    CredentialSource,
    read_credential_source,
    read_kept_credential,
)
from badgesite.openbadges.recipient_check import (
    MATCHED,
    NOT_CHECKED,
    RecipientProfile,
    RecipientResult,
    check_credential_recipient,
    credential_fingerprint,
    credential_near_miss,
    credential_without_plain_identity,
)
from badgesite.openbadges.retrieve import RetrievedImage, fetch_badge_image, is_url
from badgesite.openbadges.verification_report import VerificationReport
from badgesite.openbadges.verify_ob3 import verify_credential


def import_credential(
    site_dir: Path,
    found: CredentialSource,
    earner: str,
    fetcher: Fetcher,
    now: dt.datetime | None = None,
    allow_unverified: bool = False,
    recipient: RecipientProfile | None = None,
) -> ImportResult:
    """Verify and save one OB 3.0 credential for an earner (import_badge checked the earner).

    Refused: a revoked credential; an expired one, or one that does not verify, unless
    allow_unverified keeps it labelled so; one issued to none of `recipient`'s identifiers,
    unless allow_unverified keeps it labelled "recipient not confirmed".
    """
    moment = now or dt.datetime.now(dt.timezone.utc)
    report = verify_credential(found, fetcher, moment)
    status = report.status
    if status == "revoked":
        raise ImportProblem(f"not imported: {_first_error(report)}")
    recipient_result = check_credential_recipient(found.credential, recipient)
    if not recipient_result.matched and not allow_unverified:
        raise ImportProblem(_recipient_refusal(found, recipient_result, recipient))
    if status == "expired" and not allow_unverified:
        raise ImportProblem(
            f"not imported: {_first_error(report)}; use --unverified to keep it anyway, "
            "marked as expired"
        )
    if status == "invalid":
        if not allow_unverified:
            raise ImportProblem(
                f"not imported: it does not verify as Open Badges 3.0 ({_first_error(report)}); "
                "use --unverified to keep it anyway, marked as unverified"
            )
        status = "unverified"
    badge = report.assertion.badge
    if not badge.name or not badge.issuer.name:
        raise ImportProblem("not imported: the achievement or its issuer has no name")
    folder = imported_dir(site_dir)
    credential_id = found.credential.get("id")
    where = credential_id if isinstance(credential_id, str) and credential_id else found.url
    key = _saved_key(folder, snapshot_key(badge.name, where or found.source))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.json"
    if path.exists() and _read_json(path).get("earner") != earner:
        raise ImportProblem(f"{path.name} already holds this badge for another earner")
    image = _badge_image(found, fetcher)
    image_entry = _save_image(folder, key, image) if image is not None else None
    confirmation = {
        "result": recipient_result.result,
        "checked": utc_timestamp(report.checked_at),
        "type": recipient_result.type,
        "hash": recipient_result.hash,
        "fingerprint": credential_fingerprint(found.credential, key),
    }
    snapshot = {
        "format": FORMAT,
        "earner": earner,
        "source": found.source,
        "retrieved": utc_timestamp(moment),
        "verified": utc_timestamp(report.checked_at),
        "status": status,
        "problems": [finding.message for finding in report.errors],
        "recipient": confirmation,
        "standard": OPEN_BADGES_3,
        "credential": _credential_entry(found, report),
        "image": image_entry,
    }
    write_snapshot(path, snapshot)
    return ImportResult(key, path, report, status, recipient_result)


def _recipient_refusal(
    found: CredentialSource, result: RecipientResult, recipient: RecipientProfile | None
) -> str:
    if result.result == NOT_CHECKED:
        return (
            "not imported: the recipient is not confirmed: give the earner's address with "
            "--email ADDRESS (repeatable; it is only compared, never saved), "
            f"{KEEP_ANYWAY}"
        )
    hint = credential_near_miss(found.credential, recipient)
    return f"not imported: {result.message}{hint}; {KEEP_ANYWAY}"


def _credential_entry(found: CredentialSource, report: VerificationReport) -> dict[str, Any]:
    """The credential as kept: whole (its JSON, and a VC-JWT's compact form) unless it names
    its recipient in plain text; then with the address blanked, and no longer provable."""
    kept = credential_without_plain_identity(found.credential)
    complete = kept is found.credential
    details = dict(report.details)
    return {
        "url": found.url,
        "format": found.container,
        "complete": complete,
        "verificationMethod": report.verification_url,
        "proof": details.get("proof", ""),
        "jwt": found.jws.compact if found.jws is not None and complete else None,
        "json": kept,
    }


def _badge_image(found: CredentialSource, fetcher: Fetcher) -> RetrievedImage | None:
    """A baked credential's own image, else the achievement's image (a data: URI or a URL,
    fetched like any foreign image); whatever was baked into it taken out. None when the
    credential names no image; ImportProblem when the one it names cannot be had."""
    if found.image:
        image = RetrievedImage(found.url if is_url(found.url) else "", found.image)
    else:
        value = achievement_image(found.credential)
        if value is None:
            return None
        image, problems = fetch_badge_image(value, fetcher)
        if image is None:
            reason = problems[0] if problems else "badge image: none given"
            raise ImportProblem(f"not imported: the {reason}")
    try:
        return RetrievedImage(image.url, unbaked(image.data))
    except BakeError:
        return image  # neither PNG nor SVG, or damaged: the image checks say so


def is_credential_snapshot(path: Path) -> bool:
    """Whether a snapshot holds an Open Badges 3.0 credential (not a 2.0 assertion)."""
    return isinstance(_read_json(path).get("credential"), dict)


def refresh_credential(
    path: Path, fetcher: Fetcher, now: dt.datetime | None = None
) -> RefreshResult:
    """Verify a snapshot's credential again and record what that found.

    A credential kept whole is verified as kept (its proof, key, dates and status, now);
    one kept without its plain-text recipient is read again from its URL, if it has one.
    """
    key = path.stem
    snapshot = _read_json(path)
    before = str(snapshot.get("status", "unknown"))
    kept = _kept_confirmation(snapshot)
    entry = snapshot.get("credential")
    entry = entry if isinstance(entry, dict) else {}
    url = entry.get("url") if isinstance(entry.get("url"), str) else ""
    source = str(snapshot.get("source", ""))
    try:
        if entry.get("complete") is True:
            found = _kept_source(entry, source, url)
        elif is_url(url):
            found = read_credential_source(url, fetcher)
        else:
            return RefreshResult(
                key,
                before,
                before,
                "not verified again: it was kept without its plain-text recipient, so its "
                "proof no longer holds, and it has no URL to read it from again",
                kept,
            )
    except FetchProblem as problem:
        return RefreshResult(key, before, before, f"kept the old snapshot: {problem}", kept)
    if found is None:
        return RefreshResult(key, before, before, "kept the old snapshot: no credential", kept)
    report = verify_credential(found, fetcher, now)
    after = report.status
    if after == "invalid" and before == "unverified":
        after = "unverified"
    recipient = snapshot.get("recipient")
    fingerprint = credential_fingerprint(found.credential, key)
    lost = (
        kept == MATCHED
        and isinstance(recipient, dict)
        and recipient.get("fingerprint") != fingerprint
    )
    if lost:
        snapshot["recipient"] = {
            **recipient,
            "result": NOT_CHECKED,
            "checked": utc_timestamp(report.checked_at),
            "fingerprint": fingerprint,
        }
    snapshot["verified"] = utc_timestamp(report.checked_at)
    snapshot["status"] = after
    snapshot["problems"] = [finding.message for finding in report.errors]
    if entry.get("complete") is not True:
        snapshot["credential"] = _credential_entry(found, report)
    write_snapshot(path, snapshot)
    detail = _first_error(report) if report.errors else "verified"
    if lost:
        detail += (
            "; the credential names another recipient now: import it again with --email "
            "to confirm it"
        )
    return RefreshResult(key, before, after, detail, NOT_CHECKED if lost else kept, lost)


def _kept_source(entry: dict[str, Any], source: str, url: str) -> CredentialSource | None:
    """The credential a snapshot kept whole, as it was found: its VC-JWT, else its JSON."""
    container = entry.get("format") if entry.get("format") in ("json", "jwt", "png", "svg") else ""
    jwt = entry.get("jwt")
    document = entry.get("json")
    if isinstance(jwt, str) and jwt:
        text = jwt
    elif isinstance(document, dict):
        text = json.dumps(document, ensure_ascii=False)
    else:
        return None
    return read_kept_credential(text, source, url, container or "json")
