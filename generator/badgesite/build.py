"""The build: config -> load -> model -> plan -> render -> write, and a report of it.

The front door of the library: build() and check() take BuildOptions. This module is light
to import on purpose: a no-op build asks the source stamp and returns the last build's
report without loading the pipeline (checking and make import it, when a build runs).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from badgesite.cache import source_stamp
from badgesite.errors import BadgesiteError, ContentErrors, Finding
from badgesite.options import BuildOptions
from badgesite.primitives.collector import BetweenBuilds
from badgesite.report import BuildReport, counted

if TYPE_CHECKING:
    from badgesite.cache.build_state import BuildState
    from badgesite.cache.image_cache import ImageCache
    from badgesite.cache.parsed_cache import ParsedYamlCache
    from badgesite.model import Site

__all__ = [
    "BuildOptions",
    "BuildReport",
    "SiteBuilder",
    "StrictFailure",
    "build",
    "check",
    "load_site",
]


class StrictFailure(BadgesiteError):
    """A strict build or check stopped by its warnings, before writing anything."""

    def __init__(self, warnings: tuple[Finding, ...]) -> None:
        self.warnings = warnings
        super().__init__(f"{counted(len(warnings), 'warning')}; failing because of --strict")


def build(
    options: BuildOptions | Path,
    output_dir: Path | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    **fields: Any,
) -> BuildReport:
    """Build the site of options into its output folder (default site_dir/output).

    options may also be the site folder, with the output folder and any other BuildOptions
    field given here: `build(site, now=moment)` is `build(BuildOptions(site, now=moment))`.

    A normal build adds newly published award ids to content/published-awards.txt; a frozen
    one (CI) only checks that file and fails when it is out of date.

    When no file the last build read has changed since (the source stamp, asked once, here),
    it returns that build's report without reading a record. Otherwise the build cache
    (in cache_dir, default site_dir/.cache/badgesite; see cache.store) says what each
    output was made from: a rebuild renders only outputs whose sources changed and writes
    only files whose bytes changed.
    clean ignores both and builds everything into a fresh folder. Either way, everything
    is rendered before the output folder is touched, so a failed build changes nothing.
    progress, when given, is called with (outputs rendered so far, outputs to render).
    strict raises StrictFailure on warnings, before writing anything. drafts builds the
    drafts too (marked DRAFT, noindex, never recorded as published): a preview, always
    made afresh and leaving no cache or stamp, so the next build replaces it whole.
    """
    started = time.perf_counter()
    options = _options(options, output_dir, fields)
    looked = _unchanged(options, started)
    if looked.report is not None:
        return looked.report
    from badgesite.make import make  # the pipeline, needed only now

    return make(options, started, progress, looked=looked)[0]


class SiteBuilder:
    """Builds one site again and again in one process (`serve` does), keeping in memory
    what each build knew: the records read, the model, the plan by parts with what each
    part reads, and the fingerprints (cache.build_state). When only record files changed
    since the last build, the next one reads those files alone, and models, plans,
    fingerprints and renders only what they touch; otherwise it is an ordinary build.
    Either way it makes what build() makes, byte for byte.
    """

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.state: BuildState | None = None
        self._collector = BetweenBuilds()

    def build(
        self, progress: Callable[[int, int], None] | None = None, **changes: Any
    ) -> BuildReport:
        """build() with the options given at first, changed by changes (now=...)."""
        started = time.perf_counter()
        options = dataclasses.replace(self.options, **changes) if changes else self.options
        looked = _unchanged(options, started)
        if looked.report is not None:
            return looked.report
        from badgesite.make import make

        try:
            report, self.state = make(
                options, started, progress, self.state, keep=True, looked=looked
            )
        except (ContentErrors, StrictFailure):
            raise  # refused before writing: the state still says what output/ holds
        except BaseException:
            self.state = None  # whatever happened, the next build starts afresh
            raise
        self._collector.freeze()
        return report


def _unchanged(options: BuildOptions, started: float) -> source_stamp.Looked:
    """What the source stamp shows: the last build's report when nothing changed since
    (else the scan it took, for the build to start from)."""
    if not options.clean and not options.drafts:
        looked = source_stamp.look(
            options.site_dir,
            options.output_dir,
            options.base_url,
            options.now,
            started,
            options.cache_dir,
            options.signing_key,
        )
        if looked.report is not None and options.strict and looked.report.warnings:
            raise StrictFailure(looked.report.warnings)
        return looked
    return source_stamp.Looked(None)


def check(options: BuildOptions | Path, **fields: Any) -> tuple[Finding, ...]:
    """Everything a build checks, writing nothing: the warnings, or CheckFailed.

    options may be the site folder, with BuildOptions fields given here (as for build()).
    Every template is compiled, every output rendered (a template can fail) and its bytes
    dropped, the drafts' outputs too with drafts (they are checked either way). What only
    a frozen (CI) build fails on, a published-awards record out of date,
    is a warning of an unfrozen check: a local build would fix it, the deploy would not.
    """
    from badgesite.checking import check_site

    return check_site(_options(options, None, fields))


def load_site(
    site_dir: Path,
    base_url: str | None = None,
    cache: ImageCache | None = None,
    parsed: ParsedYamlCache | None = None,
    processes: int | None = None,
) -> Site:
    """Read and validate everything; raise ContentErrors listing every problem."""
    from badgesite import checking

    return checking.load_site(site_dir, base_url, cache, parsed, processes)


def _options(
    options: BuildOptions | Path, output_dir: Path | None, fields: dict[str, Any]
) -> BuildOptions:
    if isinstance(options, BuildOptions):
        if output_dir is not None or fields:
            raise TypeError("give BuildOptions, or a site folder and BuildOptions fields")
        return options
    return BuildOptions(Path(options), output_dir, **fields)
