"""The commands that make a site: build, serve and check."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from badgesite.cli.common import (
    drafts_option,
    frozen_option,
    report_errors,
    report_warnings,
    site_option,
    with_environment,
)
from badgesite.errors import BuildError, ContentErrors, Finding
from badgesite.options import BuildOptions
from badgesite.report import counted

if TYPE_CHECKING:
    from badgesite.serve import DevAddress


cache_dir_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the caches are kept (images, parsed records, build state) "
    "[default: SITE/.cache/badgesite].",
)


@click.command()
@site_option
@click.option(
    "--output",
    "-o",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the site [default: SITE/output].",
)
@click.option("--base-url", default=None, help="Publish under this URL instead of base_url.")
@frozen_option
@cache_dir_option
@click.option(
    "--clean",
    is_flag=True,
    help="Ignore the build cache: render everything and write a fresh output folder.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that render a large build [default: one per core].",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too, writing nothing.")
@drafts_option
def build(
    site_dir: Path,
    output_dir: Path | None,
    base_url: str | None,
    frozen: bool,
    cache_dir: Path | None,
    clean: bool,
    jobs: int | None,
    strict: bool,
    drafts: bool,
) -> None:
    """Build the site into output/; a rebuild makes only what changed."""
    from badgesite.build import StrictFailure
    from badgesite.build import build as build_site

    options = with_environment(
        BuildOptions(
            site_dir,
            output_dir,
            base_url=base_url,
            frozen=frozen,
            cache_dir=cache_dir,
            clean=clean,
            processes=jobs,
            strict=strict,
            drafts=drafts,
        )
    )
    bar = _ProgressBar() if sys.stderr.isatty() else None
    try:
        report = build_site(options, progress=bar.update if bar else None)
    except StrictFailure as failure:
        _finish(bar)
        _failed_strict(failure.warnings)
    except ContentErrors as errors:
        _finish(bar)
        report_errors(errors)
        sys.exit(1)
    except BuildError as error:
        _finish(bar)
        click.echo(f"error: {error}", err=True)
        click.echo("Nothing was written.", err=True)
        sys.exit(1)
    _finish(bar)
    report_warnings(report.warnings)
    click.echo(report.summary())


def _failed_strict(warnings: tuple[Finding, ...]) -> None:
    report_warnings(warnings)
    click.echo(
        f"{counted(len(warnings), 'warning')}; failing because of --strict. Nothing was written.",
        err=True,
    )
    sys.exit(1)


class _ProgressBar:
    """A progress bar on the terminal for builds that render many outputs; none in CI."""

    def __init__(self) -> None:
        self._bar = None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            if total < 500:
                return
            self._bar = click.progressbar(length=total, label="Rendering", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _finish(bar: _ProgressBar | None) -> None:
    if bar is not None:
        bar.finish()


def _dev_address(
    context: click.Context, parameter: click.Parameter, value: str | None
) -> DevAddress | None:
    from badgesite.serve import DevAddress

    if value is None:
        return None
    try:
        return DevAddress.parse(value)
    except ValueError as problem:
        raise click.BadParameter(str(problem)) from None


@click.command()
@site_option
@click.option(
    "--dev-addr",
    "address",
    callback=_dev_address,
    metavar="HOST:PORT",
    help="Where to serve [default: 127.0.0.1:8000]. Any other host than this machine's "
    "loopback makes the site reachable from the network.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve on 127.0.0.1:PORT (the same as --dev-addr 127.0.0.1:PORT).",
)
@click.option(
    "--open", "open_browser", is_flag=True, help="Open the site in the web browser once served."
)
def serve(site_dir: Path, address: DevAddress | None, port: int | None, open_browser: bool) -> None:
    """Serve the site on 127.0.0.1, rebuilding and reloading the browser on every save."""
    from badgesite.serve import DEFAULT_HOST, DEFAULT_PORT, DevAddress, ServeError
    from badgesite.serve import serve as serve_site  # livereload is only needed here

    if address is not None and port is not None:
        raise click.UsageError("give --dev-addr or --port, not both")
    if address is None:
        address = DevAddress(DEFAULT_HOST, port or DEFAULT_PORT)
    try:
        serve_site(site_dir, address, open_browser)
    except ServeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


@click.command()
@site_option
@click.option("--base-url", default=None, help="Check as if published under this URL.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@frozen_option
@click.option(
    "--drafts", is_flag=True, help="Also render the drafts' pages (drafts are checked anyway)."
)
@cache_dir_option
def check(
    site_dir: Path,
    base_url: str | None,
    strict: bool,
    frozen: bool,
    drafts: bool,
    cache_dir: Path | None,
) -> None:
    """Check everything a build would, and common mistakes; write nothing but the cache."""
    from badgesite.build import check as check_site

    options = with_environment(
        BuildOptions(site_dir, base_url=base_url, frozen=frozen, drafts=drafts, cache_dir=cache_dir)
    )
    try:
        warnings = check_site(options)
    except ContentErrors as errors:
        report_errors(errors, consequence="")
        sys.exit(1)
    except BuildError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    report_warnings(warnings)
    count = len(warnings)
    if not count:
        click.echo("No problems found.")
        return
    click.echo(f"{counted(count, 'warning')}.", err=True)
    if strict:
        click.echo("Failing because of --strict.", err=True)
        sys.exit(1)


COMMANDS = (build, serve, check)
