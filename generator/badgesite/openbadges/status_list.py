"""Revocation on a static host: the `BitstringStatusListCredential` and its encoded list.

The list is a bitstring of at least 131,072 bits (16 KiB, the spec's minimum for herd
privacy), bit 0 the most significant bit of the first byte, GZIP-compressed (mtime 0, so the
bytes do not depend on when the build ran) and written as multibase base64url without padding
(`u…`).
"""

from __future__ import annotations

import base64
import gzip
import io
from collections.abc import Iterable
from typing import Any

from badgesite.openbadges.ob3_contexts import CREDENTIALS_V2

MINIMUM_BITS = 131_072
# A decoded list is refused past this size: the input may be a third party's list.
MAXIMUM_LIST_BYTES = 16 * 1024 * 1024


def list_size(highest_index: int) -> int:
    """The bits a list needs for indices up to `highest_index`: the minimum, or more in steps
    of the minimum (so the size reveals little about how many awards there are)."""
    steps = highest_index // MINIMUM_BITS + 1
    return steps * MINIMUM_BITS


def encode_bitstring(set_indices: Iterable[int], size: int = MINIMUM_BITS) -> str:
    """The `encodedList` value of a list of `size` bits with `set_indices` set."""
    if size < MINIMUM_BITS or size % 8:
        raise ValueError(f"a status list holds a multiple of 8 bits, at least {MINIMUM_BITS}")
    bits = bytearray(size // 8)
    for index in set_indices:
        if not 0 <= index < size:
            raise ValueError(f"status list index {index} is outside 0..{size - 1}")
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_bitstring(encoded: str) -> frozenset[int]:
    """The set indices of an `encodedList` value (ValueError for one that is not)."""
    if not encoded.startswith("u"):
        raise ValueError("an encodedList is multibase base64url: it starts with 'u'")
    body = encoded[1:]
    compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
        bits = stream.read(MAXIMUM_LIST_BYTES + 1)
    if len(bits) > MAXIMUM_LIST_BYTES:
        raise ValueError(f"a status list over {MAXIMUM_LIST_BYTES} bytes")
    return frozenset(
        byte_index * 8 + bit
        for byte_index, byte in enumerate(bits)
        if byte
        for bit in range(8)
        if byte & (0x80 >> bit)
    )


def status_list_credential(
    list_url: str,
    issuer: str,
    valid_from: str,
    encoded_list: str,
    purpose: str = "revocation",
) -> dict[str, Any]:
    """The unsigned `BitstringStatusListCredential` published at `list_url`.

    `issuer` is the DID that signs it, the same as the credentials' issuer (verifiers check
    that they match).
    """
    return {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }
