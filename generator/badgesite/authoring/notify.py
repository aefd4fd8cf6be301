"""`badgesite notify`: the awards of the people of a CSV found by their salted hashes, the
notices they are due, every problem reported before anything is sent, then the batch."""

from __future__ import annotations

import datetime as dt
import os
import ssl
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from badgesite.authoring.guarded import current_site
from badgesite.authoring.keys import salt_keys
from badgesite.authoring.notified import (
    AWARDED,
    EXPIRED,
    MAX_WINDOW_DAYS,
    NOTIFIED_FILE,
    NotifiedLog,
    NotifiedRecord,
    expiring,
    read_notified,
)
from badgesite.authoring.notify_messages import MessageMaker, Notice
from badgesite.authoring.notify_send import (
    DEFAULT_PER_MINUTE,
    Clock,
    DryRunTransport,
    Failed,
    Outcome,
    RateLimit,
    SmtpTransport,
    Transport,
    send_all,
)
from badgesite.authoring.sheet import read_sheet
from badgesite.errors import WARNING, ContentError, ContentErrors, Finding, did_you_mean
from badgesite.model import Award, Site
from badgesite.openbadges.hashing import SaltKey, salted_matches
from badgesite.primitives.slugs import slugify
from badgesite.report import counted
from badgesite.schema.fields import EMAIL_PATTERN
from badgesite.schema.site import SMTP_PASSWORD_VARIABLE, SmtpSettings
from badgesite.templating.themes import resolve_theme_chain, setting_line

NOTIFY_COLUMNS = ("email",)  # name, earner and badge narrow the match; the rest is ignored


@dataclass(frozen=True)
class NotifyRequest:
    """What to send: the first notice of each award (neither reminder asked), reminders
    of awards expiring within `expiring_within` days, last notices of expired awards."""

    expiring_within: int | None = None
    expired: bool = False
    dry_run: Path | None = None
    limit: int | None = None
    per_minute: int = DEFAULT_PER_MINUTE

    @property
    def kinds(self) -> tuple[str, ...]:
        kinds = []
        if self.expiring_within is not None:
            kinds.append(expiring(self.expiring_within))
        if self.expired:
            kinds.append(EXPIRED)
        return tuple(kinds) or (AWARDED,)


@dataclass(frozen=True)
class NotifyResult:
    """What a run did, and what it left: the batch's outcome, the notices due but held
    back by --limit, those sent before, the rows that matched no award (warnings)."""

    outcome: Outcome
    due: int
    held_back: int
    already_sent: int
    not_published: int
    warnings: tuple[Finding, ...]
    shown: str  # the CSV's name, for the lines of refused rows
    dry_run: Path | None = None

    @property
    def refused_lines(self) -> tuple[str, ...]:
        return tuple(_failed_line(self.shown, failed) for failed in self.outcome.refused)


def _failed_line(shown: str, failed: Failed) -> str:
    where = f"{shown}:{failed.notice.row}: email" if failed.notice.row else "--email"
    return f"{where}: {failed.reason}: not sent (award {failed.notice.award_id})"


@dataclass(frozen=True)
class _Row:
    """A row of the sheet: its number, the address, and the awards it may match."""

    number: int
    address: str = field(repr=False)
    candidates: tuple[Award, ...] | None  # None: every award of the site


def sending_problems(
    site: Site,
    dry_run: Path | None = None,
    environ: Mapping[str, str] | None = None,
    per_minute: int = DEFAULT_PER_MINUTE,
) -> list[ContentError]:
    """Why nothing can be sent (or written, for a dry run), one line each."""
    environ = os.environ if environ is None else environ
    config = site.config
    problems = []
    if config.smtp is None:
        problems.append(
            ContentError(
                config.source,
                0,
                "smtp",
                "not set: add an smtp block (host, from; port, security, username) to send "
                "email (README: Notifying earners)",
            )
        )
    elif dry_run is None:
        password = environ.get(SMTP_PASSWORD_VARIABLE, "")
        if config.smtp.username and not password:
            problems.append(
                ContentError(
                    SMTP_PASSWORD_VARIABLE,
                    0,
                    "",
                    f"not set: smtp.username in {config.source} logs in with it (a CI secret, "
                    "or exported in the shell; never a file of the site)",
                )
            )
        elif password and not config.smtp.username:
            problems.append(
                ContentError(
                    config.source,
                    setting_line(site.root, "smtp"),
                    "smtp.username",
                    f"not set, but {SMTP_PASSWORD_VARIABLE} is: name the login the password "
                    "belongs to",
                )
            )
    if dry_run is not None and _inside(dry_run, site.root):
        problems.append(
            ContentError(
                "--dry-run",
                0,
                "",
                f"{dry_run} is inside the site: the messages hold the addresses, which must "
                "never enter the site; write them outside it",
            )
        )
    if per_minute < 1:
        problems.append(ContentError("--per-minute", 0, "", "must be at least 1"))
    return problems


def _inside(folder: Path, site_dir: Path) -> bool:
    return folder.resolve().is_relative_to(site_dir.resolve())


def _request_problems(request: NotifyRequest) -> list[ContentError]:
    problems = []
    days = request.expiring_within
    if days is not None and not 1 <= days <= MAX_WINDOW_DAYS:
        problems.append(
            ContentError("--expiring-within", 0, "", f"must be from 1 to {MAX_WINDOW_DAYS} days")
        )
    if request.limit is not None and request.limit < 1:
        problems.append(ContentError("--limit", 0, "", "must be at least 1"))
    return problems


class _Rows:
    """Checks every row of the sheet against the site: its address, and the earner and
    badge that narrow it, every problem with its row number."""

    def __init__(self, site: Site, shown: str) -> None:
        self.site = site
        self.shown = shown
        self.errors: list[ContentError] = []
        self.by_name: dict[str, list[str]] = {}
        for slug, earner in site.earners.items():
            self.by_name.setdefault(earner.name.casefold(), []).append(slug)

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(ContentError(self.shown, row, column, message))

    def earners(self, number: int, values: Mapping[str, str]) -> list[str] | None:
        """The earner slugs a row names (by `earner`, else by `name`), None for any."""
        slug, name = values.get("earner", ""), values.get("name", "")
        if slug:
            if slug not in self.site.earners:
                hint = did_you_mean(slug, sorted(self.site.earners))
                self.error(number, "earner", f"no earner '{slug}' in content/earners/{hint}")
            return [slug]
        if not name:
            return None
        found = list(self.by_name.get(name.casefold(), []))
        made = slugify(name)
        if made in self.site.earners and made not in found:
            found.append(made)
        if not found:
            self.error(
                number,
                "name",
                f"no earner is named '{name}' (give an 'earner' column, or leave the name "
                "empty to match by the address alone)",
            )
        return found

    def row(self, number: int, values: Mapping[str, str], refused: Collection[str]) -> _Row | None:
        before = len(self.errors)
        address = values.get("email", "").strip().lower()
        if not address and "email" not in refused:
            self.error(number, "email", "must not be empty")
        elif address and not EMAIL_PATTERN.match(address):
            self.error(number, "email", "not an email address")
        badge = values.get("badge", "")
        if badge and badge not in self.site.badges:
            hint = did_you_mean(badge, sorted(self.site.badges))
            self.error(number, "badge", f"no badge '{badge}' in content/badges/{hint}")
        slugs = self.earners(number, values)
        if len(self.errors) > before or refused:
            return None
        if slugs is None and not badge:
            return _Row(number, address, None)
        pool = (
            [award for slug in slugs for award in self.site.awards_by_earner.get(slug, ())]
            if slugs is not None
            else list(self.site.awards.values())
        )
        return _Row(
            number,
            address,
            tuple(award for award in pool if not badge or award.badge.slug == badge),
        )


def _matches(site: Site, rows: Sequence[_Row], keys: Sequence[SaltKey]) -> list[list[Award]]:
    """The awards of each row: rows narrowed by earner or badge are hashed against their
    few candidates, the others together against every award of the site. Awards salted by
    one of `keys` are looked up (one hash per address and key), the others are matched
    salt by salt."""
    matched: list[list[Award]] = [[] for _ in rows]
    everyone = [position for position, row in enumerate(rows) if row.candidates is None]
    email_awards = [award for award in site.awards.values() if award.recipient.type == "email"]
    if everyone:
        entries = [(award.recipient.identity, award.recipient.salt) for award in email_awards]
        found = salted_matches([rows[position].address for position in everyone], entries, keys)
        for position, indices in zip(everyone, found, strict=True):
            matched[position] = [email_awards[index] for index in indices]
    for position, row in enumerate(rows):
        if row.candidates is None:
            continue
        candidates = [award for award in row.candidates if award.recipient.type == "email"]
        entries = [(award.recipient.identity, award.recipient.salt) for award in candidates]
        matched[position] = [
            candidates[index] for index in salted_matches([row.address], entries, keys)[0]
        ]
    return matched


def is_due(award: Award, kind: str, now: dt.datetime) -> bool:
    """Whether an award is due a notice of this kind now (a published, unrevoked one)."""
    if kind == AWARDED:
        return True
    if award.expires is None:
        return False
    if kind == EXPIRED:
        return award.expires <= now
    days = int(kind.rsplit("-", 1)[1])
    return now < award.expires <= now + dt.timedelta(days=days)


def _notifiable(award: Award) -> bool:
    return award.revocation is None and award.is_published and not award.is_draft


@dataclass
class _Plan:
    notices: list[Notice] = field(default_factory=list)
    already_sent: int = 0
    not_published: int = 0


def _plan(
    pairs: Sequence[tuple[Award, str, int]],
    kinds: Sequence[str],
    record: NotifiedRecord,
    now: dt.datetime,
    only: Collection[str] | None = None,
) -> _Plan:
    """The notices due, each (award, kind) once, in the order of the rows."""
    plan = _Plan()
    planned: set[tuple[str, str]] = set()
    for award, address, row in pairs:
        if only is not None and award.id not in only:
            continue
        if not _notifiable(award):
            plan.not_published += 1
            continue
        for kind in kinds:
            key = (award.id, kind)
            if key in planned or not is_due(award, kind, now):
                continue
            planned.add(key)
            if record.has(award.id, kind):
                plan.already_sent += 1
                continue
            plan.notices.append(Notice(award.id, kind, address, row))
    return plan


def notify_from_csv(
    site_dir: Path,
    csv_path: Path,
    request: NotifyRequest,
    now: dt.datetime | None = None,
    environ: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
    clock: Clock | None = None,
    only: Collection[str] | None = None,
) -> NotifyResult:
    """Send each person of the CSV the notices due for their awards (only: of these award
    ids), or with a dry run write them as .eml files; every problem of the sheet, the
    settings and the request is reported (ContentErrors) before anything is sent."""
    site = current_site(site_dir)
    now = now or dt.datetime.now(dt.timezone.utc)
    shown = csv_path.name
    errors = [
        *_request_problems(request),
        *sending_problems(site, request.dry_run, environ, request.per_minute),
    ]
    record = _read_record(site_dir, errors)
    sheet = read_sheet(csv_path, required=NOTIFY_COLUMNS)
    errors.extend(sheet.problems)
    checker = _Rows(site, shown)
    rows = []
    if "email" in sheet.header:
        for sheet_row in sheet.rows:
            checked = checker.row(sheet_row.number, sheet_row.values, sheet_row.refused)
            if checked is not None:
                rows.append(checked)
    errors.extend(checker.errors)
    if errors:
        raise ContentErrors(errors)
    matched = _matches(site, rows, salt_keys(site_dir, environ))
    warnings = tuple(
        Finding(
            WARNING,
            ContentError(shown, row.number, "email", "matches no award of the site: nothing sent"),
        )
        for row, awards in zip(rows, matched, strict=True)
        if not awards
    )
    pairs = [
        (award, row.address, row.number)
        for row, awards in zip(rows, matched, strict=True)
        for award in awards
    ]
    plan = _plan(pairs, request.kinds, record, now, only)
    return _deliver(site, plan, request, now, environ, ssl_context, clock, warnings, shown)


def notify_awards(
    site_dir: Path,
    addressed: Sequence[tuple[str, str]],
    request: NotifyRequest,
    now: dt.datetime | None = None,
    environ: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
    clock: Clock | None = None,
) -> NotifyResult:
    """Send the first notice of awards just issued, whose addresses are in hand:
    (award id, address) pairs."""
    site = current_site(site_dir)
    now = now or dt.datetime.now(dt.timezone.utc)
    errors = sending_problems(site, request.dry_run, environ, request.per_minute)
    record = _read_record(site_dir, errors)
    if errors:
        raise ContentErrors(errors)
    pairs = [(site.awards[award_id], address, 0) for award_id, address in addressed]
    plan = _plan(pairs, (AWARDED,), record, now)
    return _deliver(site, plan, request, now, environ, ssl_context, clock, (), "--email")


def _read_record(site_dir: Path, errors: list[ContentError]) -> NotifiedRecord:
    try:
        return read_notified(site_dir)
    except ContentErrors as failure:
        errors.extend(failure.errors)
        return NotifiedRecord(frozenset(), False)


def _deliver(
    site: Site,
    plan: _Plan,
    request: NotifyRequest,
    now: dt.datetime,
    environ: Mapping[str, str] | None,
    ssl_context: ssl.SSLContext | None,
    clock: Clock | None,
    warnings: tuple[Finding, ...],
    shown: str,
) -> NotifyResult:
    """Make the messages and send them (or write them, for a dry run)."""
    settings = site.config.smtp
    assert settings is not None  # sending_problems said so otherwise
    environ = os.environ if environ is None else environ
    notices = plan.notices
    held_back = 0
    if request.limit is not None and len(notices) > request.limit:
        held_back = len(notices) - request.limit
        notices = notices[: request.limit]
    outcome = Outcome((), ())
    if notices:
        theme = resolve_theme_chain(site.config.theme, site.root)
        maker = MessageMaker(site, theme, settings, now)
        maker.make(notices[0])  # a template in error stops the run before it connects
        transport = _transport(settings, request, environ, ssl_context)
        log = None if request.dry_run is not None else NotifiedLog(site.root)
        rate = None if request.dry_run is not None else RateLimit(request.per_minute, clock)
        today = now.astimezone(site.config.zone).date()
        outcome = send_all(notices, maker.make, transport, log, today, rate)
    return NotifyResult(
        outcome,
        len(plan.notices),
        held_back,
        plan.already_sent,
        plan.not_published,
        warnings,
        shown,
        request.dry_run,
    )


def _transport(
    settings: SmtpSettings,
    request: NotifyRequest,
    environ: Mapping[str, str],
    ssl_context: ssl.SSLContext | None,
) -> Transport:
    if request.dry_run is not None:
        return DryRunTransport(request.dry_run)
    return SmtpTransport(settings, environ.get(SMTP_PASSWORD_VARIABLE, ""), ssl_context)


def summary(result: NotifyResult) -> list[str]:
    """The lines that say what a run did and what is left to do."""
    outcome = result.outcome
    sent = len(outcome.sent)
    lines = []
    if result.dry_run is not None:
        lines.append(
            f"Wrote {counted(sent, 'message')} to {result.dry_run} as .eml files "
            "(nothing sent, nothing recorded)."
        )
    elif sent:
        lines.append(
            f"Sent {counted(sent, 'email')}, recorded in content/{NOTIFIED_FILE}: commit it."
        )
    else:
        lines.append("Sent no email.")
    if result.already_sent:
        lines.append(f"Skipped {counted(result.already_sent, 'notice')} sent before.")
    if result.not_published:
        lines.append(
            f"Skipped {counted(result.not_published, 'award')} revoked, draft or of a private "
            "earner."
        )
    if result.held_back:
        lines.append(
            f"Held back {counted(result.held_back, 'notice')} by --limit: run again to send them."
        )
    return lines
