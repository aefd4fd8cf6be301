"""The command line: parses options, calls the library, prints. No logic of its own."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import click

from badgesite import __version__
from badgesite.build import build as build_site
from badgesite.errors import BuildError, ContentErrors
from badgesite.openbadges.fetch import Fetcher, FetchProblem
from badgesite.openbadges.snapshot import ImportProblem, import_badge, refresh_all
from badgesite.openbadges.verify import format_report, unreachable_json, verify_source


def _report_errors(errors: ContentErrors) -> None:
    for error in errors.errors:
        click.echo(str(error), err=True)
    count = len(errors.errors)
    click.echo(
        f"{count} error{'s' if count != 1 else ''} in the content; nothing was written.", err=True
    )


def _build_time() -> dt.datetime | None:
    """SOURCE_DATE_EPOCH pins 'now' (the moment statuses such as 'expired' are judged at)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    except ValueError:
        raise click.BadParameter("SOURCE_DATE_EPOCH must be a whole number of seconds") from None


@click.group()
@click.version_option(__version__, prog_name="badgesite")
def main() -> None:
    """badgesite: Open Badges sites on URLs you own."""


@main.command()
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The site folder (the one holding content/).",
)
@click.option(
    "--output",
    "-o",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the site [default: SITE/output].",
)
@click.option("--base-url", default=None, help="Publish under this URL instead of base_url.")
def build(site_dir: Path, output_dir: Path | None, base_url: str | None) -> None:
    """Build the site into output/."""
    try:
        report = build_site(site_dir, output_dir, base_url=base_url, now=_build_time())
    except ContentErrors as errors:
        _report_errors(errors)
        sys.exit(1)
    except BuildError as error:
        click.echo(f"error: {error}", err=True)
        click.echo("Nothing was written.", err=True)
        sys.exit(1)
    click.echo(report.summary())


@main.command("import")
@click.argument("source", required=False)
@click.option("--earner", default=None, help="Slug of the earner the badge belongs to.")
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The site folder (the one holding content/).",
)
@click.option("--refresh", is_flag=True, help="Re-fetch every snapshot and report changes.")
@click.option(
    "--unverified", is_flag=True, help="Keep a badge that does not verify, marked unverified."
)
def import_command(
    source: str | None, earner: str | None, site_dir: Path, refresh: bool, unverified: bool
) -> None:
    """Import a badge from another issuer: a hosted assertion URL, a JSON file or a baked image."""
    fetcher = Fetcher()
    if refresh:
        if source or earner:
            raise click.UsageError("--refresh takes no SOURCE or --earner")
        results = refresh_all(site_dir, fetcher, now=_build_time())
        for result in results:
            change = f"{result.before} -> {result.after}" if result.changed else result.after
            click.echo(f"{result.key}: {change} ({result.detail})")
        changed = sum(result.changed for result in results)
        click.echo(f"Refreshed {len(results)} imported badges; {changed} changed.")
        return
    if not source or not earner:
        raise click.UsageError("give a SOURCE and --earner SLUG (or --refresh)")
    try:
        result = import_badge(
            site_dir, source, earner, fetcher, now=_build_time(), allow_unverified=unverified
        )
    except ImportProblem as problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    assertion = result.report.assertion
    click.echo(
        f"Imported '{assertion.badge.name}' from {assertion.badge.issuer.name} for {earner} "
        f"({result.status}) into {result.path}"
    )


@main.command()
@click.argument("source")
@click.option("--email", default=None, help="Also check the badge was issued to this address.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(source: str, email: str | None, as_json: bool) -> None:
    """Verify a hosted Open Badges assertion (URL, JSON file or baked image); exit 0 if valid."""
    try:
        report = verify_source(source, Fetcher(), now=_build_time(), email=email)
    except FetchProblem as problem:
        if as_json:
            click.echo(json.dumps(unreachable_json(source, str(problem), _build_time()), indent=2))
        else:
            click.echo(f"INVALID: {problem}")
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_report(report))
    sys.exit(0 if report.valid else 1)
