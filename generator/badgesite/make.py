"""Making the output of a checked, planned site: render what changed, swap it in, record it."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from badgesite.build import StrictFailure
from badgesite.cache import build_cache, source_stamp
from badgesite.cache.build_cache import BuildCache, BuildIdentity
from badgesite.cache.fingerprint import fingerprint_outputs
from badgesite.cache.parsed_cache import ParsedYamlCache
from badgesite.cache.store import BuildStores
from badgesite.checking import Planned, failures_returned, plan_checked, succeeded
from badgesite.guards import credentials, published
from badgesite.options import BuildOptions
from badgesite.outputs import Kind, Output
from badgesite.primitives.atomic import write_atomic
from badgesite.primitives.parallel import map_parallel
from badgesite.report import BuildReport
from badgesite.write import StagedFile, Staging, WriteReport, check_output_dir, recover


@dataclass(frozen=True)
class _Work:
    """What a build has to do against the previous build (None: there is none to reuse)."""

    previous: BuildCache | None
    stale: tuple[Output, ...]  # the outputs to render
    gone: tuple[str, ...]  # the previous build's paths no longer planned


def make(
    options: BuildOptions, started: float, progress: Callable[[int, int], None] | None
) -> BuildReport:
    """Build for real: the source stamp did not show the last output to be right.

    Everything is rendered before output/ is touched, so a failed build changes nothing.
    started is when the build began (perf_counter).
    """
    site_dir, output_dir = options.absolute_site_dir, options.absolute_output_dir
    check_output_dir(output_dir, site_dir)
    stores = BuildStores.of(site_dir, output_dir, options.cache_dir)
    stores.check_place(site_dir, output_dir)
    # A build killed while writing: finish its swap, drop its leftovers.
    recover(output_dir, stores.kept)
    source_stamp.forget(stores)
    sources = source_stamp.scan(site_dir)  # before anything is read, to stamp it at the end
    parsed = ParsedYamlCache(stores.records, reuse=not options.clean)
    planned = plan_checked(options, parsed)
    if options.strict and planned.warnings:
        raise StrictFailure(planned.warnings)
    # The parsed records are not needed past the model: keep them for the next build now,
    # and let them go before the workers fork (at 100,000 awards they weigh hundreds of MiB).
    parsed.save()
    del parsed
    fingerprints = fingerprint_outputs(
        planned.site, planned.plan, planned.theme, planned.moment, planned.signing
    )
    config = planned.site.config
    identity = BuildIdentity.of(site_dir, output_dir, config.base_url, config.theme)
    work = _work(options, stores, planned, fingerprints, identity)
    if work.previous is not None and not work.stale and not work.gone:
        _record_published(site_dir, planned, options.frozen)
        write_report = WriteReport(0, 0)  # nothing to render, write or remove
    else:
        write_report = _render_and_swap(
            options, stores, planned, work, fingerprints, identity, progress
        )
    report = _report(options, planned, work, write_report, started)
    if not options.drafts:
        source_stamp.record(
            stores,
            site_dir,
            sources,
            identity,
            options.base_url,
            planned.site,
            planned.theme,
            planned.moment,
            report,
            options.signing_key,
            planned.plan.shows_the_day,
        )
    return report


def _work(
    options: BuildOptions,
    stores: BuildStores,
    planned: Planned,
    fingerprints: Mapping[str, str],
    identity: BuildIdentity,
) -> _Work:
    """The outputs whose sources changed since the previous build, and the paths it made
    that are no longer planned; everything, for a clean build or a preview."""
    output_dir = options.absolute_output_dir
    fresh = options.clean or options.drafts or not output_dir.is_dir()
    previous = None if fresh else build_cache.read(stores, identity)
    outputs = planned.plan.outputs
    if previous is None:
        return _Work(None, outputs, ())
    stale = tuple(
        output
        for output in outputs
        if not previous.is_current(output.path, fingerprints[output.path], output_dir)
    )
    planned_paths = {output.path for output in outputs}
    gone = tuple(path for path in previous.fingerprints if path not in planned_paths)
    return _Work(previous, stale, gone)


def _render_and_swap(
    options: BuildOptions,
    stores: BuildStores,
    planned: Planned,
    work: _Work,
    fingerprints: Mapping[str, str],
    identity: BuildIdentity,
    progress: Callable[[int, int], None] | None,
) -> WriteReport:
    """Render the stale outputs into a staging folder, which then takes output/'s place."""
    site_dir, output_dir = options.absolute_site_dir, options.absolute_output_dir
    staging = Staging(output_dir, work.previous, None if options.drafts else stores.kept, work.gone)
    try:
        results = map_parallel(
            failures_returned(lambda output: staging.stage(planned.renderer.render(output))),
            work.stale,
            options.processes,
            _counting(progress, len(work.stale)) if progress else None,
        )
        staged = succeeded(results, planned.warnings)
    except BaseException:
        staging.discard()
        raise
    # Recorded before output/ shows them: a build killed right after its swap has
    # still recorded every award it published.
    _record_published(site_dir, planned, options.frozen)
    rendered = {output.path for output in work.stale}
    unchanged = [output.path for output in planned.plan.outputs if output.path not in rendered]
    report = _write(stores, output_dir, identity, fingerprints, work, staging, staged, unchanged)
    if options.drafts:
        build_cache.forget(stores)  # a preview's outputs are never reused
    return report


def _report(
    options: BuildOptions,
    planned: Planned,
    work: _Work,
    write_report: WriteReport,
    started: float,
) -> BuildReport:
    plan = planned.plan
    signing, frozen = planned.signing, options.frozen
    return BuildReport(
        output_dir=options.absolute_output_dir,
        pages=len(plan.by_kind(Kind.PAGE)),
        documents=len(plan.by_kind(Kind.JSON)),
        files=sum(len(plan.by_kind(kind)) for kind in (Kind.COPY, Kind.TEXT, Kind.IMAGE)),
        seconds=time.perf_counter() - started,
        warnings=planned.warnings,
        newly_recorded=() if options.frozen else planned.reconciliation.new_ids,
        rendered=len(work.stale),
        written=write_report.files,
        removed=write_report.removed,
        incremental=work.previous is not None,
        made_signing_key=(
            signing.key_file if signing is not None and signing.new_key and not frozen else None
        ),
        new_status_indices=0 if signing is None or frozen else len(signing.new_indices),
    )


def _record_published(site_dir: Path, planned: Planned, frozen: bool) -> None:
    """Record what this build publishes for good: its awards' ids, a new signing key and
    the public keys and status indices its credentials carry (a frozen build adds none)."""
    if frozen:
        return
    if planned.signing is not None:
        credentials.record_signing(site_dir, planned.signing)
    reconciliation = planned.reconciliation
    if reconciliation.changed:
        write_atomic(
            published.record_path(site_dir),
            published.updated_record_text(site_dir, reconciliation.current).encode("utf-8"),
        )


def _counting(report: Callable[[int, int], None], total: int) -> Callable[[int], None]:
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        report(done, total)

    return advance


def _write(
    stores: BuildStores,
    output_dir: Path,
    identity: BuildIdentity,
    fingerprints: Mapping[str, str],
    work: _Work,
    staging: Staging,
    staged: list[StagedFile],
    unchanged: list[str],
) -> WriteReport:
    """Swap the new build in whole (the unchanged files of output/ carried over), then
    record the cache."""
    build_cache.forget(stores)  # a write cut short must never be trusted
    report = staging.publish(staged, unchanged)
    files = {} if work.previous is None else dict(work.previous.files)
    for item in staged:
        files[item.path] = item.state
    kept = {path: state for path, state in files.items() if path in fingerprints}
    build_cache.save(stores, BuildCache(identity, fingerprints, kept, report.generation))
    return report
