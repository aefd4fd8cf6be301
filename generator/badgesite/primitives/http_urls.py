"""The one check that text is an absolute http(s) URL a build can publish or a fetch can use."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

from badgesite.primitives.shown_text import CONTROL_CHARACTERS, shown

MAX_URL = 2_000


def http_url_problem(value: str) -> str | None:
    """Why value is not an absolute http(s) URL, or None when it is.

    The one URL check of badgesite: record fields, site.yaml, --base-url, --evidence and
    CSV columns all pass it. It never raises, whatever the text (urllib does on `http://[x/`
    or a port out of range).
    """
    if len(value) > MAX_URL:
        return f"is {len(value):,} characters long; URLs are limited to {MAX_URL:,}"
    if any(char.isspace() for char in value) or CONTROL_CHARACTERS.search(value):
        return f"'{shown(value)}' holds a space or a control character: encode it (%20)"
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number < 65536
    except ValueError:
        return f"'{shown(value)}' is not a URL that can be read (check its brackets and port)"
    if parts.scheme not in ("http", "https") or not hostname:
        return f"'{shown(value)}' is not an absolute http(s) URL"
    if not _readable_host(hostname, bracketed="[" in parts.netloc):
        return f"'{shown(value)}' does not name a host that can be looked up"
    return None


# What RFC 3987 allows in no part of an IRI (JSON-LD processors drop such an IRI, and an
# Open Badges 3.0 credential holding one fails to verify), and a '%' that escapes nothing.
_NOT_IN_IRIS = re.compile(r'[<>"{}|\\^`]')
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def published_url_problem(value: str) -> str | None:
    """Why value cannot be a URL badgesite publishes (a record's, a setting's), or None.

    Stricter than http_url_problem, which also judges the URLs of others' badges: a URL
    the site publishes must be a valid IRI too (RFC 3987), since JSON-LD processors drop an
    invalid one and an Open Badges 3.0 credential holding it then fails to verify.
    """
    problem = http_url_problem(value)
    if problem:
        return problem
    not_iri = _NOT_IN_IRIS.search(value)
    if not_iri:
        character = not_iri.group()
        return (
            f"'{shown(value)}' holds '{character}', which a URL must percent-encode "
            f"(%{ord(character):02X}): Open Badges verifiers refuse it"
        )
    if _BAD_PERCENT.search(value):
        return f"'{shown(value)}' has a '%' not followed by two hex digits: write %25 for '%'"
    if value.count("#") > 1:
        return f"'{shown(value)}' has two '#': encode the second as %23"
    return None


_HOST_LABEL = re.compile(r"\A(?!-)[a-z0-9_-]{1,63}(?<!-)\Z")


def _readable_host(hostname: str, bracketed: bool) -> bool:
    """Whether hostname (lowercased by urlsplit) is an IP address in brackets, or a name
    of letters, digits and hyphens (an international name as its IDNA form), 253 at most."""
    if bracketed:
        try:
            ipaddress.IPv6Address(hostname)
        except ValueError:
            return False
        return True
    if any(unicodedata.category(char) == "Cf" for char in hostname):
        return False  # invisible characters (a soft hyphen) would be dropped on lookup
    try:
        ascii_name = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_name.removesuffix(".").split(".")
    return len(ascii_name) <= 253 and all(_HOST_LABEL.match(label) for label in labels)


def is_http_url(value: str) -> bool:
    """Whether value may be published as a link (the authoring commands' check)."""
    return published_url_problem(value) is None
