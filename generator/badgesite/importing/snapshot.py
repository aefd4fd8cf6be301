"""Snapshots of imported badges in content/imported/: importing, saving and refreshing them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from badgesite.images.inspection import ImageProblem, inspect_image
from badgesite.importing.snapshot_format import (
    FORMAT,
    IMAGE_FORMATS,
    MAX_SNAPSHOT_BYTES,
    MAX_UNCHECKED_WHY,
    imported_dir,
)
from badgesite.load import SLUG_PATTERN
from badgesite.openbadges.fetch import Fetcher, FetchProblem, parse_json, read_local
from badgesite.openbadges.ob3_source import CredentialSource, read_credential_source
from badgesite.openbadges.reader import link
from badgesite.openbadges.recipient_check import (
    MATCHED,
    NOT_CHECKED,
    NOT_MATCHED,
    RecipientProfile,
    RecipientResult,
    check_recipient,
    near_miss,
    recipient_fingerprint,
    without_plain_identity,
)
from badgesite.openbadges.retrieve import (
    Retrieved,
    RetrievedDocument,
    RetrievedImage,
    hosted_url,
    retrieve,
    retrieve_copy,
)
from badgesite.openbadges.verify import VerificationReport, verify
from badgesite.primitives.atomic import write_atomic
from badgesite.primitives.moments import timestamp
from badgesite.primitives.slugs import slugify


class ImportProblem(Exception):
    """Why a badge was not imported; the message is shown to the user."""


@dataclass(frozen=True)
class ImportResult:
    key: str
    path: Path
    report: VerificationReport
    status: str
    recipient: RecipientResult
    unchecked: bool = False  # kept from a copy: its host did not answer


@dataclass(frozen=True)
class RefreshResult:
    key: str
    before: str
    after: str
    detail: str
    # The recipient confirmation is kept, as imported; it is lost only when the assertion
    # names another recipient now (it cannot be checked again: the addresses are not kept).
    recipient: str = NOT_CHECKED
    recipient_lost: bool = False

    @property
    def changed(self) -> bool:
        return self.before != self.after or self.recipient_lost


def snapshot_key(name: str, verification_url: str) -> str:
    """A stable slug: the badge's name, and a short hash of where it is verified."""
    slug = slugify(name, max_length=40)
    return f"{slug}-{hashlib.sha256(verification_url.encode('utf-8')).hexdigest()[:8]}"


def _saved_key(folder: Path, key: str) -> str:
    """The key a snapshot of the same verification URL was saved under, else key.

    Keys made before names were transliterated (`sren-...` for `Søren`) name published
    URLs, so a re-import keeps the key it has rather than making a second snapshot.
    """
    url_hash = key.rsplit("-", 1)[-1]
    if not folder.is_dir() or (folder / f"{key}.json").exists():
        return key
    earlier = sorted(path.stem for path in folder.glob(f"*-{url_hash}.json"))
    return earlier[0] if earlier else key


def utc_timestamp(moment: dt.datetime) -> str:
    """Snapshots keep their moments in UTC, whatever zone the clock gave them in."""
    return timestamp(moment.astimezone(dt.timezone.utc))


def import_badge(
    site_dir: Path,
    source: str,
    earner: str,
    fetcher: Fetcher,
    now: dt.datetime | None = None,
    allow_unverified: bool = False,
    recipient: RecipientProfile | None = None,
) -> ImportResult:
    """Retrieve, verify and save one foreign badge for an earner of the site.

    The recipient is checked against the earner's identifiers in `recipient`: a badge that
    names no one of them is refused, or with allow_unverified kept as not confirmed.
    """
    # Checked before anything is fetched: the snapshot keeps the slug, and every build reads it.
    if not SLUG_PATTERN.fullmatch(earner):
        raise ImportProblem(
            f"{earner!r} is not an earner slug (lowercase letters, digits and hyphens)"
        )
    if not (site_dir / "content" / "earners" / f"{earner}.yaml").is_file():
        raise ImportProblem(f"no earner '{earner}' in content/earners/")
    credential = _credential_in(source, fetcher)
    if credential is not None:
        from badgesite.importing.credential_import import import_credential  # builds on this

        return import_credential(
            site_dir, credential, earner, fetcher, now, allow_unverified, recipient
        )
    unchecked = None
    try:
        retrieved = retrieve(source, fetcher, now)
    except FetchProblem as problem:
        retrieved, unchecked = _copy_or_refuse(source, fetcher, now, problem, allow_unverified)
    report = verify(retrieved, now)
    status = report.status
    if status == "revoked":
        raise ImportProblem(f"not imported: {_first_error(report, 'revocation')}")
    # Checked apart from the report: the badge's own status stays what its issuer says.
    recipient_result = check_recipient(retrieved.assertion.mapping, recipient)
    if not recipient_result.matched and not allow_unverified:
        raise ImportProblem(_recipient_refusal(retrieved, recipient_result, recipient))
    if status == "invalid":
        if not allow_unverified:
            raise ImportProblem(
                f"not imported: it does not verify ({_first_error(report)}); "
                "use --unverified to keep it anyway, marked as unverified"
            )
        status = "unverified"
    assertion = report.assertion
    if not assertion.badge.name or not assertion.badge.issuer.name:
        raise ImportProblem("not imported: the badge class or its issuer has no name")
    folder = imported_dir(site_dir)
    key = _saved_key(
        folder, snapshot_key(assertion.badge.name, assertion.verification_url or source)
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.json"
    if path.exists():
        existing = _read_json(path)
        if existing.get("earner") != earner:
            raise ImportProblem(f"{path.name} already holds this badge for another earner")
    confirmation = _confirmation(retrieved, recipient_result, report.checked_at, key)
    _save(path, key, earner, source, retrieved, report, status, confirmation, unchecked)
    return ImportResult(key, path, report, status, recipient_result, unchecked is not None)


def _credential_in(source: str, fetcher: Fetcher) -> CredentialSource | None:
    """The Open Badges 3.0 credential `source` holds, or None: for anything else, and for a
    source that cannot be read, the 2.0 path below says what it found."""
    try:
        return read_credential_source(source, fetcher)
    except FetchProblem:
        return None


def _copy_or_refuse(
    source: str,
    fetcher: Fetcher,
    now: dt.datetime | None,
    problem: FetchProblem,
    allow_unverified: bool,
) -> tuple[Retrieved, dict[str, str]]:
    """When the assertion's host does not answer: with --unverified, the local JSON or baked
    image as it is (the Mozilla Backpack case), with when and why it could not be checked."""
    if not allow_unverified:
        local = "://" not in source and not source.startswith("data:")
        hint = "; use --unverified to keep the copy you have, marked as not checked with its issuer"
        raise ImportProblem(f"{problem}{hint if local else ''}") from None
    try:
        copy = retrieve_copy(source, fetcher, now)
    except FetchProblem as no_copy:
        raise ImportProblem(f"not imported: {problem}; {no_copy}") from None
    moment = now or dt.datetime.now(dt.timezone.utc)
    return copy, {"at": utc_timestamp(moment), "why": str(problem)[:MAX_UNCHECKED_WHY]}


def _first_error(report: VerificationReport, check: str = "") -> str:
    """The first error's message (of that check, when given: a revocation says revoked)."""
    found = [finding for finding in report.errors if not check or finding.check == check]
    return found[0].message if found else _first_error(report) if check else "no reason given"


KEEP_ANYWAY = 'or use --unverified to keep it, labelled "recipient not confirmed"'


def _recipient_refusal(
    retrieved: Retrieved, result: RecipientResult, recipient: RecipientProfile | None
) -> str:
    if result.result == NOT_CHECKED:
        return (
            "not imported: the recipient is not confirmed: give the earner's address with "
            "--email ADDRESS (repeatable; it is only compared, never saved), "
            f"{KEEP_ANYWAY}"
        )
    hint = near_miss(retrieved.assertion.mapping, recipient)
    return f"not imported: {result.message}{hint}; {KEEP_ANYWAY}"


def _confirmation(
    retrieved: Retrieved, result: RecipientResult, moment: dt.datetime, key: str
) -> dict[str, str]:
    """What the snapshot keeps of the recipient check: its result, when, and how the
    assertion names its recipient; never an identifier that was given. The fingerprint,
    salted by the snapshot's key, lets a refresh see whether the recipient changed."""
    return {
        "result": result.result,
        "checked": utc_timestamp(moment),
        "type": result.type,
        "hash": result.hash,
        "fingerprint": recipient_fingerprint(retrieved.assertion.mapping, key),
    }


def _save(
    path: Path,
    key: str,
    earner: str,
    source: str,
    retrieved: Retrieved,
    report: VerificationReport,
    status: str,
    recipient: dict[str, str],
    unchecked: dict[str, str] | None = None,
) -> None:
    image_entry = None
    if retrieved.badge_image is not None:
        image_entry = _save_image(path.parent, key, retrieved.badge_image)
    snapshot = {
        "format": FORMAT,
        "earner": earner,
        "source": source,
        "retrieved": utc_timestamp(retrieved.retrieved_at),
        "verified": utc_timestamp(report.checked_at),
        "status": status,
        "problems": [finding.message for finding in report.errors],
        "recipient": recipient,
        "assertion": _document(retrieved.assertion, False, without_plain_identity),
        "badge": _document(retrieved.badge, retrieved.badge_embedded),
        "issuer": _document(retrieved.issuer, retrieved.issuer_embedded),
        "revocationList": _document(retrieved.revocation_list, False),
        "image": image_entry,
    }
    if unchecked is not None:
        snapshot["unchecked"] = unchecked
    write_snapshot(path, snapshot)


def _document(
    document: RetrievedDocument | None, embedded: bool, kept: Callable[[Any], Any] = lambda x: x
) -> dict[str, Any] | None:
    if document is None:
        return None
    return {"url": document.url, "embedded": embedded, "json": kept(document.json)}


def _save_image(folder: Path, key: str, image: RetrievedImage) -> dict[str, str]:
    """Check the bytes like our own images before they are kept; raise ImportProblem if not."""
    image_folder = folder / key
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        candidate = Path(scratch) / "badge"
        candidate.write_bytes(image.data)
        try:
            checked = inspect_image(candidate, IMAGE_FORMATS, min_side=1)
        except ImageProblem as problem:
            raise ImportProblem(f"not imported: the badge image is refused: {problem}") from None
        image_folder.mkdir(exist_ok=True)
        target = image_folder / f"badge.{checked.extension}"
        for old in image_folder.glob("badge.*"):
            old.unlink()
        candidate.replace(target)
    url = image.url if image.url.startswith(("http://", "https://")) else ""
    return {"url": url, "file": f"{key}/{target.name}"}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = parse_json(read_local(path, MAX_SNAPSHOT_BYTES), str(path))
    except FetchProblem:
        return {}
    return data if isinstance(data, dict) else {}


def refresh_all(
    site_dir: Path, fetcher: Fetcher, now: dt.datetime | None = None
) -> tuple[RefreshResult, ...]:
    """Re-fetch every snapshot; rewrite those still retrievable, mark the others gone."""
    from badgesite.importing.credential_import import is_credential_snapshot, refresh_credential

    results = []
    for path in sorted(imported_dir(site_dir).glob("*.json")):
        refresh = refresh_credential if is_credential_snapshot(path) else _refresh
        results.append(refresh(path, fetcher, now))
    return tuple(results)


def _refresh(path: Path, fetcher: Fetcher, now: dt.datetime | None) -> RefreshResult:
    key = path.stem
    snapshot = _read_json(path)
    before = str(snapshot.get("status", "unknown"))
    kept = _kept_confirmation(snapshot)
    assertion = snapshot.get("assertion") if isinstance(snapshot.get("assertion"), dict) else {}
    url = assertion.get("url") if isinstance(assertion.get("url"), str) else ""
    unchecked = isinstance(snapshot.get("unchecked"), dict)
    if not url and unchecked and isinstance(assertion.get("json"), dict):
        url = link(hosted_url(assertion["json"]))  # a kept copy: does its host answer now?
    if not url:
        return RefreshResult(key, before, before, "no verification URL to re-fetch", kept)
    moment = now or dt.datetime.now(dt.timezone.utc)
    try:
        retrieved = retrieve(url, fetcher, now)
    except FetchProblem as problem:
        if unchecked:  # still only the copy: when and why, again
            why = str(problem)[:MAX_UNCHECKED_WHY]
            snapshot["unchecked"] = {"at": utc_timestamp(moment), "why": why}
        else:
            snapshot["status"] = "gone"
            snapshot["verified"] = utc_timestamp(moment)
            snapshot["problems"] = [str(problem)]
        write_snapshot(path, snapshot)
        return RefreshResult(key, before, snapshot["status"], str(problem), kept)
    report = verify(retrieved, now)
    after = report.status
    if retrieved.gone:  # withdrawn: the documents kept are the last ones it published
        snapshot.update(status=after, verified=utc_timestamp(moment))
        snapshot["problems"] = [finding.message for finding in report.errors]
        write_snapshot(path, snapshot)
        return RefreshResult(key, before, after, _first_error(report), kept)
    if after == "invalid" and before == "unverified":
        after = "unverified"
    earner = str(snapshot.get("earner", ""))
    confirmation = _refreshed_confirmation(snapshot, retrieved, report.checked_at, key)
    lost = kept == MATCHED and confirmation["result"] != MATCHED
    source = str(snapshot.get("source", url))
    try:
        _save(path, key, earner, source, retrieved, report, after, confirmation)
    except ImportProblem as problem:
        return RefreshResult(key, before, before, f"kept the old snapshot: {problem}", kept)
    detail = _first_error(report) if report.errors else "verified"
    if lost:
        detail += (
            "; the assertion names another recipient now: import it again with --email "
            "to confirm it"
        )
    return RefreshResult(key, before, after, detail, confirmation["result"], lost)


def write_snapshot(path: Path, snapshot: dict[str, Any]) -> None:
    """A snapshot as its file holds it: indented JSON, written atomically."""
    write_atomic(path, (json.dumps(snapshot, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _kept_confirmation(snapshot: dict[str, Any]) -> str:
    recipient = snapshot.get("recipient")
    result = recipient.get("result") if isinstance(recipient, dict) else None
    return result if result in (MATCHED, NOT_MATCHED) else NOT_CHECKED


def _refreshed_confirmation(
    snapshot: dict[str, Any], retrieved: Retrieved, moment: dt.datetime, key: str
) -> dict[str, str]:
    """The snapshot's recipient confirmation, kept while the assertion names the same
    recipient; `not checked` from now on when it names another, or was never checked."""
    recipient = snapshot.get("recipient")
    fingerprint = recipient_fingerprint(retrieved.assertion.mapping, key)
    if isinstance(recipient, dict) and recipient.get("fingerprint") == fingerprint:
        return {**recipient, "result": _kept_confirmation(snapshot)}
    unchecked = check_recipient(retrieved.assertion.mapping, None)
    return _confirmation(retrieved, unchecked, moment, key)
