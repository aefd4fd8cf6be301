"""The schema of content/site.yaml: every setting, its type, default, checks and meaning."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from badgesite.errors import did_you_mean
from badgesite.load import SLUG_PATTERN, slug_problem
from badgesite.schema.declare import (
    EMAIL,
    INTEGER,
    LINE,
    PARAGRAPH,
    SLUG,
    Field,
    FieldType,
    Schema,
    choice,
    mapping,
    text,
)
from badgesite.schema.fields import (
    MAX_URL,
    FieldReader,
    http_url_problem,
    published_url_problem,
    shown,
)
from badgesite.templating.themes import NOT_A_THEME_NAME, available_themes

# public: listed everywhere; unlisted: at its own URL only; private: nothing published.
VISIBILITIES = ("public", "unlisted", "private")
# How `badgesite notify` reaches the mail server: STARTTLS on the submission port, TLS from
# the first byte (implicit TLS), or neither (a relay on this machine only, without a login).
SMTP_SECURITY = ("starttls", "ssl", "none")
SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
SMTP_PASSWORD_VARIABLE = "BADGESITE_SMTP_PASSWORD"
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
# Listings (earners, a badge's holders, skills) are split into pages of this many entries.
DEFAULT_PAGINATE = 100
MAX_PAGINATE = 10_000


@dataclass(frozen=True)
class SiteReading:
    """What reading site.yaml needs beyond it: the site folder, whose themes a misspelt
    theme name is compared with, and a --base-url given on the command line."""

    site_dir: Path | None = None
    base_url_override: str | None = None


def base_url_problem(value: str) -> str | None:
    """Why value cannot be a base URL, or None when it can."""
    problem = published_url_problem(value)
    if problem:
        return problem
    parts = urlsplit(value)  # http_url_problem has split it already: this cannot fail
    if parts.query or parts.fragment:
        return f"'{shown(value)}' must not have a query or fragment"
    return None


def job_search_url_problem(value: str) -> str | None:
    """Why value cannot be a job search URL template, or None when it can."""
    if value.count("{skill}") != 1 or value.replace("{skill}", "").count("{"):
        problem = http_url_problem(value)  # a URL that is no URL at all says so first
        return (
            problem
            or "must hold '{skill}' exactly once, e.g. https://jobs.example/search?q={skill}"
        )
    return published_url_problem(value.replace("{skill}", "skill"))


def _base_url(reader: FieldReader, value: str, context: SiteReading) -> str:
    # A --base-url replaces the setting: it is checked by itself (config.parse_config).
    if value and not context.base_url_override:
        problem = base_url_problem(value)
        if problem:
            reader.error(("base_url",), problem)
    return value


def _language(reader: FieldReader, value: str, context: Any) -> str:
    try:
        Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        reader.error(("language",), f"'{shown(value)}' is not a known language code")
        return "en"
    return value


def _theme(reader: FieldReader, value: str, context: SiteReading) -> str:
    if not SLUG_PATTERN.match(value):
        names = available_themes(context.site_dir) if context.site_dir else []
        hint = did_you_mean(value.lower(), names)
        reader.error(("theme",), f"'{shown(value)}' {NOT_A_THEME_NAME}{hint}")
    return value


def _default_issuer(reader: FieldReader, value: str, context: Any) -> str:
    if value and not SLUG_PATTERN.match(value):
        reader.error(("default_issuer",), str(slug_problem(value, "slug")))
    return value


def _timezone(reader: FieldReader, value: str, context: Any) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        reader.error(
            ("timezone",), f"'{shown(value)}' is not an IANA time zone such as Europe/Paris"
        )
        return "UTC"
    return value


def _job_search_url(reader: FieldReader, value: str, context: Any) -> str:
    problem = job_search_url_problem(value) if value else None
    if problem:
        reader.error(("job_search_url",), problem)
    return value


def _paginate(reader: FieldReader, value: int, context: Any) -> int:
    if not 1 <= value <= MAX_PAGINATE:
        reader.error(("paginate",), f"must be a whole number from 1 to {MAX_PAGINATE:,}")
    return value


def _theme_options(
    reader: FieldReader, field: Field, context: Any
) -> tuple[tuple[str, object], ...]:
    """site.yaml's `theme_options`, as given (a list or mapping as a tuple): the theme
    chain knows the names and types, and checks them (themes.resolve_options)."""
    options = reader.mapping(field.name)
    if options is None or not options.valid:
        return ()
    return tuple(
        (str(name), tuple(value.items() if isinstance(value, dict) else value))
        if isinstance(value, (dict, list, set))
        else (str(name), value)
        for name, value in options.data.items()
        if value is not None
    )


@dataclass(frozen=True)
class SmtpSettings:
    """site.yaml's `smtp:` block, checked; the password is never here (the environment's)."""

    host: str
    port: int
    security: str
    username: str
    sender: str  # `from`
    reply_to: str

    @property
    def is_loopback(self) -> bool:
        return self.host.lower() in _LOOPBACK_HOSTS


def _no_password(reader: FieldReader, value: str, context: Any) -> str:
    if value:  # never echoed: it is a secret
        reader.error(
            ("password",),
            f"a password never belongs in a file of the site (it would be committed): set "
            f"the environment variable {SMTP_PASSWORD_VARIABLE} instead",
        )
    return ""


def _smtp(reader: FieldReader, values: dict[str, Any], context: Any) -> SmtpSettings | None:
    security = values["security"]
    port = values["port"]
    if port is not None and not 1 <= port <= 65535:
        reader.error(("port",), f"{port} is not a port number (1 to 65535)")
    host = values["host"]
    if host and any(character in host for character in " /@"):
        reader.error(("host",), f"'{shown(host)}' is not a host name such as smtp.example.org")
    settings = SmtpSettings(
        host=host,
        port=port or SMTP_PORTS[security],
        security=security,
        username=values["username"],
        sender=values["from"],
        reply_to=values["reply_to"],
    )
    if security == "none" and settings.username and not settings.is_loopback:
        reader.error(
            ("security",),
            f"none would send the password to {host} unencrypted: use starttls or ssl "
            "(none is for a relay on this machine)",
        )
    if not (reader.valid and host and settings.sender):
        return None
    return settings


SMTP = Schema(
    "smtp",
    (
        Field("host", LINE, "the mail server, e.g. `smtp.example.org`", required=True),
        Field(
            "port",
            INTEGER,
            "its port",
            default_doc="587 for `starttls`, 465 for `ssl`, 25 for `none`",
        ),
        Field(
            "security",
            choice(SMTP_SECURITY),
            "`starttls` (submission, port 587), `ssl` (TLS from the start, port 465) or "
            "`none` (a relay on this machine, without a login); certificates are verified",
            default="starttls",
        ),
        Field(
            "username",
            LINE,
            "the login, if the server wants one; its password comes only from the "
            f"environment variable `{SMTP_PASSWORD_VARIABLE}`",
        ),
        Field("from", EMAIL, "the sender's address (shown with the site's title)", required=True),
        Field("reply_to", EMAIL, "where replies go", default_doc="the badge issuer's `email`"),
        Field(
            "password",
            LINE,
            f"never here: an error (use `{SMTP_PASSWORD_VARIABLE}`)",
            check=_no_password,
        ),
    ),
    make=_smtp,
)

_URL_TEXT = text(MAX_URL, shown="URL")
THEME_OPTIONS = FieldType("mapping", _theme_options)

SITE = Schema(
    "site",
    (
        Field("title", LINE, "the site's name", required=True),
        Field(
            "base_url",
            _URL_TEXT,
            "absolute `http(s)` URL the site is published at, may carry a path "
            "(`https://owner.github.io/repo/`); `--base-url` replaces it for one build",
            required=True,
            check=_base_url,
        ),
        Field("description", PARAGRAPH, "one paragraph, used on the home page"),
        Field("language", LINE, "page language", default="en", check=_language),
        Field(
            "theme",
            LINE,
            "theme name; built in: `default`, `compact` (denser, extends `default`)",
            default="default",
            check=_theme,
        ),
        Field(
            "default_issuer",
            SLUG,
            "issuer slug used by badges that name none",
            check=_default_issuer,
        ),
        Field(
            "timezone",
            LINE,
            "IANA zone for dates without an offset",
            default="UTC",
            check=_timezone,
        ),
        Field(
            "job_search_url",
            _URL_TEXT,
            "a job search URL with `{skill}` once, e.g. `https://jobs.example/search?q={skill}`:"
            " each skill on the skills index links to it",
            check=_job_search_url,
        ),
        Field(
            "default_visibility",
            choice(VISIBILITIES),
            "the visibility of every earner whose record names none, and of the earners "
            "`badgesite award --from-csv` creates (written into their records)",
            default="public",
        ),
        Field(
            "paginate",
            INTEGER,
            "how many entries a page of a long listing shows (the earner and badge indexes, "
            "a badge's holders, the skills index), 1 to 10,000; past it the listing "
            "continues at `.../page/2/`, `.../page/3/`, ...",
            default=DEFAULT_PAGINATE,
            check=_paginate,
        ),
        Field(
            "theme_options",
            THEME_OPTIONS,
            "a mapping of the theme's options (`accent_color`, `logo`, `footer_text`, "
            "`show_share_buttons` in the built-in themes) to values; see "
            "[Theme options](../README.md#theme-options)",
            default_doc="the theme's defaults",
        ),
        Field(
            "smtp",
            mapping(SMTP),
            "how `badgesite notify` sends email (see [Notifying earners]"
            "(../README.md#notifying-earners))",
            default_doc="none: nothing is sent",
        ),
    ),
)
