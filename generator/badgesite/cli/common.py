"""What the commands share: common options, the moment the environment pins, how errors print."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from badgesite.errors import ContentErrors, Finding
from badgesite.options import BuildOptions, EnvironmentProblem, pinned_moment
from badgesite.report import counted


def report_warnings(warnings: tuple[Finding, ...]) -> None:
    for warning in warnings:
        click.echo(str(warning), err=True)


def report_errors(
    errors: ContentErrors, consequence: str = " in the content; nothing was written"
) -> None:
    """Every error, and the warnings found with them, sorted by file and line, then one
    line that counts them."""
    from badgesite.errors import ERROR
    from badgesite.guards.lints import CheckFailed

    warnings = errors.warnings if isinstance(errors, CheckFailed) else ()
    findings = [*warnings, *(Finding(ERROR, error) for error in errors.errors)]
    for finding in sorted(findings, key=lambda finding: (finding.problem, finding.severity)):
        click.echo(str(finding), err=True)
    count, warned = len(errors.errors), len(warnings)
    text = counted(count, "error")
    if warned:
        text += f" and {counted(warned, 'warning')}"
    click.echo(f"{text}{consequence}.", err=True)


def pinned_now() -> dt.datetime | None:
    """The moment SOURCE_DATE_EPOCH pins, if any; a usage error when it is not one."""
    try:
        return pinned_moment()
    except EnvironmentProblem as problem:
        raise click.ClickException(str(problem)) from None


def with_environment(options: BuildOptions) -> BuildOptions:
    """options as CI and SOURCE_DATE_EPOCH complete them; a usage error when they cannot."""
    try:
        return options.from_environment()
    except EnvironmentProblem as problem:
        raise click.ClickException(str(problem)) from None


frozen_option = click.option(
    "--frozen",
    is_flag=True,
    help="Check content/published-awards.txt, never rewrite it (implied by CI=true).",
)


drafts_option = click.option(
    "--drafts",
    is_flag=True,
    help="Also build the drafts, marked DRAFT (a preview: never recorded as published).",
)


site_option = click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The site folder (the one holding content/).",
)
