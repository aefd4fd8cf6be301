"""Reading the Open Badges payload out of a baked PNG (iTXt/tEXt) or SVG image."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PAYLOAD_KEYWORD = b"openbadges"
OPENBADGES_NAMESPACE = "http://openbadges.org"
MAX_PAYLOAD_BYTES = 1024 * 1024


class UnbakeProblem(Exception):
    """Why no payload could be read from an image; the message is shown to the user."""


def is_png(data: bytes) -> bool:
    return data.startswith(PNG_SIGNATURE)


def is_svg(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head)


def baked_payload(data: bytes) -> str:
    """The payload baked into a PNG or SVG badge: an assertion URL or assertion JSON text."""
    if is_png(data):
        return _png_payload(data)
    if is_svg(data) or data.lstrip().startswith(b"<"):
        return _svg_payload(data)
    raise UnbakeProblem("not a PNG or SVG image")


def _png_payload(data: bytes) -> str:
    offset = len(PNG_SIGNATURE)
    while offset + 8 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        chunk_type = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if len(body) != length:
            raise UnbakeProblem("the PNG is truncated")
        if chunk_type == b"iTXt" and body.startswith(PAYLOAD_KEYWORD + b"\0"):
            return _itxt_text(body)
        if chunk_type == b"tEXt" and body.startswith(PAYLOAD_KEYWORD + b"\0"):
            # Open Badges 1.0 bakers wrote a tEXt chunk (Latin-1 by the PNG specification).
            return body[len(PAYLOAD_KEYWORD) + 1 :].decode("latin-1").strip()
        if chunk_type == b"IEND":
            break
        offset += 12 + length
    raise UnbakeProblem("the PNG carries no 'openbadges' iTXt chunk: it is not baked")


def _itxt_text(body: bytes) -> str:
    # keyword \0 compression-flag compression-method language \0 translated-keyword \0 text
    rest = body[len(PAYLOAD_KEYWORD) + 1 :]
    if len(rest) < 2:
        raise UnbakeProblem("the 'openbadges' iTXt chunk is damaged")
    compressed, rest = rest[0], rest[2:]
    parts = rest.split(b"\0", 2)
    if len(parts) != 3:
        raise UnbakeProblem("the 'openbadges' iTXt chunk is damaged")
    text = parts[2]
    if compressed:
        decompressor = zlib.decompressobj()
        try:
            text = decompressor.decompress(text, MAX_PAYLOAD_BYTES + 1)
        except zlib.error as error:
            raise UnbakeProblem(f"the 'openbadges' chunk does not decompress: {error}") from None
    if len(text) > MAX_PAYLOAD_BYTES:
        raise UnbakeProblem("the baked payload is too large")
    try:
        return text.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise UnbakeProblem("the baked payload is not UTF-8 text") from None


def _svg_payload(data: bytes) -> str:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise UnbakeProblem(f"not well-formed SVG: {error}") from None
    for element in root.iter(f"{{{OPENBADGES_NAMESPACE}}}assertion"):
        text = (element.text or "").strip()
        if text:
            return text
        verify = (element.get("verify") or "").strip()
        if verify:
            return verify
    raise UnbakeProblem("the SVG has no <openbadges:assertion> element: it is not baked")
