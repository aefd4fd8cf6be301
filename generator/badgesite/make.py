"""Making the output of a checked, planned site: render what changed, swap it in, record it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from badgesite.build import StrictFailure
from badgesite.cache import build_cache, source_stamp
from badgesite.cache.build_cache import BuildCache, BuildIdentity, Entry, FileState
from badgesite.cache.build_state import BuildState, changed_records, options_key, sources_after
from badgesite.cache.fingerprint import KeptFingerprints, fingerprint_outputs, fingerprints_kept
from badgesite.cache.parsed_cache import ParsedYamlCache
from badgesite.cache.store import BuildStores
from badgesite.checking import (
    Kept,
    Planned,
    failures_returned,
    plan_checked,
    plan_kept,
    replan_checked,
    succeeded,
)
from badgesite.guards import credentials, published
from badgesite.options import BuildOptions
from badgesite.outputs import BUILD_MARKER, Kind, Output
from badgesite.primitives.atomic import write_atomic
from badgesite.primitives.collector import settle, settling
from badgesite.primitives.parallel import map_parallel
from badgesite.report import BuildReport
from badgesite.write import (
    StagedFile,
    Staging,
    WriteReport,
    check_output_dir,
    folders_of,
    folders_with,
    recover,
)


@dataclass(frozen=True)
class _Work:
    """What a build has to do against the previous build (None: there is none to reuse)."""

    previous: BuildCache | None
    stale: tuple[Output, ...]  # the outputs to render
    gone: tuple[str, ...]  # the previous build's paths no longer planned


def make(
    options: BuildOptions,
    started: float,
    progress: Callable[[int, int], None] | None,
    state: BuildState | None = None,
    keep: bool = False,
    looked: source_stamp.Looked | None = None,
) -> tuple[BuildReport, BuildState | None]:
    """Build for real: the source stamp did not show the last output to be right (_make;
    looked: what that check found, whose scan of the sources the build starts from).

    The records, model and plan live until the build ends: once made, they are kept out
    of the garbage collector's full collections (primitives.collector).
    """
    with settling():
        return _make(options, started, progress, state, keep, looked)


def _make(
    options: BuildOptions,
    started: float,
    progress: Callable[[int, int], None] | None,
    state: BuildState | None,
    keep: bool,
    looked: source_stamp.Looked | None,
) -> tuple[BuildReport, BuildState | None]:
    """Build for real: the source stamp did not show the last output to be right.

    Everything is rendered before output/ is touched, so a failed build changes nothing.
    started is when the build began (perf_counter). With keep, the build also returns what
    it knew (a BuildState; None for a preview, or a theme outside the site), and with the
    state of the last build, a build of which only record files changed starts from it:
    it reads, models, plans and fingerprints again only what they touch (update_kept), and
    trusts the other output files to be as it left them, as a no-op build does.
    """
    site_dir, output_dir = options.absolute_site_dir, options.absolute_output_dir
    check_output_dir(output_dir, site_dir)
    stores = BuildStores.of(site_dir, output_dir, options.cache_dir)
    stores.check_place(site_dir, output_dir)
    # A build killed while writing: finish its swap, drop its leftovers.
    recover(output_dir, stores.kept)
    source_stamp.forget(stores)
    # Before anything is read, to stamp it at the end (with the theme folders outside the
    # site the last build read, for a build kept to find changed files in them too).
    # The no-op check's scan will do: taken before anything was read, and, when a kept
    # state compares with it, of the same folders outside the site (with no state to
    # compare, files outside the site do not count: see source_stamp.record).
    outside = state.theme_roots if keep and state else ()
    if (
        looked is not None
        and looked.scan is not None
        and (looked.theme_roots == outside or not (keep and state))
    ):
        sources: source_stamp.Scan | None = looked.scan
    else:
        sources = source_stamp.scan(site_dir, outside)
    keep = keep and not options.drafts and sources is not None
    update = None
    if keep and state is not None and not options.clean and sources is not None:
        update = _update(options, stores, state, sources)
    if update is None:
        parsed = ParsedYamlCache(stores.records, reuse=not options.clean)
        if keep:
            planned, kept = plan_kept(options, parsed)
        else:
            planned, kept = plan_checked(options, parsed), None
        if options.strict and planned.warnings:
            raise StrictFailure(planned.warnings)
        # The parsed records are not needed past the model: keep them for the next build
        # now, and let them go before the workers fork (at 100,000 awards they weigh
        # hundreds of MiB).
        parsed.save()
        del parsed
        settle()  # the model and plan, for the rest of the build
        kept_fingerprints = None
        if kept is not None:
            kept_fingerprints, _ = fingerprints_kept(
                planned.site,
                planned.plan,
                kept.parts,
                kept.made_parts,
                planned.theme,
                planned.moment,
                planned.signing,
            )
            fingerprints = kept_fingerprints.fingerprints
        else:
            fingerprints = fingerprint_outputs(
                planned.site, planned.plan, planned.theme, planned.moment, planned.signing
            )
        config = planned.site.config
        identity = BuildIdentity.of(site_dir, output_dir, config.base_url, config.theme)
        work = _work(options, stores, planned, fingerprints, identity)
        kinds = Counter(output.recipe.kind for output in planned.plan.outputs)
    else:
        planned, kept, kept_fingerprints, work, kinds = update
        if options.strict and planned.warnings:
            raise StrictFailure(planned.warnings)
        fingerprints = kept_fingerprints.fingerprints
    if kept_fingerprints is not None:
        planned.renderer.publishes(kept_fingerprints.published)
        config = planned.site.config
        identity = BuildIdentity.of(site_dir, output_dir, config.base_url, config.theme)
    if work.previous is not None and not work.stale and not work.gone:
        _record_published(site_dir, planned, options.frozen)
        write_report = WriteReport(0, 0)  # nothing to render, write or remove
        entries = work.previous.entries
    else:
        write_report, entries = _render_and_swap(
            options, stores, planned, work, fingerprints, identity, progress
        )
    report = _report(options, planned, kinds, work, write_report, started)
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
    if kept is None or sources is None or kept_fingerprints is None:
        return report, None
    roots = source_stamp.theme_roots_outside(site_dir, planned.theme)
    scanned = sources.files
    if state is None or roots != state.theme_roots:
        # Their files as they are now: one changed since the scan was taken is too new to
        # be trusted, and makes the next build a full one (build_state.changed_records).
        after = source_stamp.scan(site_dir, roots)
        if after is None:
            return report, None
        scanned = {key: value for key, value in scanned.items() if not os.path.isabs(key)}
        scanned.update((key, value) for key, value in after.files.items() if os.path.isabs(key))
    kept_state = BuildState(
        options=options_key(options),
        theme_roots=roots,
        sources=sources_after(site_dir, scanned),
        taken_ns=sources.taken_ns,
        moment=planned.moment,
        kept=kept,
        fingerprints=kept_fingerprints,
        entries=entries,
        folders=(
            folders_of(entries)
            if update is None or state is None
            else folders_with(state.folders, (output.path for output in work.stale))
        ),
        kinds=kinds,
        generation=(
            write_report.generation
            if write_report.generation is not None or work.previous is None
            else work.previous.generation
        ),
        outputs_store=FileState.of(stores.outputs.path),
        updated=update is not None,
    )
    return report, kept_state


def _update(
    options: BuildOptions, stores: BuildStores, state: BuildState, sources: source_stamp.Scan
) -> tuple[Planned, Kept, KeptFingerprints, _Work, Counter[Kind]] | None:
    """The build started from the last one's state, when only record files changed since,
    with the same options, on the same day and with every status as it was; else None."""
    output_dir = options.absolute_output_dir
    if (
        state.options != options_key(options)
        or FileState.of(stores.outputs.path) != state.outputs_store
        or state.outputs_store is None
        or not (output_dir / BUILD_MARKER).is_file()
    ):
        return None
    changed = changed_records(state, sources)
    if changed is None:
        return None
    moment = options.now or dt.datetime.now(dt.timezone.utc)
    zone = state.kept.settings.config.zone
    if moment.astimezone(zone).date() != state.moment.astimezone(zone).date():
        return None  # the day shows in a credential's key and, with some templates, on pages
    result = replan_checked(dataclasses.replace(options, now=moment), state.kept, changed)
    if result is None:
        return None
    planned, kept = result
    valid_from, valid_until = source_stamp.status_window(planned.site, moment)
    if (valid_from is not None and state.moment < valid_from) or (
        valid_until is not None and state.moment >= valid_until
    ):
        return None  # a status changed between the two builds' moments
    try:
        kept_fingerprints, looked = fingerprints_kept(
            planned.site,
            planned.plan,
            kept.parts,
            kept.made_parts,
            planned.theme,
            planned.moment,
            planned.signing,
            state.fingerprints,
            state.kept.parts,
        )
    except KeyError:  # an output kept reads a record that is gone: plan it all again
        return None
    config = planned.site.config
    identity = BuildIdentity.of(
        options.absolute_site_dir, output_dir, config.base_url, config.theme
    )
    previous = BuildCache(identity, state.entries, state.generation, state.folders)
    fingerprints = kept_fingerprints.fingerprints
    stale = tuple(
        output
        for part, outputs in kept.parts.parts.items()
        if part in looked
        for output in outputs
        if not previous.is_current(output.path, fingerprints[output.path], output_dir)
    )
    # The parts whose outputs may not be those of the last plan: those planned again and
    # those dropped. A path no longer planned was an output of one of them (a part kept
    # holds the same outputs as then), and only they change the count of each kind.
    before = state.kept.parts.parts
    redone = kept.made_parts | (before.keys() - kept.parts.parts.keys())
    gone = tuple(
        output.path
        for part in redone
        for output in before.get(part, ())
        if output.path not in fingerprints
    )
    kinds = Counter(state.kinds)
    kinds.subtract(output.recipe.kind for part in redone for output in before.get(part, ()))
    kinds.update(
        output.recipe.kind for part in kept.made_parts for output in kept.parts.parts[part]
    )
    return planned, kept, kept_fingerprints, _Work(previous, stale, gone), kinds


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
    gone = tuple(path for path in previous.entries if path not in planned_paths)
    return _Work(previous, stale, gone)


def _render_and_swap(
    options: BuildOptions,
    stores: BuildStores,
    planned: Planned,
    work: _Work,
    fingerprints: Mapping[str, str],
    identity: BuildIdentity,
    progress: Callable[[int, int], None] | None,
) -> tuple[WriteReport, Mapping[str, Entry]]:
    """Render the stale outputs into a staging folder, which then takes output/'s place;
    the report, and the build cache's entries now."""
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
    # Read only by a staging folder made anew (one made from the kept build has them).
    unchanged = (output.path for output in planned.plan.outputs if output.path not in rendered)
    report, entries = _write(
        stores, output_dir, identity, fingerprints, work, staging, staged, unchanged
    )
    if options.drafts:
        build_cache.forget(stores)  # a preview's outputs are never reused
    return report, entries


def _report(
    options: BuildOptions,
    planned: Planned,
    kinds: Mapping[Kind, int],
    work: _Work,
    write_report: WriteReport,
    started: float,
) -> BuildReport:
    signing, frozen = planned.signing, options.frozen
    return BuildReport(
        output_dir=options.absolute_output_dir,
        pages=kinds.get(Kind.PAGE, 0),
        documents=kinds.get(Kind.JSON, 0),
        files=sum(kinds.get(kind, 0) for kind in (Kind.COPY, Kind.TEXT, Kind.IMAGE)),
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
    unchanged: Iterable[str],
) -> tuple[WriteReport, Mapping[str, Entry]]:
    """Swap the new build in whole (the unchanged files of output/ carried over), then
    record the cache."""
    build_cache.forget(stores)  # a write cut short must never be trusted
    report = staging.publish(staged, unchanged)
    written = ((item.path, item.state) for item in staged)
    previous = work.previous or BuildCache(identity, {})
    entries = previous.updated(fingerprints, written, work.gone)
    build_cache.save(stores, BuildCache(identity, entries, report.generation))
    return report, entries
