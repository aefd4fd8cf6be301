"""The commands of the standard: import and verify other issuers' badges, bake and unbake."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from badgesite.cli.common import pinned_now, site_option
from badgesite.report import counted

if TYPE_CHECKING:
    from badgesite.openbadges.recipient_check import RecipientProfile

allow_private_hosts_option = click.option(
    "--allow-private-hosts",
    is_flag=True,
    help="Also fetch from loopback, private and link-local addresses (an intranet issuer).",
)


def _http_urls_argument(
    _context: click.Context, _parameter: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    from badgesite.primitives.http_urls import is_http_url

    for value in values:
        if not is_http_url(value):
            raise click.BadParameter(f"'{value}' is not an absolute http(s) URL")
    return values


# The earner's identifiers, for `import` and `verify`: compared, never saved or shown.
email_option = click.option(
    "--email",
    "emails",
    multiple=True,
    metavar="ADDRESS",
    help="An address of the earner's: check the badge was issued to it (repeatable; "
    "compared exactly as given, never saved).",
)
telephone_option = click.option(
    "--telephone",
    "telephones",
    multiple=True,
    metavar="NUMBER",
    help="A telephone number the recipient is identified by (repeatable).",
)
recipient_url_option = click.option(
    "--recipient-url",
    "recipient_urls",
    multiple=True,
    callback=_http_urls_argument,
    metavar="URL",
    help="A URL the recipient is identified by (repeatable).",
)


def _profile(
    emails: tuple[str, ...], telephones: tuple[str, ...], urls: tuple[str, ...]
) -> RecipientProfile:
    from badgesite.openbadges.recipient_check import RecipientProfile

    return RecipientProfile(emails=emails, urls=urls, telephones=telephones)


@click.command("import")
@click.argument("source", required=False)
@click.option("--earner", default=None, help="Slug of the earner the badge belongs to.")
@site_option
@click.option("--refresh", is_flag=True, help="Re-fetch every snapshot and report changes.")
@click.option(
    "--unverified",
    is_flag=True,
    help="Keep a badge that does not verify, or whose recipient is not confirmed, labelled so.",
)
@email_option
@telephone_option
@recipient_url_option
@allow_private_hosts_option
def import_command(
    source: str | None,
    earner: str | None,
    site_dir: Path,
    refresh: bool,
    unverified: bool,
    emails: tuple[str, ...],
    telephones: tuple[str, ...],
    recipient_urls: tuple[str, ...],
    allow_private_hosts: bool,
) -> None:
    """Import a badge from another issuer: a hosted assertion URL, a JSON file or a baked image.

    An Open Badges 3.0 credential (JSON, VC-JWT, baked PNG or SVG, or a URL to any of them)
    is verified by its proof and kept whole in the snapshot.
    """
    from badgesite.importing.snapshot import ImportProblem, import_badge, refresh_all
    from badgesite.openbadges.fetch import Fetcher

    fetcher = Fetcher(allow_private_hosts=allow_private_hosts)
    profile = _profile(emails, telephones, recipient_urls)
    if refresh:
        if source or earner:
            raise click.UsageError("--refresh takes no SOURCE or --earner")
        if profile.given:
            raise click.UsageError(
                "--refresh keeps each badge's recipient confirmation as imported; to check a "
                "recipient, import that badge again with --email"
            )
        results = refresh_all(site_dir, fetcher, now=pinned_now())
        for result in results:
            moved = result.before != result.after
            change = f"{result.before} -> {result.after}" if moved else result.after
            click.echo(f"{result.key}: {change} ({result.detail})")
        changed = sum(result.changed for result in results)
        click.echo(f"Refreshed {counted(len(results), 'imported badge')}; {changed} changed.")
        if results:
            click.echo(
                "Recipients were not checked again (their addresses are not kept): each badge "
                "keeps the confirmation its import made."
            )
        return
    if not source or not earner:
        raise click.UsageError("give a SOURCE and --earner SLUG (or --refresh)")
    try:
        result = import_badge(
            site_dir,
            source,
            earner,
            fetcher,
            now=pinned_now(),
            allow_unverified=unverified,
            recipient=profile,
        )
    except ImportProblem as problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    assertion = result.report.assertion
    recipient = "recipient confirmed" if result.recipient.matched else "recipient not confirmed"
    standard = "Open Badges 3.0, " if result.report.version == "3.0" else ""
    click.echo(
        f"Imported '{assertion.badge.name}' from {assertion.badge.issuer.name} for {earner} "
        f"({standard}{result.status}, {recipient}) into {result.path}"
    )


@click.command()
@click.argument("source")
@email_option
@telephone_option
@recipient_url_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@allow_private_hosts_option
def verify(
    source: str,
    emails: tuple[str, ...],
    telephones: tuple[str, ...],
    recipient_urls: tuple[str, ...],
    as_json: bool,
    allow_private_hosts: bool,
) -> None:
    """Verify an Open Badges credential or assertion; exit 0 if valid.

    SOURCE is a URL, a JSON file or a baked PNG or SVG: an Open Badges 3.0 credential (JSON
    with a proof, or a VC-JWT) is checked by its signature, an Open Badges 2.0 hosted
    assertion at its host. An image baked with both is checked as 3.0.
    """
    from badgesite.openbadges.fetch import Fetcher, FetchProblem, Gone
    from badgesite.openbadges.verification_report import format_report, unreachable_json
    from badgesite.openbadges.verify import verify_source
    from badgesite.openbadges.verify_ob3 import verify_ob3_source

    fetcher = Fetcher(allow_private_hosts=allow_private_hosts)
    try:
        try:
            report = verify_ob3_source(source, fetcher, now=pinned_now(), email=emails)
        except Gone:  # withdrawn: the Open Badges 2.0 verification says revoked, and why
            report = None
        if report is None:
            profile = _profile(emails, telephones, recipient_urls)
            report = verify_source(
                source, fetcher, now=pinned_now(), recipient=profile if profile.given else None
            )
    except FetchProblem as problem:
        if as_json:
            click.echo(json.dumps(unreachable_json(source, str(problem), pinned_now()), indent=2))
        else:
            click.echo(f"INVALID: {problem}")
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_report(report))
    sys.exit(0 if report.valid else 1)


def _http_url_argument(_context: click.Context, _parameter: click.Parameter, value: str) -> str:
    from badgesite.primitives.http_urls import is_http_url

    if not is_http_url(value):
        raise click.BadParameter(f"'{value}' is not an absolute http(s) URL")
    return value


@click.command()
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("url", callback=_http_url_argument)
@click.option(
    "--output",
    "-o",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the baked image (.png or .svg, as IMAGE).",
)
def bake(image: Path, url: str, target: Path) -> None:
    """Bake an assertion URL into a PNG or SVG badge image."""
    from badgesite.openbadges.bake import BakeError, bake_file

    try:
        bake_file(image, url, target)
    except BakeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"Baked {url} into {target}")


@click.command()
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
def unbake(image: Path) -> None:
    """Print the assertion baked into a PNG or SVG badge image."""
    from badgesite.openbadges.bake import BakeError, unbake_file

    try:
        click.echo(unbake_file(image))
    except BakeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


COMMANDS = (import_command, verify, bake, unbake)
