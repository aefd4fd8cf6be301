"""What a build is asked to do: its options, and what CI and SOURCE_DATE_EPOCH add to them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from badgesite.errors import BadgesiteError
from badgesite.primitives.moments import RANGE_TEXT, moment_from_epoch

# What CI services (GitHub Actions, Netlify, GitLab, ...) set CI to.
_CI_TRUE = ("true", "1", "yes")
_MAX_SHOWN_EPOCH = 40
# openbadges.signing_keys's name for it, spelled here so that options stays light to import
# (tests/test_options.py checks that the two agree).
SIGNING_KEY_VARIABLE = "BADGESITE_SIGNING_KEY"


class EnvironmentProblem(BadgesiteError):
    """An environment variable badgesite reads holds what it cannot use."""


@dataclass(frozen=True)
class BuildOptions:
    """One build or check: the site, where it goes, and how.

    output_dir defaults to site_dir/output; base_url overrides site.yaml's; now is the
    moment statuses such as 'expired' are judged at (default: the clock). frozen (CI) only
    checks content/published-awards.txt, never rewrites it. cache_dir keeps the processed
    images (default site_dir/.cache/badgesite/images). clean ignores the build cache and the
    source stamp. processes caps the worker processes (default one per core; 1 renders in
    this process). strict fails on warnings before writing. drafts builds the drafts too,
    as a preview.
    """

    site_dir: Path
    output_dir: Path | None = None
    base_url: str | None = None
    now: dt.datetime | None = None
    frozen: bool = False
    cache_dir: Path | None = None
    clean: bool = False
    processes: int | None = None
    strict: bool = False
    drafts: bool = False
    # The BADGESITE_SIGNING_KEY secret, when the environment gives one (never shown).
    signing_key: str = field(default="", repr=False)

    @property
    def absolute_site_dir(self) -> Path:
        return self.site_dir.absolute()

    @property
    def absolute_output_dir(self) -> Path:
        return (self.output_dir or self.site_dir / "output").absolute()

    def from_environment(self, environ: Mapping[str, str] | None = None) -> BuildOptions:
        """These options as the environment completes them: CI=true freezes the build, and
        SOURCE_DATE_EPOCH pins its moment unless one is given, BADGESITE_SIGNING_KEY gives
        the signing key. EnvironmentProblem when SOURCE_DATE_EPOCH is not a moment."""
        environ = os.environ if environ is None else environ
        now = self.now if self.now is not None else pinned_moment(environ)
        return dataclasses.replace(
            self,
            now=now,
            frozen=self.frozen or in_ci(environ),
            signing_key=self.signing_key or environ.get(SIGNING_KEY_VARIABLE, ""),
        )


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a CI service runs this (it sets CI=true)."""
    environ = os.environ if environ is None else environ
    return environ.get("CI", "").strip().lower() in _CI_TRUE


def pinned_moment(environ: Mapping[str, str] | None = None) -> dt.datetime | None:
    """The moment SOURCE_DATE_EPOCH pins 'now' to (reproducible builds), or None when it is
    unset; EnvironmentProblem when it is not a whole number of seconds in range."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    digits = epoch.strip()
    moment = moment_from_epoch(digits) if digits.isascii() and digits.isdigit() else None
    if moment is None:
        shown = epoch if len(epoch) <= _MAX_SHOWN_EPOCH else epoch[: _MAX_SHOWN_EPOCH - 1] + "…"
        raise EnvironmentProblem(
            f"SOURCE_DATE_EPOCH={shown!r} is not a whole number of seconds since 1970 "
            f"({RANGE_TEXT})"
        )
    return moment
