"""Entry point for `python -m badgesite`."""

from badgesite.cli import main

main()
