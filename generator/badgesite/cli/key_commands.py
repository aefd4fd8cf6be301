"""`badgesite keys`: the site's Open Badges 3.0 signing key (new, rotate, list, export-secret)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from badgesite.cli.common import pinned_now, report_errors, site_option
from badgesite.errors import BadgesiteError, ContentErrors
from badgesite.options import SIGNING_KEY_VARIABLE as SECRET
from badgesite.report import counted

# How to hand the key to each host: printed by `keys new` and `keys rotate`.
HOW_TO_GIVE_CI = (
    f"Give the key to CI as the secret {SECRET}; `badgesite keys export-secret` prints it.\n"
    f"  GitHub: Settings > Secrets and variables > Actions > New repository secret, or\n"
    f"          badgesite keys export-secret | gh secret set {SECRET}\n"
    f"  Netlify: Site configuration > Environment variables (mark it secret)"
)


def _failed(error: BadgesiteError) -> None:
    if isinstance(error, ContentErrors):
        report_errors(error, consequence="; nothing was written")
    else:
        click.echo(f"error: {error}", err=True)
    sys.exit(1)


def _today(site_dir: Path) -> dt.date:
    from badgesite.authoring.keys import key_day

    return key_day(site_dir, pinned_now())


@click.group()
def keys() -> None:
    """The site's signing key, which signs its Open Badges 3.0 credentials.

    The key is kept in .badgesite/signing-key (never committed: git ignores the folder) or,
    in CI, in the BADGESITE_SIGNING_KEY secret; its public key is recorded in
    content/signing-keys.txt (commit it).
    """


@keys.command("new")
@site_option
def new_key(site_dir: Path) -> None:
    """Make the site's signing key and record its public key."""
    from badgesite.authoring.keys import make_signing_key

    try:
        made = make_signing_key(site_dir, _today(site_dir))
    except BadgesiteError as error:
        _failed(error)
    click.echo(f"Made the site's signing key: {made.key_file} (readable by you only, never")
    click.echo("committed: git ignores its folder).")
    click.echo(f"Recorded its public key {made.public_key} in content/signing-keys.txt: commit it.")
    if made.earlier_keys:
        click.echo(
            f"The {counted(made.earlier_keys, 'key')} recorded before it stay listed, so what "
            "they signed still verifies; the next build signs every credential with the new key."
        )
    click.echo(HOW_TO_GIVE_CI)


@keys.command()
@site_option
def rotate(site_dir: Path) -> None:
    """Replace the signing key with a new one, keeping the old one's public key published."""
    from badgesite.authoring.keys import rotate_signing_key

    try:
        rotation = rotate_signing_key(site_dir, _today(site_dir))
    except BadgesiteError as error:
        _failed(error)
    click.echo(f"Made a new signing key: {rotation.key_file}")
    click.echo(f"The old key is kept in {rotation.retired_file}.")
    click.echo(
        f"content/signing-keys.txt now lists {counted(rotation.recorded_keys, 'public key')}, "
        f"the new {rotation.new_public_key} last: commit it. Every issuer's DID document keeps "
        "the old ones, so credentials already in wallets and images still verify."
    )
    click.echo("The next build signs every credential again with the new key.")
    click.echo(
        f"Update the {SECRET} secret in CI: until then, CI builds go on signing with the old key."
    )
    click.echo(HOW_TO_GIVE_CI)


@keys.command("list")
@site_option
def list_keys(site_dir: Path) -> None:
    """List the recorded public keys and which is the current key (never a private key)."""
    from badgesite.authoring.keys import list_signing_keys

    try:
        listing = list_signing_keys(site_dir)
    except BadgesiteError as error:
        _failed(error)
    if listing.keys:
        click.echo("Public keys in content/signing-keys.txt, oldest first:")
        for key in listing.keys:
            mark = f"  current ({listing.source})" if key.current else ""
            click.echo(f"  {key.public_key}  {key.added.isoformat()}{mark}")
    else:
        click.echo("No public key is recorded in content/signing-keys.txt.")
    for path, public_key in listing.retired:
        click.echo(f"Retired key file kept: {path} ({public_key or 'unreadable'})")
    if listing.problem:
        click.echo(f"error: {listing.problem}", err=True)
        sys.exit(1)
    if not listing.current_public_key:
        click.echo(f"No signing key: neither {SECRET} nor .badgesite/signing-key holds one;")
        click.echo("`badgesite keys new` makes it (a local build would too).")
    elif not listing.current_recorded:
        click.echo(
            f"The current key ({listing.source}), public key {listing.current_public_key}, is "
            "not recorded: a local `badgesite build` records it; a CI build refuses it."
        )


@keys.command("export-secret")
@site_option
def export_secret(site_dir: Path) -> None:
    """Print the private signing key, for pasting into the CI secret (and nowhere else).

    The one line goes to standard output, a reminder to standard error, so that
    `badgesite keys export-secret | gh secret set BADGESITE_SIGNING_KEY` never shows it.
    Refused in CI (CI=true): a build log is no place for the key.
    """
    from badgesite.authoring.keys import exported_key

    try:
        exported = exported_key(site_dir)
    except BadgesiteError as error:
        _failed(error)
    click.echo(
        f"This is the private signing key ({exported.source}): put it in the {SECRET} "
        "secret and nowhere else (never in a file of the site, an issue or a chat).",
        err=True,
    )
    if not exported.recorded:
        click.echo(
            f"warning: its public key {exported.public_key} is not recorded in "
            "content/signing-keys.txt: run `badgesite build` locally and commit the file, or "
            "a CI build refuses the key.",
            err=True,
        )
    click.echo(exported.line)


COMMANDS = (keys,)
