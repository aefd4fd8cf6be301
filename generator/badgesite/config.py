"""content/site.yaml -> SiteConfig, with every problem reported at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from badgesite.errors import ContentError, ContentErrors, did_you_mean
from badgesite.load import SLUG_PATTERN, RawRecord, display_path, read_yaml, slug_problem
from badgesite.schema.fields import MAX_URL, FieldReader, http_url_problem, shown
from badgesite.templating.themes import NOT_A_THEME_NAME, available_themes

SITE_FIELDS = (
    "title",
    "base_url",
    "description",
    "language",
    "theme",
    "default_issuer",
    "timezone",
    "job_search_url",
    "default_visibility",
    "paginate",
    "theme_options",
)
# public: listed everywhere; unlisted: at its own URL only; private: nothing published.
VISIBILITIES = ("public", "unlisted", "private")
# Listings (earners, a badge's holders, skills) are split into pages of this many entries.
DEFAULT_PAGINATE = 100
MAX_PAGINATE = 10_000


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
    source: str = "content/site.yaml"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The path part of base_url, e.g. `/repo/` for a GitHub Pages project site."""
        return urlsplit(self.base_url).path or "/"


def base_url_problem(value: str) -> str | None:
    """Why value cannot be a base URL, or None when it can."""
    problem = http_url_problem(value)
    if problem:
        return problem
    parts = urlsplit(value)  # http_url_problem has split it already: this cannot fail
    if parts.query or parts.fragment:
        return f"'{shown(value)}' must not have a query or fragment"
    return None


def job_search_url_problem(value: str) -> str | None:
    """Why value cannot be a job search URL template, or None when it can."""
    problem = http_url_problem(value)
    if problem:
        return problem
    if value.count("{skill}") != 1 or value.replace("{skill}", "").count("{"):
        return "must hold '{skill}' exactly once, e.g. https://jobs.example/search?q={skill}"
    return None


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
    """The settings of site.yaml's record; site_dir, when given, lets a theme name in error
    suggest the theme meant."""
    errors: list[ContentError] = []
    reader = FieldReader(record, errors)
    reader.check_keys(SITE_FIELDS)
    title = reader.text("title", required=True)
    base_url = reader.text("base_url", required=True, limit=MAX_URL)
    if base_url_override:
        override_problem = base_url_problem(base_url_override)
        if override_problem:
            errors.append(ContentError("--base-url", 0, "", override_problem))
        base_url = base_url_override
    elif base_url:
        problem = base_url_problem(base_url)
        if problem:
            reader.error(("base_url",), problem)
    language = reader.text("language", default="en")
    try:
        Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        reader.error(("language",), f"'{shown(language)}' is not a known language code")
        language = "en"
    theme = reader.text("theme", default="default")
    if not SLUG_PATTERN.match(theme):
        names = available_themes(site_dir) if site_dir else []
        hint = did_you_mean(theme.lower(), names)
        reader.error(("theme",), f"'{shown(theme)}' {NOT_A_THEME_NAME}{hint}")
    default_issuer = reader.text("default_issuer")
    if default_issuer and not SLUG_PATTERN.match(default_issuer):
        reader.error(("default_issuer",), str(slug_problem(default_issuer, "slug")))
    timezone = reader.text("timezone", default="UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        reader.error(
            ("timezone",), f"'{shown(timezone)}' is not an IANA time zone such as Europe/Paris"
        )
        timezone = "UTC"
    job_search_url = reader.text("job_search_url", limit=MAX_URL)
    if job_search_url:
        problem = job_search_url_problem(job_search_url)
        if problem:
            reader.error(("job_search_url",), problem)
    default_visibility = reader.choice("default_visibility", VISIBILITIES, "public")
    paginate = reader.integer("paginate")
    if paginate is not None and not 1 <= paginate <= MAX_PAGINATE:
        reader.error(("paginate",), f"must be a whole number from 1 to {MAX_PAGINATE:,}")
    description = reader.paragraph("description")
    theme_options = _theme_options(reader)
    if errors:
        raise ContentErrors(errors)
    return SiteConfig(
        title=title,
        base_url=normalize_base_url(base_url),
        description=description,
        language=language,
        theme=theme,
        default_issuer=default_issuer,
        timezone=timezone,
        job_search_url=job_search_url,
        default_visibility=default_visibility,
        paginate=DEFAULT_PAGINATE if paginate is None else paginate,
        theme_options=theme_options,
        source=record.source,
    )


def _theme_options(reader: FieldReader) -> tuple[tuple[str, object], ...]:
    """site.yaml's `theme_options`, as given (a list or mapping as a tuple): the theme
    chain knows the names and types, and checks them (themes.resolve_options)."""
    options = reader.mapping("theme_options")
    if options is None or not options.valid:
        return ()
    return tuple(
        (str(name), tuple(value.items() if isinstance(value, dict) else value))
        if isinstance(value, (dict, list, set))
        else (str(name), value)
        for name, value in options.data.items()
        if value is not None
    )
