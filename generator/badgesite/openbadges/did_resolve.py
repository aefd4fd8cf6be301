"""Resolving a verification method (a DID URL) to its key: did:web over HTTPS, and did:key.

did:web documents are fetched with the Fetcher's rules (public hosts only unless allowed, size
caps, time limits, pinned addresses) from the URL did_web.did_document_url names; the answer
must come over HTTPS to the end (a redirect to http is refused), be a JSON object, and name
the DID as its `id`. The document is read as plain JSON, never as JSON-LD, so nothing it
names is fetched. A method may be listed in `verificationMethod` or embedded in
`assertionMethod`, by absolute DID URL or by `#fragment`; its key may be `publicKeyMultibase`
(Ed25519 `z6Mk…` or P-256 `zDn…`), `publicKeyJwk`, or the older `publicKeyBase58`.

did:key needs no network: the key is the identifier. Its document is the one the did:key
method defines for a single key, `did:key:z6Mk…#z6Mk…` being its only method.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from badgesite.openbadges.did_web import DidProblem, did_document_url
from badgesite.openbadges.fetch import Fetcher, FetchProblem
from badgesite.openbadges.jws import JwsProblem, PublicKey, public_key_from_jwk
from badgesite.openbadges.multikey import (
    ED25519_PUBLIC_PREFIX,
    KeyProblem,
    base58btc_decode,
    decode_multibase_base58btc,
)

P256_PUBLIC_PREFIX = b"\x80\x24"  # multicodec p256-pub (0x1200), as a varint
MAX_METHODS = 100


class ResolutionProblem(Exception):
    """Why a verification method could not be resolved; the message is shown to the user."""


@dataclass(frozen=True)
class ResolvedMethod:
    """A verification method as the issuer's DID document publishes it."""

    id: str  # the absolute DID URL
    did: str  # the DID whose document lists it
    controller: str
    type: str
    public_key: PublicKey = field(repr=False)
    in_assertion_method: bool
    document_url: str  # where the DID document came from ("" for did:key)


def key_from_multibase(value: str) -> PublicKey:
    """An Ed25519 (`z6Mk…`) or P-256 (`zDn…`) public key in its Multikey form."""
    data = decode_multibase_base58btc(value)
    if data.startswith(ED25519_PUBLIC_PREFIX) and len(data) == 34:
        return Ed25519PublicKey.from_public_bytes(data[2:])
    if data.startswith(P256_PUBLIC_PREFIX) and len(data) == 35:
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data[2:])
        except ValueError:
            raise KeyProblem("not a valid P-256 point") from None
    raise KeyProblem("only Ed25519 (z6Mk…) and P-256 (zDn…) Multikey values are read")


def _key_of(method: dict[str, Any]) -> PublicKey:
    try:
        if isinstance(method.get("publicKeyMultibase"), str):
            return key_from_multibase(method["publicKeyMultibase"])
        if "publicKeyJwk" in method:
            return public_key_from_jwk(method["publicKeyJwk"])
        if isinstance(method.get("publicKeyBase58"), str):
            raw = base58btc_decode(method["publicKeyBase58"])
            return Ed25519PublicKey.from_public_bytes(raw)
    except (KeyProblem, JwsProblem, ValueError) as problem:
        raise ResolutionProblem(
            f"the key of {method.get('id')} cannot be read: {problem}"
        ) from None
    raise ResolutionProblem(f"{method.get('id')} publishes no key this verifier reads")


def split_method(method_url: str) -> tuple[str, str]:
    """(DID, fragment) of a DID URL; ResolutionProblem for anything else."""
    did, hash_sign, fragment = method_url.partition("#")
    if not did.startswith(("did:web:", "did:key:")):
        raise ResolutionProblem(
            f"{method_url[:120]}: only did:web and did:key verification methods are resolved"
        )
    if not hash_sign or not fragment or "?" in did or "/" in did:
        raise ResolutionProblem(f"{method_url[:120]}: not a DID URL naming a key (did…#key)")
    return did, fragment


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document did:key defines for `did` (one key, its only method)."""
    value = did[len("did:key:") :]
    try:
        key_from_multibase(value)
    except KeyProblem as problem:
        raise ResolutionProblem(f"{did[:120]}: {problem}") from None
    method = f"{did}#{value}"
    return {
        "id": did,
        "verificationMethod": [
            {"id": method, "type": "Multikey", "controller": did, "publicKeyMultibase": value}
        ],
        "assertionMethod": [method],
    }


def _did_web_url(did: str) -> str:
    try:
        url = did_document_url(did)
    except DidProblem as problem:
        raise ResolutionProblem(str(problem)) from None
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return url
    raise ResolutionProblem(f"{did}: did:web names a domain, never an IP address")


def _absolute(reference: Any, did: str) -> str:
    if isinstance(reference, dict):
        reference = reference.get("id")
    if not isinstance(reference, str):
        return ""
    return did + reference if reference.startswith("#") else reference


@dataclass(frozen=True)
class DidResolver:
    """Resolves DID URLs for one verification; each DID document is fetched once."""

    fetcher: Fetcher
    _documents: dict[str, tuple[str, dict[str, Any]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def document(self, did: str) -> tuple[str, dict[str, Any]]:
        """(where it came from, the DID document) of a did:web or did:key."""
        if did not in self._documents:
            self._documents[did] = self._resolve(did)
        return self._documents[did]

    def _resolve(self, did: str) -> tuple[str, dict[str, Any]]:
        if did.startswith("did:key:"):
            return "", did_key_document(did)
        url = _did_web_url(did)
        try:
            fetched, document = self.fetcher.fetch_json(url)
        except FetchProblem as problem:
            raise ResolutionProblem(f"cannot resolve {did}: {problem}") from None
        if urlsplit(fetched.final_url).scheme != "https":
            raise ResolutionProblem(
                f"cannot resolve {did}: {url} redirected to {fetched.final_url}, not HTTPS"
            )
        if not isinstance(document, dict):
            raise ResolutionProblem(f"the DID document at {url} is not a JSON object")
        if document.get("id") != did:
            raise ResolutionProblem(
                f"the DID document at {url} is for {str(document.get('id'))[:120]!r}, not {did}"
            )
        return url, document

    def method(self, method_url: str) -> ResolvedMethod:
        """The verification method `method_url` names, with its key and purposes."""
        did, _fragment = split_method(method_url)
        url, document = self.document(did)
        listed = document.get("verificationMethod")
        candidates = list(listed) if isinstance(listed, list) else []
        purposes = document.get("assertionMethod")
        assertion = list(purposes) if isinstance(purposes, list) else []
        candidates += [item for item in assertion if isinstance(item, dict)]
        found = None
        for item in candidates[:MAX_METHODS]:
            if isinstance(item, dict) and _absolute(item, did) == method_url:
                found = item
                break
        if found is None:
            where = url or did
            raise ResolutionProblem(
                f"the issuer's DID document ({where}) has no key {method_url}: it was removed "
                "or never published, so nothing it signed can be verified"
            )
        controller = found.get("controller")
        return ResolvedMethod(
            id=method_url,
            did=did,
            controller=controller if isinstance(controller, str) else "",
            type=str(found.get("type", "")),
            public_key=_key_of(found),
            in_assertion_method=any(_absolute(item, did) == method_url for item in assertion),
            document_url=url,
        )
