"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite: signing and checking them.

As vc-di-eddsa defines it: the proof options (the proof without `proofValue`, given the
document's `@context`) and the document without `proof` are each canonicalized with RDFC-1.0;
the data signed is SHA-256(canonical proof options) ‖ SHA-256(canonical document); the
`proofValue` is `z` + base58btc of the 64-byte Ed25519 signature. Ed25519 is deterministic, so
the same document, key and `created` give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from badgesite.openbadges.multikey import (
    KeyProblem,
    SigningKey,
    decode_multibase_base58btc,
    multibase_base58btc,
    signature_is_valid,
)
from badgesite.openbadges.rdf_canon import canonical_nquads

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"


def proof_options(verification_method: str, created: str, purpose: str) -> dict[str, Any]:
    return {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": purpose,
    }


# The proof options differ from one proof to the next only in `created` and
# `verificationMethod`; their canonical form is one blank node with one line per option,
# ordered by predicate, so it is made once with stand-in values and filled in (a full
# canonicalization costs as much as the document's). Values outside these shapes, which
# would need escaping, take the full way.
_STAND_IN_CREATED = "1970-01-01T00:00:00Z"
_STAND_IN_METHOD = "did:web:stand-in.invalid#key"
_PLAIN_DATETIME = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")
_PLAIN_IRI = re.compile(r"\A[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9:%._~#/@!$&'()*+,;=?-]+\Z")
_OPTION_KEYS = frozenset(("type", "cryptosuite", "created", "verificationMethod", "proofPurpose"))


@cache
def _options_template(contexts: str, proof_type: str, cryptosuite: str, purpose: str) -> str:
    stand_in = {
        **proof_options(_STAND_IN_METHOD, _STAND_IN_CREATED, purpose),
        "type": proof_type,
        "cryptosuite": cryptosuite,
        "@context": json.loads(contexts),
    }
    return canonical_nquads(stand_in)


def canonical_options(
    configuration: Mapping[str, Any], extra_contexts: Mapping[str, Any] | None = None
) -> str:
    """The canonical N-Quads of a proof configuration (the options with `@context`)."""
    created = configuration.get("created")
    method = configuration.get("verificationMethod")
    if (
        extra_contexts is None
        and set(configuration) == _OPTION_KEYS | {"@context"}
        and all(isinstance(configuration[key], str) for key in _OPTION_KEYS)
        and _PLAIN_DATETIME.match(str(created))
        and _PLAIN_IRI.match(str(method))
    ):
        template = _options_template(
            json.dumps(configuration["@context"]),
            configuration["type"],
            configuration["cryptosuite"],
            configuration["proofPurpose"],
        )
        return template.replace(f'"{_STAND_IN_CREATED}"', f'"{created}"', 1).replace(
            f"<{_STAND_IN_METHOD}>", f"<{method}>", 1
        )
    return canonical_nquads(dict(configuration), extra_contexts)


# Canonical N-Quads of a document given the extra contexts: rdf_canon's for what is signed
# here, foreign_canon's (bounded) for a credential being verified.
Canonicalizer = Callable[[dict[str, Any], Mapping[str, Any] | None], str]


def hash_data(
    document: Mapping[str, Any],
    options: Mapping[str, Any],
    extra_contexts: Mapping[str, Any] | None = None,
    canonicalize: Canonicalizer | None = None,
) -> bytes:
    """The 64 bytes an eddsa-rdfc-2022 proof signs (UnsafeDocument for a refused document).

    Ed25519Signature2020 signs the same construction (with URDNA2015, which RDFC-1.0 only
    renamed): the proof without `proofValue` given the document's `@context`, and the
    document without `proof`, each canonicalized and hashed, the proof's hash first.
    """
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    configuration = {
        **{key: value for key, value in options.items() if key != "proofValue"},
        "@context": document.get("@context"),
    }
    if canonicalize is None:
        canonical_configuration = canonical_options(configuration, extra_contexts)
        canonical_document = canonical_nquads(unsecured, extra_contexts)
    else:
        canonical_configuration = canonicalize(configuration, extra_contexts)
        canonical_document = canonicalize(unsecured, extra_contexts)
    proof_hash = hashlib.sha256(canonical_configuration.encode("utf-8"))
    document_hash = hashlib.sha256(canonical_document.encode("utf-8"))
    return proof_hash.digest() + document_hash.digest()


def sign(
    document: Mapping[str, Any],
    key: SigningKey,
    verification_method: str,
    created: str,
    purpose: str = "assertionMethod",
    extra_contexts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`document` with an eddsa-rdfc-2022 `proof` added (a new dict; the input is unchanged).

    `created` is an XML Schema dateTime in UTC (`2026-01-01T00:00:00Z`); pass a stable one so
    rebuilds give the same proof. Raises UnsafeDocument, listing every problem, for a document
    that JSON-LD safe-mode verifiers would reject.
    """
    if "proof" in document:
        raise ValueError("the document already has a proof")
    options = proof_options(verification_method, created, purpose)
    signature = key.sign(hash_data(document, options, extra_contexts))
    return {**document, "proof": {**options, "proofValue": multibase_base58btc(signature)}}


def proof_is_valid(
    document: Mapping[str, Any],
    public_key_multibase: str,
    purpose: str = "assertionMethod",
    extra_contexts: Mapping[str, Any] | None = None,
) -> bool:
    """Whether `document`'s single eddsa-rdfc-2022 proof verifies with the `z6Mk…` key.

    A check of our own output (the key is the caller's, the verification method is not
    resolved); independent verification is the job of the verifiers the tests run.
    """
    proof = document.get("proof")
    if not isinstance(proof, dict) or proof.get("type") != PROOF_TYPE:
        return False
    if proof.get("cryptosuite") != CRYPTOSUITE or proof.get("proofPurpose") != purpose:
        return False
    try:
        signature = decode_multibase_base58btc(str(proof.get("proofValue", "")))
    except KeyProblem:
        return False
    if len(signature) != 64:
        return False
    data = hash_data(document, proof, extra_contexts)
    return signature_is_valid(public_key_multibase, data, signature)
