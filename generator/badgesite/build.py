"""The build: config -> load -> model -> plan -> render -> write, and a report of it."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from badgesite.config import SiteConfig, load_config
from badgesite.image_cache import ImageCache, default_cache_dir
from badgesite.load import load_records
from badgesite.model import Site, build_site
from badgesite.plan import Kind, Plan, plan_site
from badgesite.render import Renderer
from badgesite.themes import resolve_theme_chain
from badgesite.write import write_site


@dataclass(frozen=True)
class BuildReport:
    output_dir: Path
    pages: int
    documents: int
    files: int
    seconds: float

    def summary(self) -> str:
        return (
            f"Built {self.pages} pages, {self.documents} Open Badges documents and "
            f"{self.files} other files into {self.output_dir} in {self.seconds:.2f} s"
        )


def load_site(site_dir: Path, base_url: str | None = None, cache: ImageCache | None = None) -> Site:
    """Read and validate everything; raise ContentErrors listing every problem."""
    config: SiteConfig = load_config(site_dir, base_url)
    return build_site(config, site_dir, load_records(site_dir), cache)


def build(
    site_dir: Path,
    output_dir: Path | None = None,
    base_url: str | None = None,
    now: dt.datetime | None = None,
    cache_dir: Path | None = None,
) -> BuildReport:
    """Build the site at site_dir into output_dir (default site_dir/output).

    Processed images are kept in cache_dir (default site_dir/.cache/badgesite/images).
    """
    started = time.perf_counter()
    site_dir = site_dir.absolute()
    output_dir = (output_dir or site_dir / "output").absolute()
    cache = ImageCache((cache_dir or default_cache_dir(site_dir)).absolute())
    site = load_site(site_dir, base_url, cache)
    theme = resolve_theme_chain(site.config.theme, site_dir)
    plan: Plan = plan_site(site, theme)
    moment = now or dt.datetime.now(dt.timezone.utc)
    renderer = Renderer(site, plan, theme, moment, cache)
    # Render everything before the first byte is written, so a template error loses nothing.
    rendered = list(renderer.render_all())
    write_site(output_dir, rendered)
    return BuildReport(
        output_dir=output_dir,
        pages=len(plan.by_kind(Kind.PAGE)),
        documents=len(plan.by_kind(Kind.JSON)),
        files=sum(len(plan.by_kind(kind)) for kind in (Kind.COPY, Kind.TEXT, Kind.IMAGE)),
        seconds=time.perf_counter() - started,
    )
