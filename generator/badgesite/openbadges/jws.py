"""Compact JWS (the VC-JWT form of a credential): reading one and checking its signature.

Only what Open Badges 3.0 verifiers meet: RS256 (RSA PKCS#1 v1.5, SHA-256, keys of 2048 bits
or more), ES256 (P-256, the signature as the raw 64-byte r ‖ s), and EdDSA (Ed25519). The
algorithm must be the one the key is for, so no key can be used under another algorithm's
rules (`none` and the HMAC algorithms are never accepted). `cryptography` does the
mathematics; a JOSE library would add nothing a verifier of these three needs.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

ALGORITHMS = ("RS256", "ES256", "EdDSA")
MIN_RSA_BITS = 2048
MAX_JWS_CHARACTERS = 1024 * 1024 * 4 // 3 + 16
COMPACT_JWS = re.compile(r"\A[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\Z")

PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class JwsProblem(ValueError):
    """A JWS or key that cannot be read or used; the message says why."""


@dataclass(frozen=True)
class CompactJws:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes = b""

    @property
    def algorithm(self) -> str:
        return str(self.header.get("alg", ""))

    @property
    def compact(self) -> str:
        """The compact form again (`header.payload.signature`), as kept to verify it later."""
        signature = base64.urlsafe_b64encode(self.signature).decode("ascii").rstrip("=")
        return f"{self.signing_input.decode('ascii')}.{signature}"


def base64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise JwsProblem(f"not base64url ({error})") from None


def looks_like_jws(text: str) -> bool:
    return len(text) <= MAX_JWS_CHARACTERS and COMPACT_JWS.match(text.strip()) is not None


def _json_part(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(base64url_decode(text).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise JwsProblem(f"the JWS {what} is not JSON") from None
    if not isinstance(value, dict):
        raise JwsProblem(f"the JWS {what} is not a JSON object")
    return value


def parse_compact_jws(text: str) -> CompactJws:
    """The parts of a compact JWS (`header.payload.signature`), JSON header and payload."""
    text = text.strip()
    if not looks_like_jws(text):
        raise JwsProblem("not a compact JWS (three base64url parts joined by dots)")
    header_text, payload_text, signature_text = text.split(".")
    header = _json_part(header_text, "header")
    if header.get("b64") is False or "crit" in header:
        raise JwsProblem("the JWS header asks for extensions (crit, b64) that are not supported")
    return CompactJws(
        header=header,
        payload=_json_part(payload_text, "payload"),
        signing_input=f"{header_text}.{payload_text}".encode("ascii"),
        signature=base64url_decode(signature_text),
    )


def _integer(jwk: dict[str, Any], name: str) -> int:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise JwsProblem(f"the JWK has no {name}")
    return int.from_bytes(base64url_decode(value), "big")


def public_key_from_jwk(jwk: Any) -> PublicKey:
    """The public key a JWK describes: RSA, EC P-256 or OKP Ed25519; never a private key."""
    if not isinstance(jwk, dict):
        raise JwsProblem("the JWK is not a JSON object")
    if "d" in jwk:
        raise JwsProblem("the JWK holds a private key; a public key was expected")
    kind = jwk.get("kty")
    try:
        if kind == "RSA":
            return rsa.RSAPublicNumbers(_integer(jwk, "e"), _integer(jwk, "n")).public_key()
        if kind == "EC" and jwk.get("crv") == "P-256":
            numbers = ec.EllipticCurvePublicNumbers(
                _integer(jwk, "x"), _integer(jwk, "y"), ec.SECP256R1()
            )
            return numbers.public_key()
        if kind == "OKP" and jwk.get("crv") == "Ed25519":
            return Ed25519PublicKey.from_public_bytes(base64url_decode(str(jwk.get("x", ""))))
    except ValueError as error:
        raise JwsProblem(f"the JWK is not a valid {kind} key ({error})") from None
    raise JwsProblem(f"unsupported JWK (kty {kind!r}, crv {jwk.get('crv')!r})")


def algorithm_for(key: PublicKey) -> str:
    """The one JWS algorithm a key may verify under."""
    if isinstance(key, Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    raise JwsProblem("unsupported key type")


def signature_problem(jws: CompactJws, key: PublicKey) -> str:
    """Why the JWS signature does not verify with `key` ("" when it does)."""
    algorithm = jws.algorithm
    if algorithm not in ALGORITHMS:
        return f"the JWS algorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}"
    expected = algorithm_for(key)
    if algorithm != expected:
        return f"the JWS says {algorithm}, but the issuer's key is for {expected}"
    try:
        if isinstance(key, Ed25519PublicKey):
            key.verify(jws.signature, jws.signing_input)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if len(jws.signature) != 64:
                return "an ES256 signature is 64 bytes (r ‖ s)"
            r = int.from_bytes(jws.signature[:32], "big")
            s = int.from_bytes(jws.signature[32:], "big")
            key.verify(encode_dss_signature(r, s), jws.signing_input, ec.ECDSA(hashes.SHA256()))
        else:
            assert isinstance(key, rsa.RSAPublicKey)
            if key.key_size < MIN_RSA_BITS:
                return f"the RSA key has {key.key_size} bits; at least {MIN_RSA_BITS} are needed"
            key.verify(jws.signature, jws.signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return "the JWS signature does not match its header and payload"
    return ""
