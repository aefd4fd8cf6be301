"""What an import retrieves, as plain data: no fetching here, so readers need no network code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RetrievedDocument:
    """A JSON document as retrieved; url is empty when it was embedded or read from a file."""

    url: str
    json: Any

    @property
    def mapping(self) -> dict[str, Any]:
        return self.json if isinstance(self.json, dict) else {}


@dataclass(frozen=True)
class RetrievedImage:
    """An image's bytes and where they came from (a URL, or 'data:' for a data URI)."""

    url: str
    data: bytes


@dataclass(frozen=True)
class Retrieved:
    """Everything one import or verification fetched; problems say what could not be."""

    source: str
    assertion: RetrievedDocument
    badge: RetrievedDocument | None
    badge_embedded: bool
    issuer: RetrievedDocument | None
    issuer_embedded: bool
    revocation_list: RetrievedDocument | None
    badge_image: RetrievedImage | None
    problems: tuple[str, ...]
    retrieved_at: dt.datetime
    # Why the assertion's host answered 410 Gone (its issuer withdrew it), or empty.
    gone: str = ""


def hosted_url(assertion: dict[str, Any]) -> str:
    """The URL a hosted assertion is verified at: 2.0 `id`, or 1.0 `verify.url`."""
    verify = assertion.get("verify")
    if isinstance(verify, dict) and isinstance(verify.get("url"), str):
        return verify["url"]
    identifier = assertion.get("id")
    return identifier if isinstance(identifier, str) else ""
