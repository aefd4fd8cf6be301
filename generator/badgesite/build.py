"""The build: config -> load -> model -> plan -> render -> write, and a report of it."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from badgesite import published
from badgesite.checks import CheckFailed, Finding, errors_of, lint_files, lint_site, warnings_of
from badgesite.config import SiteConfig, load_config
from badgesite.errors import ContentErrors
from badgesite.image_cache import ImageCache, default_cache_dir
from badgesite.load import load_records
from badgesite.model import Site, build_site
from badgesite.plan import Kind, Plan, plan_site
from badgesite.render import Rendered, Renderer
from badgesite.themes import resolve_theme_chain
from badgesite.write import check_output_dir, write_atomic, write_site


@dataclass(frozen=True)
class BuildReport:
    output_dir: Path
    pages: int
    documents: int
    files: int
    seconds: float
    warnings: tuple[Finding, ...] = ()
    newly_recorded: tuple[str, ...] = ()

    def summary(self) -> str:
        text = (
            f"Built {self.pages} pages, {self.documents} Open Badges documents and "
            f"{self.files} other files into {self.output_dir} in {self.seconds:.2f} s"
        )
        if self.newly_recorded:
            count = len(self.newly_recorded)
            text += (
                f"\nRecorded {count} newly published award{'s' if count != 1 else ''} in "
                f"content/{published.PUBLISHED_FILE}: commit it."
            )
        return text


@dataclass(frozen=True)
class Prepared:
    """Everything a build would write, checked and rendered in memory."""

    site: Site
    plan: Plan
    rendered: tuple[Rendered, ...]
    reconciliation: published.Reconciliation
    warnings: tuple[Finding, ...]


def load_site(site_dir: Path, base_url: str | None = None, cache: ImageCache | None = None) -> Site:
    """Read and validate everything; raise ContentErrors listing every problem."""
    config: SiteConfig = load_config(site_dir, base_url)
    return build_site(config, site_dir, load_records(site_dir), cache)


def prepare(
    site_dir: Path,
    base_url: str | None = None,
    now: dt.datetime | None = None,
    frozen: bool = False,
    cache_dir: Path | None = None,
) -> Prepared:
    """Check and render everything, writing nothing; raise CheckFailed with every error.

    Processed images are kept in cache_dir (default site_dir/.cache/badgesite/images).
    """
    site_dir = site_dir.absolute()
    cache = ImageCache((cache_dir or default_cache_dir(site_dir)).absolute())
    file_findings = lint_files(site_dir)
    try:
        site = load_site(site_dir, base_url, cache)
        reconciliation = published.reconcile(site, frozen)
    except ContentErrors as failure:
        raise CheckFailed(
            [*failure.errors, *errors_of(file_findings)], warnings_of(file_findings)
        ) from None
    findings = [*file_findings, *lint_site(site, reconciliation)]
    if errors_of(findings):
        raise CheckFailed(errors_of(findings), warnings_of(findings))
    theme = resolve_theme_chain(site.config.theme, site_dir)
    plan: Plan = plan_site(site, theme)
    moment = now or dt.datetime.now(dt.timezone.utc)
    renderer = Renderer(site, plan, theme, moment, cache)
    # Render everything before the first byte is written, so a template error loses nothing.
    rendered = tuple(renderer.render_all())
    return Prepared(site, plan, rendered, reconciliation, tuple(sorted(warnings_of(findings))))


def build(
    site_dir: Path,
    output_dir: Path | None = None,
    base_url: str | None = None,
    now: dt.datetime | None = None,
    frozen: bool = False,
    cache_dir: Path | None = None,
) -> BuildReport:
    """Build the site at site_dir into output_dir (default site_dir/output).

    A normal build adds newly published award ids to content/published-awards.txt; a frozen
    one (CI) only checks that file and fails when it is out of date.
    """
    started = time.perf_counter()
    site_dir = site_dir.absolute()
    output_dir = (output_dir or site_dir / "output").absolute()
    check_output_dir(output_dir, site_dir)
    prepared = prepare(site_dir, base_url, now, frozen, cache_dir)
    write_site(output_dir, prepared.rendered)
    reconciliation = prepared.reconciliation
    if not frozen and reconciliation.changed:
        write_atomic(
            published.record_path(site_dir),
            published.updated_record_text(site_dir, reconciliation.current).encode("utf-8"),
        )
    plan = prepared.plan
    return BuildReport(
        output_dir=output_dir,
        pages=len(plan.by_kind(Kind.PAGE)),
        documents=len(plan.by_kind(Kind.JSON)),
        files=sum(len(plan.by_kind(kind)) for kind in (Kind.COPY, Kind.TEXT, Kind.IMAGE)),
        seconds=time.perf_counter() - started,
        warnings=prepared.warnings,
        newly_recorded=() if frozen else reconciliation.new_ids,
    )


def check(
    site_dir: Path,
    base_url: str | None = None,
    now: dt.datetime | None = None,
    frozen: bool = False,
) -> tuple[Finding, ...]:
    """Everything a build checks, writing nothing: the warnings, or CheckFailed."""
    return prepare(site_dir, base_url, now, frozen).warnings
