"""content/site.yaml -> SiteConfig, with every problem reported at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from badgesite.errors import ContentError, ContentErrors
from badgesite.load import RawRecord, display_path, read_yaml
from badgesite.schema.fields import FieldReader
from badgesite.schema.site import (
    DEFAULT_PAGINATE,
    SITE,
    SiteReading,
    SmtpSettings,
    base_url_problem,
)
from badgesite.schema.site import MAX_PAGINATE as MAX_PAGINATE
from badgesite.schema.site import VISIBILITIES as VISIBILITIES
from badgesite.schema.site import job_search_url_problem as job_search_url_problem

# The settings are read by their schema (schema/site.py); the rest of badgesite finds its
# names here (`X as X`: imported to be found).
SITE_FIELDS = SITE.names


@dataclass(frozen=True)
class SiteConfig:
    """The site's settings, validated; base_url always ends with a slash."""

    title: str
    base_url: str
    description: str = ""
    language: str = "en"
    theme: str = "default"
    default_issuer: str = ""
    timezone: str = "UTC"
    job_search_url: str = ""
    default_visibility: str = "public"
    paginate: int = DEFAULT_PAGINATE
    theme_options: tuple[tuple[str, object], ...] = ()
    smtp: SmtpSettings | None = None
    source: str = "content/site.yaml"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The path part of base_url, e.g. `/repo/` for a GitHub Pages project site."""
        return urlsplit(self.base_url).path or "/"


def normalize_base_url(value: str) -> str:
    return value if value.endswith("/") else value + "/"


def load_config(site_dir: Path, base_url_override: str | None = None) -> SiteConfig:
    """Read and validate content/site.yaml; raise ContentErrors listing every problem."""
    path = site_dir / "content" / "site.yaml"
    shown = display_path(path, site_dir)
    if not (site_dir / "content").is_dir():
        raise ContentErrors(
            [
                ContentError(
                    display_path(site_dir / "content", site_dir),
                    0,
                    "",
                    "no content/ folder here: run badgesite in a site folder "
                    "(or create one with `badgesite new`)",
                )
            ]
        )
    if not path.is_file():
        raise ContentErrors(
            [
                ContentError(
                    shown,
                    0,
                    "",
                    "missing: a site needs content/site.yaml with at least title and base_url",
                )
            ]
        )
    parsed = read_yaml(path, site_dir)
    if isinstance(parsed, ContentError):
        raise ContentErrors([parsed])
    data, locator = parsed
    record = RawRecord("site", None, shown, data, locator)
    return parse_config(record, base_url_override, site_dir)


def parse_config(
    record: RawRecord, base_url_override: str | None = None, site_dir: Path | None = None
) -> SiteConfig:
    """The settings of site.yaml's record, read by its schema; site_dir, when given, lets a
    theme name in error suggest the theme meant."""
    errors: list[ContentError] = []
    reader = FieldReader(record, errors)
    settings = SITE.read(reader, SiteReading(site_dir, base_url_override))
    if base_url_override:
        override_problem = base_url_problem(base_url_override)
        if override_problem:
            errors.append(ContentError("--base-url", 0, "", override_problem))
        settings["base_url"] = base_url_override
    if errors:
        raise ContentErrors(errors)
    settings["base_url"] = normalize_base_url(settings["base_url"])
    return SiteConfig(**settings, source=record.source)
