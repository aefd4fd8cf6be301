"""The commands that edit a site's records: new, award, revoke, accept, withdraw, list, notify."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from badgesite.cli.common import pinned_now, report_errors, report_warnings, site_option
from badgesite.errors import BadgesiteError, ContentErrors
from badgesite.report import counted
from badgesite.urls import PLACEHOLDER_BASE_URL

if TYPE_CHECKING:
    from badgesite.authoring.notify import NotifyResult


def _date_option(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)", param_hint=name) from None


def _today() -> dt.date | None:
    """The date new records carry: today, unless SOURCE_DATE_EPOCH pins the moment."""
    moment = pinned_now()
    return moment.date() if moment else None


def _authoring_failed(error: BadgesiteError) -> None:
    """Content errors as every command reports them (report_errors), else one error line."""
    if isinstance(error, ContentErrors):
        report_errors(error, consequence="; nothing was written")
    else:
        click.echo(f"error: {error}", err=True)
        click.echo("Nothing was written.", err=True)
    sys.exit(1)


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--title", default="My Badges", show_default=True, help="The site's title.")
@click.option(
    "--base-url",
    default=PLACEHOLDER_BASE_URL,
    show_default=True,
    help="Where the site will be published (https://OWNER.github.io/REPO/ on GitHub Pages).",
)
@click.option(
    "--badgesite-requirement",
    "requirement",
    default=None,
    help="The requirements.txt line deploys install badgesite with [default: this badgesite, "
    "as it was installed].",
)
def new(directory: Path, title: str, base_url: str, requirement: str | None) -> None:
    """Create a new site in DIRECTORY that builds at once."""
    from badgesite.authoring.install_source import checked_override
    from badgesite.authoring.scaffold import new_site

    try:
        chosen = checked_override(requirement) if requirement is not None else None
        created = new_site(
            directory, title=title, base_url=base_url, today=_today(), requirement=chosen
        )
    except BadgesiteError as error:
        _authoring_failed(error)
    if created.requirement.warning:
        click.echo(f"warning: {created.requirement.warning}", err=True)
    click.echo(f"Created a site in {created.root} ({counted(len(created.files), 'file')}).")
    click.echo(
        f"Its signing key is {created.key_file} (never commit it): "
        "before the first deploy, give it to CI as the secret BADGESITE_SIGNING_KEY "
        "(`badgesite keys export-secret` prints it; README.md says how)."
    )
    if created.key_warning:
        click.echo(f"warning: {created.key_warning}", err=True)
    click.echo(f"Next: cd {created.root} && badgesite build   (then read README.md)")


@click.command()
@click.argument("badge", required=False)
@site_option
@click.option("--earner", help="The earner's slug (content/earners/SLUG.yaml).")
@click.option("--email", help="The recipient's address: only its salted hash is stored.")
@click.option("--issued-on", help="Date of the award, YYYY-MM-DD [default: today].")
@click.option("--expires", help="Expiry date, YYYY-MM-DD.")
@click.option("--evidence", multiple=True, help="URL of evidence (repeatable).")
@click.option("--narrative", default="", help="How the earner met the criteria (markdown).")
@click.option(
    "--from-csv",
    "csv_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Issue one award per row: name, email, badge [, earner, evidence, issued_on, expires, "
    "narrative, visibility].",
)
@click.option(
    "--allow-duplicates",
    is_flag=True,
    help="Issue a badge again to an address that already got it the same day.",
)
@click.option(
    "--notify",
    "send_notice",
    is_flag=True,
    help="Email each earner their award at once, while the address is in hand (smtp "
    "settings in site.yaml, password in BADGESITE_SMTP_PASSWORD).",
)
def award(
    badge: str | None,
    site_dir: Path,
    earner: str | None,
    email: str | None,
    issued_on: str | None,
    expires: str | None,
    evidence: tuple[str, ...],
    narrative: str,
    csv_file: Path | None,
    allow_duplicates: bool,
    send_notice: bool,
) -> None:
    """Issue BADGE to an earner, or a whole CSV file of awards (all or nothing)."""
    from badgesite.authoring.bulk import award_from_csv
    from badgesite.authoring.edits import AwardRequest, unpublished_note
    from badgesite.authoring.edits import award as award_one

    if send_notice:
        _ready_to_send(site_dir)
    if csv_file is not None:
        if badge or earner or email:
            raise click.UsageError("--from-csv takes the badge, earner and email from the file")
        try:
            batch = award_from_csv(
                site_dir, csv_file, today=_today(), allow_duplicates=allow_duplicates
            )
        except BadgesiteError as error:
            _authoring_failed(error)
        for warning in batch.warnings:
            click.echo(str(warning), err=True)
        for created in batch.new_earners:
            click.echo(f"New earner: content/earners/{created}.yaml")
        files = ", ".join(batch.awards_files)
        click.echo(f"Wrote {counted(len(batch.issued), 'award')} to {files}:")
        for issued in batch.issued:
            click.echo(f"{issued.url}{unpublished_note(issued)}")
        if batch.csv_inside_site:
            click.echo(
                f"warning: {csv_file} holds plain email addresses and is inside the site: "
                "move it out of the repository",
                err=True,
            )
        if send_notice:
            from badgesite.authoring.notify import NotifyRequest, notify_from_csv

            ids = {issued.award_id for issued in batch.issued}
            _send(
                lambda: notify_from_csv(
                    site_dir, csv_file, NotifyRequest(), now=pinned_now(), only=ids
                ),
                after_award=True,
            )
        return
    if not (badge and earner and email):
        raise click.UsageError("give BADGE, --earner and --email (or --from-csv FILE)")
    request = AwardRequest(
        badge=badge,
        earner=earner,
        email=email,
        issued_on=_date_option(issued_on, "--issued-on"),
        expires=_date_option(expires, "--expires"),
        evidence=evidence,
        narrative=narrative,
    )
    try:
        issued = award_one(site_dir, request, today=_today(), allow_duplicates=allow_duplicates)
    except BadgesiteError as error:
        _authoring_failed(error)
    for warning in issued.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Wrote {issued.file}")
    click.echo(f"{issued.url}{unpublished_note(issued)}")
    if send_notice:
        from badgesite.authoring.notify import NotifyRequest, notify_awards

        addressed = [(issued.award_id, email.strip().lower())]
        _send(
            lambda: notify_awards(site_dir, addressed, NotifyRequest(), now=pinned_now()),
            after_award=True,
        )


def _ready_to_send(site_dir: Path) -> None:
    """Refuse `award --notify` before anything is written when nothing could be sent."""
    from badgesite.authoring.guarded import current_site
    from badgesite.authoring.notify import sending_problems

    try:
        problems = sending_problems(current_site(site_dir))
        if problems:
            raise ContentErrors(problems)
    except BadgesiteError as error:
        _authoring_failed(error)


def _send(run: Callable[[], NotifyResult], after_award: bool = False) -> None:
    """Run a batch of notices and report it: the refused addresses, what was sent, and
    what stopped it (exit status 1)."""
    from badgesite.authoring.notify import summary

    try:
        result = run()
    except BadgesiteError as error:
        if after_award:
            click.echo("The award is written, but no email was sent:", err=True)
        if isinstance(error, ContentErrors):
            report_errors(error, consequence="; nothing was sent")
        else:
            click.echo(f"error: {error}", err=True)
        sys.exit(1)
    report_warnings(result.warnings)
    for line in result.refused_lines:
        click.echo(line, err=True)
    for line in summary(result):
        click.echo(line)
    stopped = result.outcome.stopped
    if stopped:
        sent = counted(len(result.outcome.sent), "email")
        click.echo(
            f"error: {stopped}: the batch stopped after {sent} (recorded); run the same "
            "command again to send the rest.",
            err=True,
        )
        sys.exit(1)


@click.command()
@click.argument("award_id", metavar="ID")
@click.option("--reason", required=True, help="Why: verifiers are shown it.")
@click.option(
    "--date",
    "revoked_on",
    help="Date of the revocation, YYYY-MM-DD, not before the award's date nor in the future "
    "[default: today].",
)
@site_option
def revoke(award_id: str, reason: str, revoked_on: str | None, site_dir: Path) -> None:
    """Revoke award ID: its page and JSON stay, saying it is revoked and why.

    ID is the award's id or its first characters (at least 4; `badgesite list` shows them).
    """
    from badgesite.authoring.edits import revoke as revoke_award

    try:
        edited = revoke_award(
            site_dir, award_id, reason, _date_option(revoked_on, "--date"), today=_today()
        )
    except BadgesiteError as error:
        _authoring_failed(error)
    click.echo(f"Revoked {edited.award_id} in {edited.file}\n{edited.url}")


@click.command()
@click.argument("award_id", metavar="ID")
@site_option
def accept(award_id: str, site_dir: Path) -> None:
    """Mark award ID accepted by its earner, so their profile shows it.

    ID is the award's id or its first characters (at least 4; `badgesite list` shows them).
    """
    from badgesite.authoring.edits import accept as accept_award

    try:
        edited = accept_award(site_dir, award_id)
    except BadgesiteError as error:
        _authoring_failed(error)
    click.echo(f"Accepted {edited.award_id} in {edited.file}\n{edited.url}")


@click.command()
@click.argument("award_id", metavar="ID")
@click.option("--reason", required=True, help="Why it is withdrawn; kept in the record.")
@site_option
def withdraw(award_id: str, reason: str, site_dir: Path) -> None:
    """Record that published award ID is withdrawn on purpose (its URL will stop working).

    ID is the award's id or its first characters (at least 4).
    """
    from badgesite.authoring.edits import withdraw as withdraw_award

    try:
        withdrawn = withdraw_award(site_dir, award_id, reason, _today())
    except BadgesiteError as error:
        _authoring_failed(error)
    click.echo(
        f"Recorded the withdrawal of {withdrawn.award_id} in {withdrawn.file}. "
        f"{withdrawn.next_step}"
    )


@click.command("list")
@site_option
@click.option("--earner", default=None, help="Only this earner's awards (an earner slug).")
@click.option("--badge", default=None, help="Only awards of this badge (a badge slug).")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    # listing.STATUSES, written out: importing it here would load the model for every command.
    type=click.Choice(["valid", "expired", "revoked", "not-yet-valid", "unaccepted"]),
    help="Only awards with this status now (repeatable: any of them).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the awards as JSON.")
def list_command(
    site_dir: Path,
    earner: str | None,
    badge: str | None,
    statuses: tuple[str, ...],
    as_json: bool,
) -> None:
    """List the site's awards with their ids, oldest first; ID prefixes work in commands."""
    from badgesite.authoring.listing import as_json as listing_json
    from badgesite.authoring.listing import list_awards, table
    from badgesite.build import load_site

    try:
        site = load_site(site_dir)
        rows = list_awards(
            site,
            pinned_now() or dt.datetime.now(dt.timezone.utc),
            earner=earner,
            badge=badge,
            statuses=statuses,
        )
    except ContentErrors as errors:
        report_errors(errors, consequence=" in the content")
        sys.exit(1)
    except BadgesiteError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(listing_json(site, rows), indent=2, ensure_ascii=False))
    elif rows:
        click.echo(table(rows))
    else:
        click.echo("No awards match.", err=True)


@click.command()
@site_option
@click.option(
    "--from-csv",
    "csv_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The people to notify: an email column (name, earner, badge narrow the match; the "
    "other columns of award --from-csv are ignored).",
)
@click.option(
    "--expiring-within",
    "days",
    type=int,
    default=None,
    help="Remind of the awards that expire within DAYS (once per award and window).",
)
@click.option("--expired", is_flag=True, help="Send the last notice of the awards that expired.")
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the messages as .eml files into DIR (outside the site); send nothing.",
)
@click.option("--limit", type=int, default=None, help="Send at most N emails in this run.")
@click.option(
    "--per-minute",
    type=int,
    default=60,
    show_default=True,
    help="Send at most N emails a minute (your provider's limit).",
)
def notify(
    site_dir: Path,
    csv_file: Path,
    days: int | None,
    expired: bool,
    dry_run: Path | None,
    limit: int | None,
    per_minute: int,
) -> None:
    """Email each person of a CSV the awards they have not been told of yet, or reminders.

    Awards are found by hashing each address with the awards' salts: the CSV (kept out of
    the repository) is the only place an address is. What was sent is recorded in
    content/notified.txt (award id, kind, date; never an address): commit it.
    """
    from badgesite.authoring.notify import NotifyRequest, notify_from_csv

    request = NotifyRequest(
        expiring_within=days,
        expired=expired,
        dry_run=dry_run,
        limit=limit,
        per_minute=per_minute,
    )
    _send(lambda: notify_from_csv(site_dir, csv_file, request, now=pinned_now()))


COMMANDS = (new, award, revoke, accept, withdraw, list_command, notify)
