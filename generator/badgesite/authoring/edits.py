"""Award, revoke, accept and withdraw: edits of content/ that never leave the site broken."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from badgesite.authoring.guarded import (
    MAX_NARRATIVE_CHARACTERS,
    MAX_REASON_CHARACTERS,
    AuthoringError,
    SameDayAwards,
    apply_changes,
    award_url,
    check_dates,
    check_email,
    check_free_text,
    check_slug,
    current_site,
    duplicate_message,
    free_name,
    today_in,
)
from badgesite.authoring.keys import salt_key
from badgesite.authoring.listing import describe, resolve_id
from badgesite.authoring.yamledit import EditProblem, set_key
from badgesite.authoring.yamltext import dump_yaml
from badgesite.build import load_site
from badgesite.errors import BadgesiteError, did_you_mean
from badgesite.guards import credentials, published
from badgesite.model import Award, Site
from badgesite.openbadges.hashing import SaltKey, hash_identity, recipient_salt
from badgesite.primitives.atomic import write_atomic
from badgesite.schema.fields import is_http_url


@dataclass(frozen=True)
class AwardRequest:
    """One award to issue. The email address lives here only, never in a file."""

    badge: str
    earner: str
    email: str
    issued_on: dt.date | None = None
    expires: dt.date | None = None
    evidence: tuple[str, ...] = ()
    narrative: str = ""


@dataclass(frozen=True)
class Issued:
    """An award that was written: its id, its URL, and whether that URL is published."""

    award_id: str
    url: str
    is_published: bool
    file: str
    warnings: tuple[str, ...] = ()
    draft: bool = False  # of a draft badge class: not published (nor recorded) yet


def unpublished_note(issued: Issued) -> str:
    """Why an award just written is not published, for the line that shows its URL."""
    if issued.is_published:
        return ""
    return (
        "   (draft badge class: not published)"
        if issued.draft
        else "   (private earner: not published)"
    )


def new_award_id(site: Site, taken: set[str]) -> str:
    while True:
        award_id = str(uuid.uuid4())
        if award_id not in site.awards and award_id not in taken:
            return award_id


def award_record(
    award_id: str, request: AwardRequest, issued_on: dt.date, salt_key: SaltKey | None
) -> dict[str, Any]:
    """The award as YAML data: the address appears only as its salted hash, the salt derived
    from it with the site's key (`keys.salt_key`; random without one)."""
    salt = recipient_salt(salt_key, request.email)
    record: dict[str, Any] = {
        "id": award_id,
        "badge": request.badge,
        "earner": request.earner,
        "recipient": {"identity": hash_identity(request.email, salt), "salt": salt},
        "issued_on": issued_on,
    }
    if request.expires is not None:
        record["expires"] = request.expires
    if request.narrative.strip():
        record["narrative"] = request.narrative.strip()
    if request.evidence:
        record["evidence"] = [{"url": url} for url in request.evidence]
    return record


def check_request(site: Site, request: AwardRequest) -> None:
    check_slug(request.badge, "badge slug")
    check_slug(request.earner, "earner slug")
    if request.badge not in site.badges:
        raise AuthoringError(
            f"no badge '{request.badge}' in content/badges/"
            f"{did_you_mean(request.badge, sorted(site.badges))}"
        )
    if request.earner not in site.earners:
        raise AuthoringError(
            f"no earner '{request.earner}' in content/earners/"
            f"{did_you_mean(request.earner, sorted(site.earners))}: create "
            f"content/earners/{request.earner}.yaml (a `name:` line is enough), or issue with "
            "--from-csv, which creates earners"
        )
    for url in request.evidence:
        if not is_http_url(url):
            raise AuthoringError(f"--evidence '{url}' is not an absolute http(s) URL")
    check_free_text(request.narrative, "--narrative", MAX_NARRATIVE_CHARACTERS)


def award(
    site_dir: Path,
    request: AwardRequest,
    today: dt.date | None = None,
    allow_duplicates: bool = False,
) -> Issued:
    """Write one new award to its own file, hashing the address; validate before writing."""
    site = current_site(site_dir)
    check_request(site, request)
    email = check_email(request.email)
    today = today or today_in(site)
    issued_on = request.issued_on or today
    refused, noted = check_dates(issued_on, request.expires, today)
    if refused is not None:
        raise AuthoringError(refused.as_option())
    earlier = [] if allow_duplicates else SameDayAwards(site).of(email, request.badge, issued_on)
    if earlier:
        raise AuthoringError(duplicate_message(request.badge, issued_on, earlier[0]))
    warnings = tuple(warning.as_option() for warning in noted)
    award_id = new_award_id(site, set())
    record = award_record(award_id, _with_email(request, email), issued_on, salt_key(site_dir))
    awards_dir = site_dir / "content" / "awards"
    name = free_name(awards_dir, f"{issued_on.isoformat()}-{request.earner}-{request.badge}")
    relative = f"content/awards/{name}"
    header = f"# Issued with `badgesite award` on {today.isoformat()}.\n"
    changes = {relative: header + dump_yaml(record)}
    draft = site.badges[request.badge].draft
    is_published = site.earners[request.earner].is_published and not draft
    if is_published:
        changes[f"content/{published.PUBLISHED_FILE}"] = published.updated_record_text(
            site_dir, [award_id]
        )
        changes[f"content/{credentials.STATUS_FILE}"] = credentials.updated_status_text(
            site_dir, [award_id]
        )
    apply_changes(site_dir, changes)
    return Issued(
        award_id, award_url(site, award_id), is_published, relative, warnings, draft=draft
    )


def _with_email(request: AwardRequest, email: str) -> AwardRequest:
    return AwardRequest(
        request.badge,
        request.earner,
        email,
        request.issued_on,
        request.expires,
        request.evidence,
        request.narrative,
    )


def find_existing(site: Site, award_id: str) -> Award:
    """The award that award_id names: its whole id, or an unambiguous beginning of it."""
    check_slug(award_id.strip().lower(), "award id")
    resolved = resolve_id(
        award_id, site.awards, {key: describe(a) for key, a in site.awards.items()}
    )
    return site.awards[resolved]


def _edit(site_dir: Path, found: Award, key: str, value: object) -> str:
    """Set key to value in the award's own file, changing nothing else in it."""
    path = site_dir / found.source
    # Bytes decoded as they are: read_text would turn a CRLF file's line ends into LF.
    text = path.read_bytes().decode("utf-8")
    try:
        changed = set_key(text, found.id, key, value)
    except EditProblem as problem:
        raise AuthoringError(f"{found.source}: {problem}") from None
    apply_changes(site_dir, {found.source: changed})
    return found.source


@dataclass(frozen=True)
class Edited:
    """An award changed in place: its whole id, the file edited and the award's URL."""

    award_id: str
    file: str
    url: str


def revoke(
    site_dir: Path,
    award_id: str,
    reason: str,
    date: dt.date | None = None,
    today: dt.date | None = None,
) -> Edited:
    """Mark an award revoked in its own file, on date (today by default).

    A date in the future is refused: the award is shown revoked from the next build on,
    whatever the record says, so a future date would state something that is not so.
    """
    site = current_site(site_dir)
    found = find_existing(site, award_id)
    if not reason.strip():
        raise AuthoringError("a revocation needs a --reason: verifiers are shown it")
    reason = check_free_text(" ".join(reason.split()), "--reason", MAX_REASON_CHARACTERS)
    if found.revocation is not None:
        when = f" on {found.revocation.date.date().isoformat()}" if found.revocation.date else ""
        raise AuthoringError(
            f"award '{found.id}' is already revoked{when} ({found.source}): "
            f"{found.revocation.reason}"
        )
    today = today or today_in(site)
    date = date or today
    issued_on = found.issued_on.astimezone(site.config.zone).date()
    if date < issued_on:
        raise AuthoringError(
            f"--date {date.isoformat()} is before the award was issued "
            f"({issued_on.isoformat()}): an award can only be revoked after it is issued"
        )
    if date > today:
        raise AuthoringError(
            f"--date {date.isoformat()} is in the future (today is {today.isoformat()}): a "
            "revocation takes effect at the next build, so it is dated today or earlier"
        )
    revocation = {"date": date, "reason": reason}
    source = _edit(site_dir, found, "revoked", revocation)
    return Edited(found.id, source, award_url(site, found.id))


def accept(site_dir: Path, award_id: str) -> Edited:
    """Mark an award accepted by its earner."""
    site = current_site(site_dir)
    found = find_existing(site, award_id)
    if found.accepted:
        raise AuthoringError(f"award '{found.id}' is already accepted ({found.source})")
    source = _edit(site_dir, found, "accepted", True)
    return Edited(found.id, source, award_url(site, found.id))


@dataclass(frozen=True)
class Withdrawn:
    """A withdrawal recorded: the whole id, the file written, and what the user does next."""

    award_id: str
    file: str
    next_step: str


def withdraw(site_dir: Path, award_id: str, reason: str, date: dt.date | None = None) -> Withdrawn:
    """Record that a published award is withdrawn on purpose.

    The site may be broken at this point (a published award whose record was deleted
    fails every build until it is withdrawn), so the id is looked up among the published
    ids, and the site's records are consulted only to say what is left to do.
    """
    check_slug(award_id.strip().lower(), "award id")
    if not reason.strip():
        raise AuthoringError("a withdrawal needs a --reason, kept in the record")
    check_free_text(" ".join(reason.split()), "--reason", MAX_REASON_CHARACTERS)
    record = published.read_record(site_dir)
    site = _site_if_valid(site_dir)
    known = set(record.published) | set(site.awards if site else ())
    described = {key: describe(value) for key, value in (site.awards if site else {}).items()}
    resolved = resolve_id(
        award_id, known, described, where=f"content/{published.PUBLISHED_FILE} or content/awards/"
    )
    if resolved not in record.published:
        raise AuthoringError(
            f"'{resolved}' is not in content/{published.PUBLISHED_FILE}: it was never "
            "published, so its record can simply be deleted"
        )
    if resolved in record.withdrawn_ids:
        raise AuthoringError(f"'{resolved}' is already withdrawn")
    path = published.withdrawn_path(site_dir)
    text = path.read_text(encoding="utf-8") if path.exists() else published.WITHDRAWN_HEADER
    if text and not text.endswith("\n"):
        text += "\n"
    text += published.withdrawal_line(resolved, date or dt.date.today(), reason)
    write_atomic(path, text.encode("utf-8"))
    return Withdrawn(resolved, f"content/{published.WITHDRAWN_FILE}", _next_step(site, resolved))


def _site_if_valid(site_dir: Path) -> Site | None:
    try:
        return load_site(site_dir)
    except BadgesiteError:
        return None


def _next_step(site: Site | None, award_id: str) -> str:
    """What is left to do after a withdrawal, as the site stands."""
    if site is None:
        return (
            "If its record is still in content/awards/, delete it (or make its earner "
            "private); then build."
        )
    found = site.awards.get(award_id)
    if found is None:
        return "Its record is already gone: the next build no longer publishes it."
    if not found.is_published:
        return (
            f"Its earner '{found.earner.slug}' is private, so the next build no longer "
            "publishes it."
        )
    return f"Now delete its record from {found.source} (or make its earner private) and build."
