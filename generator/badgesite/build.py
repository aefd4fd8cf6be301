"""The build: config -> load -> model -> plan -> render -> write, and a report of it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from badgesite.cache import build_cache, source_stamp
from badgesite.cache.build_cache import BuildCache, BuildIdentity
from badgesite.cache.fingerprint import fingerprint_outputs
from badgesite.cache.image_cache import ImageCache
from badgesite.cache.parsed_cache import ParsedYamlCache
from badgesite.cache.store import BuildStores, images_folder
from badgesite.config import SITE_FIELDS, SiteConfig, load_config, parse_config
from badgesite.errors import WARNING, BadgesiteError, ContentError, ContentErrors, Finding
from badgesite.guards import published
from badgesite.guards.lints import (
    CheckFailed,
    errors_of,
    lint_files,
    lint_settings,
    lint_site,
    lint_translations,
    warnings_of,
)
from badgesite.load import LoadResult, RawRecord, display_path, load_records, read_yaml
from badgesite.model import Site, build_site, without_drafts
from badgesite.plan import Kind, Output, Plan, plan_site
from badgesite.primitives.atomic import write_atomic
from badgesite.primitives.parallel import map_parallel
from badgesite.render import PageTemplates, Renderer, TemplateFailed
from badgesite.report import BuildReport, counted
from badgesite.templating.themes import ThemeChain, readable_theme, resolve_theme_chain
from badgesite.urls import PLACEHOLDER_BASE_URL
from badgesite.write import StagedFile, Staging, WriteReport, check_output_dir, recover


class StrictFailure(BadgesiteError):
    """A strict build or check stopped by its warnings, before writing anything."""

    def __init__(self, warnings: tuple[Finding, ...]) -> None:
        self.warnings = warnings
        super().__init__(f"{counted(len(warnings), 'warning')}; failing because of --strict")


@dataclass(frozen=True)
class Planned:
    """A site checked and planned, with the renderer of its outputs; nothing rendered yet."""

    site: Site
    plan: Plan
    theme: ThemeChain
    renderer: Renderer
    moment: dt.datetime
    reconciliation: published.Reconciliation
    warnings: tuple[Finding, ...]


def load_site(
    site_dir: Path,
    base_url: str | None = None,
    cache: ImageCache | None = None,
    parsed: ParsedYamlCache | None = None,
    processes: int | None = None,
) -> Site:
    """Read and validate everything; raise ContentErrors listing every problem."""
    config: SiteConfig = load_config(site_dir, base_url)
    return build_site(config, site_dir, load_records(site_dir, parsed, processes), cache)


def plan_checked(
    site_dir: Path,
    base_url: str | None = None,
    now: dt.datetime | None = None,
    frozen: bool = False,
    cache_dir: Path | None = None,
    parsed: ParsedYamlCache | None = None,
    processes: int | None = None,
    drafts: bool = False,
) -> Planned:
    """Check and plan everything, writing nothing; raise CheckFailed with every error.

    Every stage that can still run does, so one run reports them all: the settings, the
    records (checked against the settings that are valid when some are not), the theme,
    its translations and templates (which need no records), and the lints.
    Drafts are checked like everything else, and planned only with drafts (a preview).
    Processed images are kept in cache_dir/images (default site_dir/.cache/badgesite).
    """
    site_dir = site_dir.absolute()
    cache = ImageCache(images_folder(site_dir, cache_dir))
    findings = lint_files(site_dir)
    errors: list[ContentError] = []
    settings = _settings(site_dir, base_url, errors)
    settings_valid = not errors
    site: Site | None = None
    reconciliation = None
    templates = None
    if settings is not None:
        loaded = load_records(site_dir, parsed, processes)
        try:
            site = build_site(_checkable(settings, loaded), site_dir, loaded, cache)
            reconciliation = published.reconcile(site, frozen)
        except ContentErrors as failure:
            errors.extend(failure.errors)
        if settings.knows("theme"):
            templates = _theme(settings.config, site_dir, errors, findings)
        if settings_valid:  # (settings in error are at their defaults: no lints of them)
            findings.extend(lint_settings(settings.config, site_dir))
    if site is not None and reconciliation is not None:
        findings.extend(lint_site(site, reconciliation))
    errors.extend(errors_of(findings))
    if errors and templates is not None:
        # A failing run reports every template's errors too; a build that goes on compiles
        # only the templates it renders, as it renders them (check compiles them all).
        errors.extend(templates.compile_all())
    if errors or site is None or reconciliation is None or templates is None:
        raise CheckFailed(errors, warnings_of(findings))
    theme = templates.theme
    if not drafts:
        site = without_drafts(site)
    moment = now or dt.datetime.now(dt.timezone.utc)
    plan: Plan = plan_site(site, theme, moment)
    renderer = Renderer(site, plan, theme, moment, cache, templates)
    warnings = tuple(sorted(warnings_of(findings)))
    return Planned(site, plan, theme, renderer, moment, reconciliation, warnings)


@dataclass(frozen=True)
class _Settings:
    """site.yaml's settings as far as they are known: the ones in error (every one but the
    theme, when site.yaml cannot be read) are at their defaults."""

    config: SiteConfig
    unknown: frozenset[str]

    def knows(self, setting: str) -> bool:
        return setting not in self.unknown


def _settings(site_dir: Path, base_url: str | None, errors: list[ContentError]) -> _Settings | None:
    """site.yaml's settings; their errors go to errors. None when there is no content/."""
    try:
        return _Settings(load_config(site_dir, base_url), frozenset())
    except ContentErrors as failure:
        errors.extend(failure.errors)
        broken = failure.errors
    if not (site_dir / "content").is_dir():
        return None
    path = site_dir / "content" / "site.yaml"
    parsed = read_yaml(path, site_dir) if path.is_file() else None
    # Unreadable settings still let the theme be checked: the one a plain `theme:` line
    # names, else the default chain (every theme ends in it).
    stand_in = SiteConfig("untitled", PLACEHOLDER_BASE_URL, theme=readable_theme(site_dir))
    unreadable = _Settings(stand_in, frozenset(SITE_FIELDS) - {"theme"})
    if parsed is None or isinstance(parsed, ContentError) or not isinstance(parsed[0], dict):
        return unreadable
    data, locator = parsed
    wrong = frozenset(error.field.split(".")[0].split("[")[0] for error in broken)
    kept = {key: value for key, value in data.items() if key not in wrong}
    for key, stand_in in (("title", "untitled"), ("base_url", PLACEHOLDER_BASE_URL)):
        if not kept.get(key):
            kept[key] = stand_in
    record = RawRecord("site", None, display_path(path, site_dir), kept, locator)
    try:
        return _Settings(parse_config(record), wrong)
    except ContentErrors:
        return unreadable


def _checkable(settings: _Settings, loaded: LoadResult) -> SiteConfig:
    """The settings to check the records against. When default_issuer is unknown, any
    issuer stands in for it: a badge without an issuer of its own is then not reported
    for a setting that is in error itself (nothing is built while it is)."""
    if settings.knows("default_issuer"):
        return settings.config
    issuers = sorted(
        {record.slug for record in loaded.records if record.kind == "issuer" and record.slug}
        | {slug for kind, slug in loaded.broken_slugs if kind == "issuer"}
    )
    return dataclasses.replace(settings.config, default_issuer=issuers[0] if issuers else "")


def _theme(
    config: SiteConfig, site_dir: Path, errors: list[ContentError], findings: list[Finding]
) -> PageTemplates | None:
    """The theme chain's templates, with their translations linted; None when the chain
    is in error. The errors go to errors: a translation's too, its templates still made
    (with the texts that can be read) so that theirs are reported with it."""
    try:
        theme = resolve_theme_chain(config.theme, site_dir)
    except ContentErrors as failure:
        errors.extend(failure.errors)
        return None
    templates = PageTemplates(theme, config)
    errors.extend(templates.translations.errors)
    findings.extend(lint_translations(theme, config))
    return templates


def build(
    site_dir: Path,
    output_dir: Path | None = None,
    base_url: str | None = None,
    now: dt.datetime | None = None,
    frozen: bool = False,
    cache_dir: Path | None = None,
    clean: bool = False,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    strict: bool = False,
    drafts: bool = False,
) -> BuildReport:
    """Build the site at site_dir into output_dir (default site_dir/output).

    A normal build adds newly published award ids to content/published-awards.txt; a frozen
    one (CI) only checks that file and fails when it is out of date.

    The build cache (in cache_dir, default site_dir/.cache/badgesite; see cache.store)
    says what each output was made from:
    a rebuild renders only outputs whose sources changed and writes only files whose bytes
    changed. Before that, when no file the last build read has changed since (the source
    stamp), it returns that build's report without reading a record. clean ignores both
    and builds everything into a fresh folder. Either way, everything is rendered before
    output_dir is touched, so a failed build changes nothing.
    processes caps the worker processes (default: one per core; 1 renders in this process).
    progress, when given, is called with (outputs rendered so far, outputs to render).
    strict raises StrictFailure on warnings, before writing anything. drafts builds the
    drafts too (marked DRAFT, noindex, never recorded as published): a preview, always
    made afresh and leaving no cache or stamp, so the next build replaces it whole.
    """
    started = time.perf_counter()
    site_dir = site_dir.absolute()
    output_dir = (output_dir or site_dir / "output").absolute()
    check_output_dir(output_dir, site_dir)
    recover(output_dir)  # a build killed while writing: finish its swap, drop its leftovers
    stores = BuildStores.of(site_dir, output_dir, cache_dir)
    stores.check_place(site_dir, output_dir)
    if not clean and not drafts:
        unchanged = source_stamp.reuse(site_dir, output_dir, base_url, now, started, cache_dir)
        if unchanged is not None:
            if strict and unchanged.warnings:
                raise StrictFailure(unchanged.warnings)
            return unchanged
    source_stamp.forget(stores)
    sources = source_stamp.scan(site_dir)  # before anything is read, to stamp it at the end
    parsed = ParsedYamlCache(stores.records, reuse=not clean)
    planned = plan_checked(site_dir, base_url, now, frozen, cache_dir, parsed, processes, drafts)
    if strict and planned.warnings:
        raise StrictFailure(planned.warnings)
    # The parsed records are not needed past the model: keep them for the next build now,
    # and let them go before the workers fork (at 100,000 awards they weigh hundreds of MiB).
    parsed.save()
    del parsed
    plan = planned.plan
    fingerprints = fingerprint_outputs(planned.site, plan, planned.theme, planned.moment)
    identity = BuildIdentity.of(
        site_dir, output_dir, planned.site.config.base_url, planned.site.config.theme
    )
    fresh = clean or drafts or not output_dir.is_dir()
    previous = None if fresh else build_cache.read(stores, identity)
    if previous is None:
        stale = plan.outputs
        gone: list[str] = []
    else:
        stale = tuple(
            output
            for output in plan.outputs
            if not previous.is_current(output.path, fingerprints[output.path], output_dir)
        )
        planned_paths = {output.path for output in plan.outputs}
        gone = [path for path in previous.fingerprints if path not in planned_paths]
    if previous is not None and not stale and not gone:
        _record_published(site_dir, planned.reconciliation, frozen)
        write_report = WriteReport(0, 0)  # nothing to render, write or remove
    else:
        # The new build is made complete in a staging folder, then takes output/'s place.
        staging = Staging(output_dir, incremental=previous is not None)
        try:
            results = map_parallel(
                _reporting(lambda output: staging.stage(planned.renderer.render(output))),
                stale,
                processes,
                _counting(progress, len(stale)) if progress else None,
            )
            staged = _succeeded(results, planned.warnings)
        except BaseException:
            staging.discard()
            raise
        # Recorded before output/ shows them: a build killed right after its swap has
        # still recorded every award it published.
        _record_published(site_dir, planned.reconciliation, frozen)
        rendered = {output.path for output in stale}
        unchanged = [output.path for output in plan.outputs if output.path not in rendered]
        write_report = _write(
            stores, output_dir, identity, fingerprints, previous, staging, staged, unchanged, gone
        )
        if drafts:
            build_cache.forget(stores)  # a preview's outputs are never reused
    reconciliation = planned.reconciliation
    report = BuildReport(
        output_dir=output_dir,
        pages=len(plan.by_kind(Kind.PAGE)),
        documents=len(plan.by_kind(Kind.JSON)),
        files=sum(len(plan.by_kind(kind)) for kind in (Kind.COPY, Kind.TEXT, Kind.IMAGE)),
        seconds=time.perf_counter() - started,
        warnings=planned.warnings,
        newly_recorded=() if frozen else reconciliation.new_ids,
        rendered=len(stale),
        written=write_report.files,
        removed=write_report.removed,
        incremental=previous is not None,
    )
    if not drafts:
        source_stamp.record(
            stores,
            site_dir,
            sources,
            identity,
            base_url,
            planned.site,
            planned.theme,
            planned.moment,
            report,
        )
    return report


def _record_published(
    site_dir: Path, reconciliation: published.Reconciliation, frozen: bool
) -> None:
    if not frozen and reconciliation.changed:
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
    previous: BuildCache | None,
    staging: Staging,
    staged: list[StagedFile],
    unchanged: list[str],
    gone: list[str],
) -> WriteReport:
    """Swap the new build in whole (the unchanged files of output/ carried over), then
    record the cache."""
    build_cache.forget(stores)  # a write cut short must never be trusted
    removed = sum(os.path.lexists(os.path.join(output_dir, path)) for path in gone)
    report = staging.publish(staged, unchanged, removed)
    files = {} if previous is None else dict(previous.files)
    for item in staged:
        files[item.path] = item.state
    kept = {path: state for path, state in files.items() if path in fingerprints}
    build_cache.save(stores, BuildCache(identity, fingerprints, kept))
    return report


def check(
    site_dir: Path,
    base_url: str | None = None,
    now: dt.datetime | None = None,
    frozen: bool = False,
    drafts: bool = False,
) -> tuple[Finding, ...]:
    """Everything a build checks, writing nothing: the warnings, or CheckFailed.

    Every template is compiled, every output rendered (a template can fail) and its bytes
    dropped, the drafts' outputs too with drafts (they are checked either way). What only
    a frozen (CI) build fails on, a published-awards record out of date,
    is a warning of an unfrozen check: a local build would fix it, the deploy would not.
    """
    planned = plan_checked(site_dir, base_url, now, frozen, drafts=drafts)
    problems = planned.renderer.templates.compile_all()  # those no page uses too
    if problems:
        raise CheckFailed(problems, planned.warnings)
    results = map_parallel(
        _reporting(lambda output: planned.renderer.render(output) and None), planned.plan.outputs
    )
    _succeeded(results, planned.warnings)
    stale = None if frozen else planned.reconciliation.out_of_date(site_dir.absolute())
    if stale is None:
        return planned.warnings
    return tuple(sorted((*planned.warnings, Finding(WARNING, stale))))


Done = TypeVar("Done")


def _reporting(work: Callable[[Output], Done]) -> Callable[[Output], Done | ContentError]:
    """work, with a template's failure returned as its error rather than raised: every
    failing template is reported, and only plain data crosses back from a worker."""

    def attempt(output: Output) -> Done | ContentError:
        try:
            return work(output)
        except TemplateFailed as failure:
            return failure.problem

    return attempt


def _succeeded(results: list[Done | ContentError], warnings: tuple[Finding, ...]) -> list[Done]:
    """The results, or CheckFailed with the template errors among them: one per place in
    a template, however many pages fail there (an award page's mistake fails every award)."""
    by_place: dict[tuple[str, int], list[ContentError]] = {}
    for result in results:
        if isinstance(result, ContentError):
            by_place.setdefault((result.path, result.line), []).append(result)
    if by_place:
        raise CheckFailed(map(_one_for_all, by_place.values()), warnings)
    return results  # type: ignore[return-value]


def _one_for_all(problems: list[ContentError]) -> ContentError:
    first, others = min(problems), len(problems) - 1
    if not others:
        return first
    more = f" (and {counted(others, 'more page')})"
    return dataclasses.replace(first, message=first.message + more)
