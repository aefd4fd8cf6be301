"""Retrieving a foreign badge: its assertion, badge class, issuer, revocation list and image."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from badgesite.openbadges.documents import (
    Retrieved,
    RetrievedDocument,
    RetrievedImage,
    hosted_url,
)
from badgesite.openbadges.fetch import (
    MAX_IMAGE_BYTES,
    MAX_JSON_BYTES,
    Fetcher,
    FetchProblem,
    Gone,
    check_http_url,
    parse_json,
    read_local,
)
from badgesite.openbadges.reader import detect_version
from badgesite.openbadges.unbake import UnbakeProblem, baked_payload
from badgesite.primitives.png_chunks import is_png
from badgesite.primitives.svg_document import is_svg

BAKED_OR_JSON = "application/ld+json, application/json;q=0.9, image/png;q=0.8, image/svg+xml;q=0.8"


def is_url(value: str) -> bool:
    try:
        check_http_url(value)
    except FetchProblem:
        return False
    return True


def retrieve(source: str, fetcher: Fetcher, now: dt.datetime | None = None) -> Retrieved:
    """Fetch the assertion named by source (URL, JSON file, baked image) and what it links to.

    Raises FetchProblem when the assertion itself cannot be had; problems with linked
    documents are collected in Retrieved.problems instead, for the verifier to report.
    """
    moment = now or dt.datetime.now(dt.timezone.utc)
    try:
        assertion = _assertion(source, fetcher)
    except Gone as gone:
        # Withdrawn on purpose: nothing else is fetched; the stub it answered is kept.
        body = gone.body if isinstance(gone.body, dict) else {}
        return Retrieved(
            source,
            RetrievedDocument(gone.url, body),
            None,
            False,
            None,
            False,
            None,
            None,
            (),
            moment,
            gone=str(gone),
        )
    return _with_links(source, assertion, fetcher, moment)


def retrieve_copy(source: str, fetcher: Fetcher, now: dt.datetime | None = None) -> Retrieved:
    """A local JSON file or baked image as it is, its hosted original not fetched (its host
    no longer answers: it is all the earner has left); linked documents are fetched when
    they answer. FetchProblem when there is no copy to keep (a URL, or a baked URL)."""
    moment = now or dt.datetime.now(dt.timezone.utc)
    if "://" in source or source.startswith("data:"):
        raise FetchProblem(f"{source[:120]}: a URL that does not answer leaves nothing to keep")
    path = Path(source)
    raw = read_local(path, MAX_IMAGE_BYTES)
    if is_png(raw) or is_svg(raw):
        payload = _payload(raw, str(path))
        if not payload.lstrip().startswith("{"):
            raise FetchProblem(
                f"{path}: the image holds only the URL {payload[:120]}, no assertion to keep"
            )
        raw = payload.encode("utf-8")
    _check_json_size(raw, str(path))
    copy = RetrievedDocument("", parse_json(raw, str(path)))
    return _with_links(source, copy, fetcher, moment)


def _with_links(
    source: str, assertion: RetrievedDocument, fetcher: Fetcher, moment: dt.datetime
) -> Retrieved:
    problems: list[str] = []
    document = assertion.mapping
    badge, badge_embedded = _linked(document.get("badge"), fetcher, problems, "badge class")
    issuer: RetrievedDocument | None = None
    issuer_embedded = False
    if badge is not None:
        issuer, issuer_embedded = _linked(
            badge.mapping.get("issuer"), fetcher, problems, "issuer profile"
        )
    revocation_list = None
    if issuer is not None:
        listed = issuer.mapping.get("revocationList")
        if isinstance(listed, str) and listed:
            revocation_list, _ = _linked(listed, fetcher, problems, "revocation list")
    image = None
    if badge is not None:
        image = _image(badge.mapping.get("image"), fetcher, problems)
    return Retrieved(
        source=source,
        assertion=assertion,
        badge=badge,
        badge_embedded=badge_embedded,
        issuer=issuer,
        issuer_embedded=issuer_embedded,
        revocation_list=revocation_list,
        badge_image=image,
        problems=tuple(problems),
        retrieved_at=moment,
    )


def _assertion(source: str, fetcher: Fetcher) -> RetrievedDocument:
    if "://" in source or source.startswith("data:"):
        # A URL may name the JSON or a baked image of it, as the reference validator takes.
        fetched = fetcher.fetch(check_http_url(source), MAX_IMAGE_BYTES, BAKED_OR_JSON)
        if not (is_png(fetched.body) or is_svg(fetched.body)):
            return _hosted(source, parse_json(fetched.body, fetched.final_url), fetcher)
        return _from_baked(fetched.body, source, fetcher)
    path = Path(source)
    raw = read_local(path, MAX_IMAGE_BYTES)
    if is_png(raw) or is_svg(raw):
        return _from_baked(raw, str(path), fetcher)
    return _from_json(raw, str(path), fetcher)


def _payload(raw: bytes, where: str) -> str:
    """What a baked image holds: an assertion URL or its JSON text."""
    try:
        return baked_payload(raw)
    except UnbakeProblem as problem:
        raise FetchProblem(f"{where}: {problem}") from None


def _check_json_size(raw: bytes, where: str) -> None:
    if len(raw) > MAX_JSON_BYTES:
        raise FetchProblem(f"{where}: {len(raw)} bytes of JSON; the limit is {MAX_JSON_BYTES}")


def _from_baked(raw: bytes, where: str, fetcher: Fetcher) -> RetrievedDocument:
    payload = _payload(raw, where)
    if not payload.lstrip().startswith("{"):
        _, data = fetcher.fetch_json(payload)
        return _hosted(payload, data, fetcher)
    return _from_json(payload.encode("utf-8"), where, fetcher)


def _from_json(raw: bytes, where: str, fetcher: Fetcher) -> RetrievedDocument:
    _check_json_size(raw, where)
    data = parse_json(raw, where)
    # A hosted assertion counts as its issuer hosts it, not as a copy on disk says.
    url = hosted_url(data) if isinstance(data, dict) else ""
    if is_url(url) and _is_hosted(data):
        _, hosted = fetcher.fetch_json(url)
        return _hosted(url, hosted, fetcher)
    return RetrievedDocument("", data)


def _hosted(url: str, data: Any, fetcher: Fetcher) -> RetrievedDocument:
    """The document fetched from url; when it declares another `id` (its issuer moved it,
    say), fetched again from there, once, as the reference validator does."""
    declared = _declared_id(data)
    if not declared or declared == url:
        return RetrievedDocument(url, data)
    try:
        _, again = fetcher.fetch_json(declared)
    except Gone:
        raise
    except FetchProblem:
        return RetrievedDocument(url, data)  # the checks then say its id is elsewhere
    return RetrievedDocument(declared, again)


def _declared_id(data: Any) -> str:
    """The http(s) `id` a 1.1 or 2.0 document declares; 0.5 and 1.0 ones are identified by
    where they were fetched from (the validator's upgrade gives them that id)."""
    if not isinstance(data, dict) or detect_version(data) not in ("1.1", "2.0"):
        return ""
    declared = data.get("id")
    return declared if isinstance(declared, str) and is_url(declared) else ""


def _is_hosted(assertion: dict[str, Any]) -> bool:
    for key in ("verification", "verify"):
        method = assertion.get(key)
        if isinstance(method, dict):
            return str(method.get("type", "")).lower() in ("hosted", "hostedbadge")
    return False


def _linked(
    value: Any, fetcher: Fetcher, problems: list[str], what: str
) -> tuple[RetrievedDocument | None, bool]:
    if isinstance(value, dict):
        return RetrievedDocument("", value), True
    if not isinstance(value, str) or not value:
        problems.append(f"no {what}")
        return None, False
    try:
        _, data = fetcher.fetch_json(value)
        return _hosted(value, data, fetcher), False
    except FetchProblem as problem:
        problems.append(f"{what}: {problem}")
        return None, False


def _image(value: Any, fetcher: Fetcher, problems: list[str]) -> RetrievedImage | None:
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str) or not value:
        problems.append("badge image: none given")
        return None
    if value.startswith("data:"):
        try:
            return RetrievedImage("data:", decode_data_uri(value))
        except ValueError as error:
            problems.append(f"badge image: {error}")
            return None
    try:
        fetched = fetcher.fetch_image(value)
    except FetchProblem as problem:
        problems.append(f"badge image: {problem}")
        return None
    return RetrievedImage(value, fetched.body)


def decode_data_uri(uri: str) -> bytes:
    """The bytes of a data: URI (base64 or percent-encoded), capped like a fetched image."""
    header, comma, payload = uri.partition(",")
    if not comma:
        raise ValueError("malformed data URI")
    if len(payload) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise ValueError("data URI larger than the image limit")
    if header.endswith(";base64"):
        try:
            return base64.b64decode(payload, validate=False)
        except binascii.Error as error:
            raise ValueError(f"data URI is not base64: {error}") from None
    return unquote_to_bytes(payload)


def fetch_badge_image(value: Any, fetcher: Fetcher) -> tuple[RetrievedImage | None, list[str]]:
    """The image an `image` value names (a URL, a data: URI, an `{id}` object), fetched as a
    badge class's is; None and why, when it cannot be had."""
    problems: list[str] = []
    return _image(value, fetcher, problems), problems
