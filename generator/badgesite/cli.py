"""The command line: parses options, calls the library, prints. No logic of its own."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from badgesite import __version__
from badgesite.build import build as build_site
from badgesite.build import check as check_site
from badgesite.checks import CheckFailed, Finding
from badgesite.errors import BuildError, ContentErrors


def _report_warnings(warnings: tuple[Finding, ...]) -> None:
    for warning in warnings:
        click.echo(str(warning), err=True)


def _report_errors(errors: ContentErrors) -> None:
    if isinstance(errors, CheckFailed):
        _report_warnings(errors.warnings)
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


def _in_ci() -> bool:
    """CI services (GitHub Actions, Netlify, GitLab, ...) set CI=true."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


_site_option = click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The site folder (the one holding content/).",
)
_frozen_option = click.option(
    "--frozen",
    is_flag=True,
    help="Check content/published-awards.txt, never rewrite it (implied by CI=true).",
)


@main.command()
@_site_option
@click.option(
    "--output",
    "-o",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the site [default: SITE/output].",
)
@click.option("--base-url", default=None, help="Publish under this URL instead of base_url.")
@_frozen_option
def build(site_dir: Path, output_dir: Path | None, base_url: str | None, frozen: bool) -> None:
    """Build the site into output/."""
    try:
        report = build_site(
            site_dir,
            output_dir,
            base_url=base_url,
            now=_build_time(),
            frozen=frozen or _in_ci(),
        )
    except ContentErrors as errors:
        _report_errors(errors)
        sys.exit(1)
    except BuildError as error:
        click.echo(f"error: {error}", err=True)
        click.echo("Nothing was written.", err=True)
        sys.exit(1)
    _report_warnings(report.warnings)
    click.echo(report.summary())


@main.command()
@_site_option
@click.option("--base-url", default=None, help="Check as if published under this URL.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@_frozen_option
def check(site_dir: Path, base_url: str | None, strict: bool, frozen: bool) -> None:
    """Check everything a build would, and common mistakes; write nothing."""
    try:
        warnings = check_site(site_dir, base_url, now=_build_time(), frozen=frozen or _in_ci())
    except CheckFailed as failure:
        _report_errors_checked(failure)
        sys.exit(1)
    except ContentErrors as errors:
        _report_errors(errors)
        sys.exit(1)
    except BuildError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    _report_warnings(warnings)
    count = len(warnings)
    if not count:
        click.echo("No problems found.")
        return
    click.echo(f"{count} warning{'s' if count != 1 else ''}.", err=True)
    if strict:
        click.echo("Failing because of --strict.", err=True)
        sys.exit(1)


def _report_errors_checked(failure: CheckFailed) -> None:
    _report_warnings(failure.warnings)
    for error in failure.errors:
        click.echo(str(error), err=True)
    errors, warnings = len(failure.errors), len(failure.warnings)
    text = f"{errors} error{'s' if errors != 1 else ''}"
    if warnings:
        text += f" and {warnings} warning{'s' if warnings != 1 else ''}"
    click.echo(f"{text}.", err=True)
