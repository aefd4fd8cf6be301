"""Open Badges baking: the assertion URL put into, and read back from, PNG and SVG bytes."""

from __future__ import annotations

import html
import re
import struct
import zlib
from pathlib import Path
from xml.sax.saxutils import quoteattr

from badgesite.atomic import write_atomic

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadges"
SVG_NAMESPACE = "http://openbadges.org"
# openbadges-bakery finds an SVG by `<svg` in its first 256 bytes, and the assertion
# element by its literal `openbadges:` prefix; both shape what is written here.
SVG_SNIFF_BYTES = 256
_TEXT_CHUNKS = (b"iTXt", b"tEXt", b"zTXt")
_SVG_ROOT = re.compile(rb"<svg[\s>/]")
_SPACE = re.compile(rb"\s*")
_PROLOG = re.compile(rb"\A(\xef\xbb\xbf)?(\s*<\?xml[^>]*\?>)?")
_ASSERTION_ELEMENT = re.compile(
    rb"<openbadges:assertion\b[^>]*?(/>|>.*?</openbadges:assertion>)", re.S
)
_VERIFY = re.compile(rb"""<openbadges:assertion\b[^>]*?\bverify\s*=\s*(["'])(.*?)\1""", re.S)
_CDATA = re.compile(rb"<openbadges:assertion\b[^>]*>\s*<!\[CDATA\[(.*?)\]\]>", re.S)


class BakeError(Exception):
    """Why an image cannot be baked or unbaked; the message is shown to the user."""


def bake(data: bytes, payload: str) -> bytes:
    """data (PNG or SVG bytes) with payload baked in, replacing any earlier payload."""
    return bake_png(data, payload) if image_kind(data) == "png" else bake_svg(data, payload)


def unbake(data: bytes) -> str | None:
    """The payload baked into data, or None when there is none."""
    return unbake_png(data) if image_kind(data) == "png" else unbake_svg(data)


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes, int, int]]:
    """Every chunk as (type, body, start, end); raises BakeError for a damaged file."""
    chunks = []
    position = len(PNG_SIGNATURE)
    while position < len(data):
        if position + 8 > len(data):
            raise BakeError("the PNG is truncated")
        length, chunk_type = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if end > len(data):
            raise BakeError("the PNG is truncated")
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(chunk_type + body) != crc:
            raise BakeError(f"the PNG's {chunk_type.decode('latin-1')} chunk is damaged")
        chunks.append((chunk_type, body, position, end))
        position = end
        if chunk_type == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise BakeError("the PNG has no IHDR or IEND chunk")
    return chunks


def _is_badge_chunk(chunk_type: bytes, body: bytes) -> bool:
    return chunk_type in _TEXT_CHUNKS and body.startswith(KEYWORD + b"\x00")


def bake_png(data: bytes, payload: str) -> bytes:
    """Insert an uncompressed iTXt chunk before IEND; every other byte stays as it was."""
    chunks = _png_chunks(data)
    body = KEYWORD + b"\x00\x00\x00\x00\x00" + payload.encode("utf-8")
    chunk = struct.pack(">I", len(body)) + b"iTXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + body))
    kept = bytearray(data[: len(PNG_SIGNATURE)])
    for chunk_type, chunk_body, start, end in chunks:
        if _is_badge_chunk(chunk_type, chunk_body):
            continue  # a payload baked earlier is replaced, never doubled
        if chunk_type == b"IEND":
            kept += chunk
        kept += data[start:end]
    kept += data[chunks[-1][3] :]
    return bytes(kept)


def unbake_png(data: bytes) -> str | None:
    for chunk_type, body, _, _ in _png_chunks(data):
        if not _is_badge_chunk(chunk_type, body):
            continue
        text = body[len(KEYWORD) + 1 :]
        if chunk_type == b"iTXt":
            compressed = text[0:1] == b"\x01"
            # compression flag and method, then language tag and translated keyword
            text = text[2:].split(b"\x00", 2)[-1]
            if compressed:
                try:
                    text = zlib.decompress(text)
                except zlib.error as exc:
                    raise BakeError("the PNG's openbadges chunk is damaged") from exc
        elif chunk_type == b"zTXt":
            try:
                text = zlib.decompress(text[1:])
            except zlib.error as exc:
                raise BakeError("the PNG's openbadges chunk is damaged") from exc
        return text.decode("utf-8", errors="replace")
    return None


def bake_svg(data: bytes, payload: str) -> bytes:
    """Declare the openbadges namespace on the root and put the assertion element first.

    The document is edited as text, not parsed and written again, so nothing else in it
    changes.
    """
    data = _ASSERTION_ELEMENT.sub(b"", data)
    start = svg_root_start(data)
    if start is None:
        raise BakeError("the SVG has no <svg root element after its prolog")
    if start + 4 > SVG_SNIFF_BYTES:
        # Comments before the root would hide it from bakers that sniff the first bytes.
        prolog = _PROLOG.match(data)
        head = (prolog.group(2) or b"").strip() if prolog else b""
        data = head + (b"\n" if head else b"") + data[start:]
        start = len(head) + (1 if head else 0)
    end = _start_tag_end(data, start)
    if end is None:
        raise BakeError("the SVG's root element is not closed")
    tag = data[start:end]
    self_closing = tag.endswith(b"/")
    if self_closing:
        tag = tag[:-1].rstrip()
    if b"xmlns:openbadges" not in tag:
        tag += b' xmlns:openbadges="' + SVG_NAMESPACE.encode() + b'"'
    element = f"<openbadges:assertion verify={quoteattr(payload)}/>".encode()
    closing = b"</svg>" if self_closing else b""
    return data[:start] + tag + b">" + element + closing + data[end + 1 :]


def _start_tag_end(data: bytes, start: int) -> int | None:
    """The index of the `>` that ends the start tag at start, skipping quoted values."""
    quote = 0
    for index in range(start, len(data)):
        byte = data[index]
        if quote:
            if byte == quote:
                quote = 0
        elif byte in (0x22, 0x27):
            quote = byte
        elif byte == 0x3E:
            return index
    return None


def unbake_svg(data: bytes) -> str | None:
    verify = _VERIFY.search(data)
    if verify is not None:
        return html.unescape(verify.group(2).decode("utf-8", errors="replace"))
    cdata = _CDATA.search(data)
    if cdata is not None:
        return cdata.group(1).decode("utf-8", errors="replace")
    return None


def svg_root_start(data: bytes) -> int | None:
    """Where the root `<svg` start tag begins, past the XML declaration, comments and space.

    None when something else comes first (a DTD, another element, text).
    """
    position = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        position = _SPACE.match(data, position).end()  # type: ignore[union-attr]
        if data.startswith(b"<?", position):
            end = data.find(b"?>", position)
            if end < 0:
                return None
            position = end + 2
        elif data.startswith(b"<!--", position):
            end = data.find(b"-->", position + 4)
            if end < 0:
                return None
            position = end + 3
        else:
            return position if _SVG_ROOT.match(data, position) else None


def image_kind(data: bytes) -> str:
    """'png' or 'svg', judged by the bytes; BakeError for anything else."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if svg_root_start(data) is not None:
        return "svg"
    raise BakeError("not a PNG or SVG image")


def bake_file(source: Path, payload: str, target: Path) -> str:
    """Bake payload into the image at source and write it to target; returns its kind."""
    if not payload.strip():
        raise BakeError("the payload (an assertion URL) is empty")
    data = _read(source)
    kind = _kind_of_file(data, source)
    if target.suffix.lower() != f".{kind}":
        raise BakeError(f"{source.name} is {kind.upper()}: write it to a .{kind} file")
    try:
        baked = bake(data, payload)
    except BakeError as exc:
        raise BakeError(f"{source.name}: {exc}") from exc
    write_atomic(target, baked)
    return kind


def unbake_file(path: Path) -> str:
    """The payload baked into the image at path; BakeError when it has none."""
    data = _read(path)
    _kind_of_file(data, path)
    try:
        payload = unbake(data)
    except BakeError as exc:
        raise BakeError(f"{path.name}: {exc}") from exc
    if payload is None:
        raise BakeError(f"{path.name} has no baked Open Badges assertion")
    return payload


def _kind_of_file(data: bytes, path: Path) -> str:
    try:
        return image_kind(data)
    except BakeError:
        raise BakeError(f"{path.name} is not a PNG or SVG image") from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BakeError(f"cannot read {path}: {exc.strerror or exc}") from exc
