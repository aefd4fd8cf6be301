"""Ed25519 signing keys and their Multikey forms: `z6Mk…` public keys, `z3u2…` secret keys.

The public key is published as Multikey `publicKeyMultibase`: `z` + base58btc(0xed 0x01 ‖ the
32-byte key). The private key travels (key file, `BADGESITE_SIGNING_KEY`) as the Multikey
`secretKeyMultibase` form: `z` + base58btc(0x80 0x26 ‖ the 32-byte seed). That form was chosen
over PKCS#8 PEM because it is one line of 48 ASCII characters (a CI secret or an environment
variable keeps it intact, where a PEM's line breaks are often mangled), it says by itself that
it is an Ed25519 key, it is the form of the W3C vc-di-eddsa test vectors and of Digital
Bazaar's `ed25519-multikey`, and it cannot be mistaken for the public half.

base58btc is written out here rather than taken from a package: the PyPI `base58` package has
had no release since 2021, the codec is a few lines, and the W3C test vectors check it byte for
byte (leading zero bytes included).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_VALUES = {character: value for value, character in enumerate(BASE58_ALPHABET)}
ED25519_PUBLIC_PREFIX = b"\xed\x01"  # multicodec ed25519-pub, as a varint
ED25519_SECRET_PREFIX = b"\x80\x26"  # multicodec ed25519-priv, as a varint
KEY_BYTES = 32
# The longest multibase value this module decodes: a 64-byte signature is 88 characters.
_MAX_MULTIBASE_CHARACTERS = 100


# A signing key as format_signing_key writes it, for scanning files for leaked keys. The
# pattern starts with its literal prefix (no lookbehind), which lets `re` skip ahead to each
# "z3u2" at memchr speed: a hundred times faster on a large file than a lookbehind first.
_SIGNING_KEY_BYTES = re.compile(rb"z3u2[1-9A-HJ-NP-Za-km-z]{44}")
_BASE58_BYTES = frozenset(BASE58_ALPHABET.encode("ascii"))


class KeyProblem(ValueError):
    """A key or signature value that is not what it claims to be; the message says why."""


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(BASE58_ALPHABET[remainder])
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    if len(text) > _MAX_MULTIBASE_CHARACTERS:
        raise KeyProblem(f"{len(text)} characters of base58; the limit is 100")
    number = 0
    for character in text:
        if character not in _BASE58_VALUES:
            raise KeyProblem(f"{character!r} is not a base58 character")
        number = number * 58 + _BASE58_VALUES[character]
    leading_zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_zeros + body


def multibase_base58btc(data: bytes) -> str:
    return "z" + base58btc_encode(data)


def decode_multibase_base58btc(value: str) -> bytes:
    if not value.startswith("z"):
        raise KeyProblem("not a base58btc multibase value (it does not start with 'z')")
    return base58btc_decode(value[1:])


def public_key_multibase(public_key: bytes) -> str:
    """The Multikey `publicKeyMultibase` (`z6Mk…`) of a raw 32-byte Ed25519 public key."""
    if len(public_key) != KEY_BYTES:
        raise KeyProblem(f"an Ed25519 public key is 32 bytes, not {len(public_key)}")
    return multibase_base58btc(ED25519_PUBLIC_PREFIX + public_key)


def public_key_from_multibase(value: str) -> bytes:
    """The raw 32-byte Ed25519 public key of a `z6Mk…` Multikey value."""
    data = decode_multibase_base58btc(value)
    if not data.startswith(ED25519_PUBLIC_PREFIX) or len(data) != 2 + KEY_BYTES:
        raise KeyProblem("not an Ed25519 Multikey public key (z6Mk…)")
    return data[2:]


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key, held as its 32-byte seed; its repr never shows the seed."""

    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.seed) != KEY_BYTES:
            raise KeyProblem(f"an Ed25519 private key is 32 bytes, not {len(self.seed)}")

    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def public_key(self) -> bytes:
        return self._private().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def public_key_multibase(self) -> str:
        return public_key_multibase(self.public_key)

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of `data` (deterministic, RFC 8032)."""
        return self._private().sign(data)


def generate_signing_key() -> SigningKey:
    return SigningKey(secrets.token_bytes(KEY_BYTES))


def format_signing_key(key: SigningKey) -> str:
    """The key as Multikey `secretKeyMultibase` text (`z3u2…`), for a key file or a secret."""
    return multibase_base58btc(ED25519_SECRET_PREFIX + key.seed)


def parse_signing_key(text: str) -> SigningKey:
    """A key from `z3u2…` text (surrounding whitespace and a final newline allowed).

    The messages never repeat the text: it may be a secret with a typo in it.
    """
    value = text.strip()
    if value.startswith("z6Mk"):
        raise KeyProblem("this is a public key (z6Mk…); the signing key starts with z3u2")
    try:
        data = decode_multibase_base58btc(value)
    except KeyProblem as problem:
        raise KeyProblem(f"not an Ed25519 signing key (z3u2…): {problem}") from None
    if not data.startswith(ED25519_SECRET_PREFIX) or len(data) != 2 + KEY_BYTES:
        raise KeyProblem("not an Ed25519 signing key (z3u2…, 48 characters)")
    return SigningKey(data[2:])


def signing_key_offsets(data: bytes) -> Iterator[int]:
    """Where `data` holds an Ed25519 signing key in its `z3u2…` form (a leaked secret): the
    offset of each that starts a base58 word (is not inside a longer one) and decodes as a
    key. What follows it does not count: a key is 48 characters, and in a binary file the
    next byte (a PNG chunk's checksum) may well be a letter."""
    for match in _SIGNING_KEY_BYTES.finditer(data):
        start = match.start()
        if start and data[start - 1] in _BASE58_BYTES:
            continue
        try:
            parse_signing_key(match.group().decode("ascii"))
        except KeyProblem:
            continue
        yield start


def contains_signing_key(text: str) -> bool:
    """Whether `text` holds an Ed25519 signing key in its `z3u2…` form (a leaked secret)."""
    # Any character outside ASCII is outside base58 in its UTF-8 bytes too.
    found = signing_key_offsets(text.encode("utf-8", "surrogatepass"))
    return next(found, None) is not None


def signature_is_valid(public_key_multibase_value: str, data: bytes, signature: bytes) -> bool:
    """Whether `signature` is the Ed25519 signature of `data` by the `z6Mk…` key."""
    public = Ed25519PublicKey.from_public_bytes(
        public_key_from_multibase(public_key_multibase_value)
    )
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True
