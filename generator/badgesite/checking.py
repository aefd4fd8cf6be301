"""Checking a site: every stage that can run reports its errors, then its plan and renderer."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from badgesite.cache.image_cache import ImageCache
from badgesite.cache.parsed_cache import ParsedYamlCache
from badgesite.cache.store import images_folder
from badgesite.config import SITE_FIELDS, SiteConfig, load_config, parse_config
from badgesite.errors import WARNING, BuildError, ContentError, ContentErrors, Finding
from badgesite.guards import credentials, published
from badgesite.guards.credentials import Signing
from badgesite.guards.leaked_keys import output_key_findings, private_key_findings, private_keys_in
from badgesite.guards.lints import (
    CheckFailed,
    errors_of,
    lint_files,
    lint_record_files,
    lint_settings,
    lint_site,
    warnings_of,
)
from badgesite.guards.translations import lint_translations
from badgesite.load import LoadResult, RawRecord, display_path, load_records, read_yaml
from badgesite.model import (
    Made,
    Site,
    build_site,
    build_site_again,
    derive_again,
    without_drafts,
)
from badgesite.options import SIGNING_KEY_VARIABLE, BuildOptions
from badgesite.outputs import Output
from badgesite.plan import Part, Plan, PlanParts, parts_touched, plan_parts
from badgesite.primitives.collector import settle
from badgesite.primitives.parallel import map_parallel
from badgesite.publishing import ob3
from badgesite.render import PageTemplates, Renderer, TemplateFailed
from badgesite.report import counted
from badgesite.templating.references import TemplateReferences
from badgesite.templating.themes import ThemeChain, readable_theme, resolve_theme_chain
from badgesite.urls import PLACEHOLDER_BASE_URL


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
    signing: Signing | None = None  # None: the site publishes no Open Badges 3.0 documents


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
    options: BuildOptions, parsed: ParsedYamlCache | None = None, writes: bool = True
) -> Planned:
    """Check and plan everything, writing nothing; raise CheckFailed with every error.

    Every stage that can still run does, so one run reports them all: the settings, the
    records (checked against the settings that are valid when some are not), the theme,
    its translations and templates (which need no records), and the lints.
    Drafts are checked like everything else, and planned only with drafts (a preview).
    Processed images are kept in cache_dir/images (default site_dir/.cache/badgesite);
    parsed, when given, keeps the parsed records between builds. writes is False for a
    check, which makes no signing key (it signs with a throwaway one). A private key where
    it could be committed or published is an error (guards/leaked_keys.py).
    """
    return plan_kept(options, parsed, writes)[0]


@dataclass(frozen=True)
class Kept:
    """What checking and planning a site made that the next build of it can start from,
    when only record files changed since (replan_checked)."""

    settings: _Settings
    templates: PageTemplates
    cache: ImageCache
    loaded: LoadResult
    made: Made  # what the model made of each record of loaded
    site: Site  # with its drafts
    planned_site: Site  # Planned's: without its drafts, unless a preview
    file_findings: tuple[Finding, ...]  # lint_files'
    fixed_findings: tuple[Finding, ...]  # the theme's and the settings'
    parts: PlanParts
    made_parts: frozenset[Part]  # the parts of the plan made anew (the others kept)
    # The records of content/ a build reads whole, as read (before it adds to them): the
    # next build parses them again only if their texts changed.
    published_record: published.PublishedRecord
    credential_record: credentials.CredentialRecord | None


def plan_kept(
    options: BuildOptions,
    parsed: ParsedYamlCache | None = None,
    writes: bool = True,
) -> tuple[Planned, Kept]:
    """plan_checked, and what it made to keep (see Kept)."""
    site_dir = options.absolute_site_dir
    cache = ImageCache(images_folder(site_dir, options.cache_dir))
    findings = lint_files(site_dir)
    file_findings = tuple(findings)
    # A build must never publish a private key: it scans what it reads. A check also
    # scans what could be committed (the root files git does not ignore, .github/, a key
    # file git tracks) and output/ as it stands, which a deploy may upload; a build leaves
    # those to it, so that it starts no git and walks no output folder.
    findings.extend(private_key_findings(site_dir, everything=not writes))
    if not writes:
        findings.extend(output_key_findings(site_dir, options.absolute_output_dir))
    errors: list[ContentError] = []
    settings = _settings(site_dir, options.base_url, errors)
    settings_valid = not errors
    site: Site | None = None
    made: Made = {}
    reconciliation = None
    signing = None
    templates = None
    fixed_from = fixed_to = 0
    if settings is not None:
        loaded = load_records(site_dir, parsed, options.processes)
        settle()  # within a build, what lives until it ends is left alone by collections
        try:
            site, made = build_site_again(_checkable(settings, loaded), site_dir, loaded, cache)
            settle()
            reconciliation = published.reconcile(site, options.frozen)
        except ContentErrors as failure:
            errors.extend(failure.errors)
        if site is not None and settings_valid:
            signing = _signing(site, options, writes, errors, findings)
        fixed_from = len(findings)
        if settings.knows("theme"):
            templates = _theme(settings.config, site_dir, errors, findings)
        if settings_valid:  # (settings in error are at their defaults: no lints of them)
            findings.extend(lint_settings(settings.config, site_dir))
        fixed_to = len(findings)
    if site is not None and reconciliation is not None:
        findings.extend(lint_site(site, reconciliation))
    errors.extend(errors_of(findings))
    if errors and templates is not None:
        # A failing run reports every template's errors too; a build that goes on compiles
        # only the templates it renders, as it renders them (check compiles them all).
        errors.extend(templates.compile_all())
    if errors or settings is None or site is None or reconciliation is None or templates is None:
        raise CheckFailed(errors, warnings_of(findings))
    theme = templates.theme
    checked = site
    if not options.drafts:
        site = without_drafts(site)
    moment = _moment(options)
    templates.keep_compiled(cache, signing)  # before planning, which reads what they name
    references = TemplateReferences(theme, templates.compiled)
    plan, parts, made_parts = plan_parts(
        site, theme, moment, credentials=signing is not None, references=references
    )
    renderer = Renderer(site, plan, theme, moment, cache, templates, signing)
    warnings = tuple(sorted(warnings_of(findings)))
    planned = Planned(site, plan, theme, renderer, moment, reconciliation, warnings, signing)
    kept = Kept(
        settings,
        templates,
        cache,
        loaded,
        made,
        checked,
        site,
        file_findings,
        tuple(findings[fixed_from:fixed_to]),
        parts,
        made_parts,
        reconciliation.record,
        None if signing is None else signing.record,
    )
    return planned, kept


def replan_checked(
    options: BuildOptions, kept: Kept, changed: frozenset[str]
) -> tuple[Planned, Kept] | None:
    """plan_kept for a site of which only the record files at the paths changed (as
    shown: "content/awards/x.yaml") have changed since kept was made, with the same
    options but the moment: only those files are read again, only the records they hold
    and those that refer to them are made again, only the parts of the plan they touch
    are planned again; every check of the whole site runs again. None when the build has
    to be made as plan_kept makes it: an error (plan_kept reports it, with every other),
    an issuer changed (its address may be in other files), a clash of paths.
    """
    if any(path.startswith("content/issuers/") for path in changed):
        return None
    site_dir = options.absolute_site_dir
    unchanged: dict[str, list[RawRecord]] = {}
    for record in kept.loaded.records:
        if record.source not in changed:
            unchanged.setdefault(record.source, []).append(record)
    loaded = load_records(
        site_dir, None, options.processes, {path: tuple(found) for path, found in unchanged.items()}
    )
    if loaded.errors:
        return None
    files = [site_dir / path for path in sorted(changed) if (site_dir / path).is_file()]
    if private_keys_in(site_dir, files):
        return None
    file_findings = tuple(
        sorted(
            (
                *(finding for finding in kept.file_findings if finding.problem.path not in changed),
                *lint_record_files(site_dir, files),
            )
        )
    )
    findings = list(file_findings)
    errors: list[ContentError] = []
    config = kept.settings.config
    try:
        site, made = build_site_again(config, site_dir, loaded, kept.cache, kept.made)
        # What the last build grouped (awards by badge, earner, issuer) is grouped again
        # only where an award changed (the published site's too, below).
        derive_again(kept.site, site)
        reconciliation = published.reconcile(site, options.frozen, kept.published_record)
    except ContentErrors:
        return None
    signing = _signing(site, options, True, errors, findings, kept.credential_record)
    findings.extend(kept.fixed_findings)
    findings.extend(lint_site(site, reconciliation))
    if errors or errors_of(findings):
        return None
    checked = site
    if not options.drafts:
        site = without_drafts(site)
    before = kept.planned_site
    if site is not checked:
        derive_again(before, site)
    moment = _moment(options)
    theme = kept.templates.theme
    try:
        plan, parts, made_parts = plan_parts(
            site,
            theme,
            moment,
            credentials=signing is not None,
            previous=kept.parts,
            touched=parts_touched(before, site),
        )
    except BuildError:
        return None
    renderer = Renderer(site, plan, theme, moment, kept.cache, kept.templates, signing)
    warnings = tuple(sorted(warnings_of(findings)))
    planned = Planned(site, plan, theme, renderer, moment, reconciliation, warnings, signing)
    again = Kept(
        kept.settings,
        kept.templates,
        kept.cache,
        loaded,
        made,
        checked,
        site,
        file_findings,
        kept.fixed_findings,
        parts,
        made_parts,
        reconciliation.record,
        None if signing is None else signing.record,
    )
    return planned, again


def _moment(options: BuildOptions) -> dt.datetime:
    return options.now or dt.datetime.now(dt.timezone.utc)


def _signing(
    site: Site,
    options: BuildOptions,
    writes: bool,
    errors: list[ContentError],
    findings: list[Finding],
    previous: credentials.CredentialRecord | None = None,
) -> Signing | None:
    """The key and records that sign the site's Open Badges 3.0 documents; None when its
    base_url cannot name a did:web issuer (a warning, unless a preview's URL replaced it).
    previous: the records the last build read (see credentials.read_credential_record)."""
    why_not = ob3.publishes_credentials(site.config)
    if why_not:
        # An http base_url has its own warning; a preview's URL replaced the real one.
        if options.base_url is None and site.config.base_url.startswith("https:"):
            findings.append(
                Finding.warning(
                    site.config.source,
                    0,
                    "base_url",
                    f"no Open Badges 3.0 credentials are published: {why_not}",
                )
            )
        return None
    today = _moment(options).astimezone(site.config.zone).date()
    environ = {SIGNING_KEY_VARIABLE: options.signing_key} if options.signing_key else {}
    try:
        return credentials.prepare_signing(site, environ, today, options.frozen, writes, previous)
    except ContentErrors as failure:
        errors.extend(failure.errors)
        return None


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
    errors.extend(templates.errors)  # its translations' and theme options'
    findings.extend(lint_translations(theme, config))
    return templates


def check_site(options: BuildOptions) -> tuple[Finding, ...]:
    """Everything a build checks, writing nothing: the warnings, or CheckFailed.

    Every template is compiled, every output rendered (a template can fail) and its bytes
    dropped, the drafts' outputs too with drafts (they are checked either way). What only
    a frozen (CI) build fails on, a published-awards record out of date,
    is a warning of an unfrozen check: a local build would fix it, the deploy would not.
    """
    planned = plan_checked(options, writes=False)
    problems = planned.renderer.templates.compile_all()  # those no page uses too
    if problems:
        raise CheckFailed(problems, planned.warnings)
    results = map_parallel(
        failures_returned(lambda output: planned.renderer.render(output) and None),
        planned.plan.outputs,
        options.processes,
    )
    succeeded(results, planned.warnings)
    stale = (
        None if options.frozen else planned.reconciliation.out_of_date(options.absolute_site_dir)
    )
    if stale is None:
        return planned.warnings
    return tuple(sorted((*planned.warnings, Finding(WARNING, stale))))


Done = TypeVar("Done")


def failures_returned(work: Callable[[Output], Done]) -> Callable[[Output], Done | ContentError]:
    """work, with a template's failure returned as its error rather than raised: every
    failing template is reported, and only plain data crosses back from a worker."""

    def attempt(output: Output) -> Done | ContentError:
        try:
            return work(output)
        except TemplateFailed as failure:
            return failure.problem
        except ob3.CredentialRefused as refused:
            return refused.problems[0]

    return attempt


def succeeded(results: list[Done | ContentError], warnings: tuple[Finding, ...]) -> list[Done]:
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
