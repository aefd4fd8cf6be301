"""did:web identities on a static site: the DID of a base URL and path, and its DID document.

`did:web:owner.github.io:repo:issuers:acme` resolves to
`https://owner.github.io/repo/issuers/acme/did.json` (colons become slashes, a port is written
`%3A`); a DID of a bare host resolves to `/.well-known/did.json`. The document lists every key
the issuer ever signed with (did:web keeps no history: a key dropped from it breaks every
credential it signed), each a Multikey whose controller is the DID, and `assertionMethod` as
absolute DID URLs, the shape the 1EdTech resolver and Digital Bazaar's purposes require.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from badgesite.openbadges.multikey import public_key_from_multibase
from badgesite.openbadges.ob3_contexts import DID_V1, MULTIKEY_V1


class DidProblem(ValueError):
    """A base URL or DID that cannot make a did:web identity; the message says why."""


def _host_part(base_url: str) -> tuple[str, list[str]]:
    parts = urlsplit(base_url)
    if parts.scheme != "https":
        raise DidProblem(f"{base_url}: did:web needs an https:// base URL")
    host = parts.hostname or ""
    if not host:
        raise DidProblem(f"{base_url}: no host name")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise DidProblem(f"{base_url}: did:web needs a domain name, not an IP address")
    if parts.username is not None or parts.query or parts.fragment:
        raise DidProblem(f"{base_url}: a base URL with credentials, a query or a fragment")
    authority = host.lower() + (f"%3A{parts.port}" if parts.port is not None else "")
    return authority, [segment for segment in parts.path.split("/") if segment]


def did_web(base_url: str, path: str = "") -> str:
    """The did:web of the site at `base_url` plus `path` (e.g. "issuers/acme")."""
    authority, segments = _host_part(base_url)
    segments += [segment for segment in path.split("/") if segment]
    for segment in segments:
        if segment in (".", ".."):
            raise DidProblem(f"{base_url} {path}: a '.' or '..' path segment")
    encoded = [quote(unquote(segment), safe="-._~!$&'()*+,;=@") for segment in segments]
    return ":".join(["did:web", authority, *encoded])


def did_document_url(did: str) -> str:
    """The https URL a did:web resolves to (where its DID document must be published)."""
    if not did.startswith("did:web:") or "#" in did or "?" in did:
        raise DidProblem(f"{did}: not a did:web identifier")
    host, *segments = did[len("did:web:") :].split(":")
    if not host:
        raise DidProblem(f"{did}: no host")
    decoded_host = unquote(host)
    if segments:
        return f"https://{decoded_host}/" + "/".join(segments) + "/did.json"
    return f"https://{decoded_host}/.well-known/did.json"


def did_document_path(did: str) -> str:
    """The URL path of the DID document on its host, e.g. `/repo/issuers/acme/did.json`."""
    return urlsplit(did_document_url(did)).path


def verification_method_id(did: str, public_key_multibase: str) -> str:
    """The absolute DID URL naming a key: the DID, `#`, and the key's `z6Mk…` value."""
    return f"{did}#{public_key_multibase}"


def did_document(
    did: str, public_keys: Sequence[str], also_known_as: Sequence[str] = ()
) -> dict[str, Any]:
    """The DID document of `did`, listing every `z6Mk…` key in `public_keys` (oldest first).

    `also_known_as` links the issuer's other identities, such as its Open Badges 2.0 Profile
    URL (1EdTech's migration guide).
    """
    did_document_url(did)  # refuses what is not a did:web
    if not public_keys:
        raise DidProblem(f"{did}: a DID document needs at least one key")
    keys = list(dict.fromkeys(public_keys))
    for key in keys:
        public_key_from_multibase(key)  # a KeyProblem for anything but an Ed25519 Multikey
    methods = [verification_method_id(did, key) for key in keys]
    document: dict[str, Any] = {"@context": [DID_V1, MULTIKEY_V1], "id": did}
    if also_known_as:
        document["alsoKnownAs"] = list(also_known_as)
    document["verificationMethod"] = [
        {"id": method, "type": "Multikey", "controller": did, "publicKeyMultibase": key}
        for method, key in zip(methods, keys, strict=True)
    ]
    document["assertionMethod"] = methods
    return document
