"""The command line: parses options, calls the library, prints. No logic of its own.

The only code that touches click. Each command imports what it runs when it runs: a no-op
build then loads no templates, images or Open Badges code, and the CLI stays a thin layer
over the library.
"""

from __future__ import annotations

import click

from badgesite import __version__
from badgesite.cli import authoring_commands, badge_commands, key_commands, site_commands


# -h beside --help on every command: the context settings are inherited by subcommands.
@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="badgesite")
def main() -> None:
    """badgesite: Open Badges sites on URLs you own."""


for group in (site_commands, authoring_commands, key_commands, badge_commands):
    for command in group.COMMANDS:
        main.add_command(command)
