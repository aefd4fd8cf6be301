"""Reading an Open Badges 3.0 credential from what a verifier is given: a JSON file, a VC-JWT,
a baked PNG (`openbadgecredential` iTXt) or SVG (`<openbadges:credential>`), or an http(s)
URL to any of them. What is not an OB 3.0 credential (an OB 2.0 assertion, an image baked
with 2.0 only) is left to the 2.0 verifier: the readers here answer None for it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from badgesite.openbadges.bake import BakeError, unbake_credential
from badgesite.openbadges.fetch import (
    MAX_IMAGE_BYTES,
    Fetcher,
    FetchProblem,
    parse_json,
    read_local,
)
from badgesite.openbadges.jws import CompactJws, JwsProblem, looks_like_jws, parse_compact_jws
from badgesite.openbadges.retrieve import is_url
from badgesite.primitives.png_chunks import is_png
from badgesite.primitives.svg_document import is_svg

CREDENTIAL_ACCEPT = (
    "application/vc+ld+json, application/vc+jwt;q=0.9, application/ld+json;q=0.9, "
    "application/json;q=0.8, image/png;q=0.5, image/svg+xml;q=0.5, */*;q=0.1"
)
VC_CONTEXTS = ("https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1")


@dataclass(frozen=True)
class CredentialSource:
    """An OB 3.0 credential as it was found."""

    source: str  # as given
    url: str  # where it was fetched from ("" for a local file)
    container: str  # "json", "jwt", "png" or "svg"
    credential: dict[str, Any]  # for a VC-JWT, the credential its payload carries
    jws: CompactJws | None  # the VC-JWT, when the credential came as one
    image: bytes = b""  # the baked PNG or SVG the credential came in, as it was


def is_credential(document: Any) -> bool:
    """Whether a JSON value is a Verifiable Credential (VC 2.0 or 1.1), not an OB 2.0 assertion."""
    if not isinstance(document, dict):
        return False
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    kinds = document.get("type")
    types = kinds if isinstance(kinds, list) else [kinds]
    return any(item in VC_CONTEXTS for item in contexts) or "VerifiableCredential" in types


def jwt_credential(jws: CompactJws) -> dict[str, Any] | None:
    """The credential a VC-JWT carries: its payload (VC 2.0, vc-jose-cose) or the payload's
    `vc` claim (the VC 1.1 JWT form earlier OB 3.0 issuers use); None if neither is one."""
    claim = jws.payload.get("vc")
    if isinstance(claim, dict) and is_credential(claim):
        return claim
    return jws.payload if is_credential(jws.payload) else None


def _from_text(
    text: str, source: str, url: str, container: str, fetcher: Fetcher | None, depth: int = 0
) -> CredentialSource | None:
    stripped = text.strip()
    if stripped.startswith("{"):
        document = parse_json(stripped.encode("utf-8"), url or source)
        if not is_credential(document):
            return None
        return CredentialSource(source, url, container, document, None)
    if looks_like_jws(stripped):
        try:
            jws = parse_compact_jws(stripped)
        except JwsProblem as problem:
            raise FetchProblem(f"{url or source}: {problem}") from None
        credential = jwt_credential(jws)
        if credential is None:
            return None
        return CredentialSource(
            source, url, "jwt" if container == "json" else container, credential, jws
        )
    if depth == 0 and fetcher is not None and container in ("png", "svg") and is_url(stripped):
        # A baked URL to the credential (as a QR code carries one): fetched once, not further.
        return _from_bytes(
            fetcher.fetch(stripped, MAX_IMAGE_BYTES, CREDENTIAL_ACCEPT).body,
            source,
            stripped,
            fetcher,
            depth + 1,
        )
    return None


def _from_bytes(
    data: bytes, source: str, url: str, fetcher: Fetcher, depth: int = 0
) -> CredentialSource | None:
    if is_png(data) or is_svg(data):
        container = "png" if is_png(data) else "svg"
        try:
            baked = unbake_credential(data)
        except BakeError as problem:
            raise FetchProblem(f"{url or source}: {problem}") from None
        if baked is None:
            return None
        found = _from_text(baked, source, url, container, fetcher, depth)
        return replace(found, image=data) if found is not None else None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return _from_text(text, source, url, "json", fetcher, depth)


def read_credential_source(source: str, fetcher: Fetcher) -> CredentialSource | None:
    """The OB 3.0 credential `source` holds, or None when it holds something else.

    FetchProblem when the source cannot be read at all (or its baked credential is damaged).
    """
    if is_url(source):
        fetched = fetcher.fetch(source, MAX_IMAGE_BYTES, CREDENTIAL_ACCEPT)
        return _from_bytes(fetched.body, source, fetched.final_url, fetcher)
    if "://" in source or source.startswith("data:"):
        return None  # not fetched here: the 2.0 reader refuses it with its own message
    return _from_bytes(read_local(Path(source), MAX_IMAGE_BYTES), source, "", fetcher)


def read_kept_credential(
    text: str, source: str, url: str, container: str
) -> CredentialSource | None:
    """A credential kept as text (its JSON, or a VC-JWT's compact form), read as it was
    found in `container`, with nothing fetched; None when the text holds none.

    FetchProblem when the text is damaged (JSON too deep or large, a broken VC-JWT).
    """
    return _from_text(text, source, url, container, None, depth=1)
