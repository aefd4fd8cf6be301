"""The command line: parses options, calls the library, prints. No logic of its own."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from badgesite import __version__
from badgesite.build import build as build_site
from badgesite.errors import BuildError, ContentErrors
from badgesite.openbadges.bake import BakeError, bake_file, unbake_file


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
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where processed images are kept [default: SITE/.cache/badgesite/images].",
)
def build(
    site_dir: Path, output_dir: Path | None, base_url: str | None, cache_dir: Path | None
) -> None:
    """Build the site into output/."""
    try:
        report = build_site(
            site_dir, output_dir, base_url=base_url, now=_build_time(), cache_dir=cache_dir
        )
    except ContentErrors as errors:
        _report_errors(errors)
        sys.exit(1)
    except BuildError as error:
        click.echo(f"error: {error}", err=True)
        click.echo("Nothing was written.", err=True)
        sys.exit(1)
    click.echo(report.summary())


@main.command()
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("url")
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
    try:
        bake_file(image, url, target)
    except BakeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"Baked {url} into {target}")


@main.command()
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
def unbake(image: Path) -> None:
    """Print the assertion baked into a PNG or SVG badge image."""
    try:
        click.echo(unbake_file(image))
    except BakeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
