"""The one PNG chunk walker (bounded, linear), the one text-chunk decoder, and metadata
stripping built on them."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The PNG specification caps a chunk's length at 2**31 - 1.
MAX_CHUNK_LENGTH = 2**31 - 1
# Real encoders write a few hundred chunks at most; a cap keeps a file of empty chunks cheap.
MAX_PNG_CHUNKS = 100_000
# Chunks that say how the pixels look, kept when a PNG is published. Everything else is
# dropped: text (tEXt, zTXt, iTXt), EXIF, the time of the last edit (tIME), suggested
# palettes with names (sPLT), histograms and any private or unknown chunk, which could
# carry an address, a name or a whole hidden file. APNG's animation chunks are kept.
RENDERING_CHUNKS = frozenset(
    {
        b"IHDR",
        b"PLTE",
        b"IDAT",
        b"IEND",
        b"tRNS",
        b"gAMA",
        b"cHRM",
        b"sRGB",
        b"iCCP",
        b"sBIT",
        b"cICP",
        b"mDCV",
        b"cLLI",
        b"pHYs",
        b"bKGD",
        b"acTL",
        b"fcTL",
        b"fdAT",
    }
)
# An ICC profile's name is free text (often "sRGB IEC61966-2.1", but anything up to 79
# characters): it is replaced; the profile itself is kept, as dropping it changes colours.
NEUTRAL_PROFILE_NAME = b"ICC profile"
TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
# Text is decoded, and compressed text inflated, to this many bytes at most: a zip bomb of
# a few kilobytes stops here.
MAX_TEXT_BYTES = 1024 * 1024


class PngDamaged(Exception):
    """Why bytes are not a well-formed PNG; the message completes "the PNG is ..."."""


class PngTextDamaged(PngDamaged):
    """A text chunk out of the shape the PNG specification gives it."""


class PngTextTooLarge(PngTextDamaged):
    """A text chunk whose text, inflated, is over its limit."""


class PngTextNotUtf8(PngTextDamaged):
    """An iTXt chunk whose text or translated keyword is not UTF-8, as iTXt requires."""


@dataclass(frozen=True, slots=True)
class PngText:
    """A tEXt, zTXt or iTXt chunk decoded as the PNG specification says: keyword (Latin-1),
    and for iTXt its language tag and translated keyword too."""

    keyword: str
    text: str
    language: str = ""
    translated_keyword: str = ""


@dataclass(frozen=True, slots=True)
class PngChunk:
    """One chunk of a PNG: its type and where its bytes are (start of length to end of CRC)."""

    kind: bytes
    start: int
    end: int

    def body(self, data: bytes) -> bytes:
        return data[self.start + 8 : self.end - 4]


@dataclass(frozen=True)
class PngLayout:
    """Every chunk from IHDR to IEND, and where IEND ends (bytes after it are not the image)."""

    chunks: tuple[PngChunk, ...]
    end: int


def is_png(data: bytes) -> bool:
    return data.startswith(PNG_SIGNATURE)


def walk_png(data: bytes) -> PngLayout:
    """Each chunk once, its checksum verified; PngDamaged for anything out of shape."""
    if not is_png(data):
        raise PngDamaged("not a PNG: it lacks the PNG signature")
    chunks: list[PngChunk] = []
    position = len(PNG_SIGNATURE)
    while True:
        if position + 12 > len(data):
            raise PngDamaged("damaged or truncated: it ends inside a chunk")
        length, kind = struct.unpack_from(">I4s", data, position)
        end = position + 12 + length
        if length > MAX_CHUNK_LENGTH or end > len(data):
            raise PngDamaged("damaged or truncated: it ends inside a chunk")
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(memoryview(data)[position + 4 : end - 4]) != crc:
            name = kind.decode("latin-1")
            raise PngDamaged(f"damaged: its {name} chunk fails its checksum")
        if not chunks and kind != b"IHDR":
            raise PngDamaged("damaged: it does not start with an IHDR chunk")
        chunks.append(PngChunk(kind, position, end))
        if len(chunks) > MAX_PNG_CHUNKS:
            raise PngDamaged(f"damaged: it has more than {MAX_PNG_CHUNKS} chunks")
        position = end
        if kind == b"IEND":
            return PngLayout(tuple(chunks), end)


def read_text_chunk(kind: bytes, body: bytes, max_bytes: int = MAX_TEXT_BYTES) -> PngText:
    """The text chunk whose type is kind and whose data is body. PngTextDamaged for one out
    of shape (no keyword separator, a broken or unfinished zlib stream, an iTXt compression
    flag other than 0 or 1), PngTextTooLarge for text over max_bytes, PngTextNotUtf8 for
    iTXt text that is not UTF-8. Linear in the chunk; inflating stops at max_bytes."""
    keyword, separator, rest = body.partition(b"\x00")
    if not separator:
        raise PngTextDamaged("damaged: a text chunk has no keyword")
    name = keyword.decode("latin-1")
    if kind == b"tEXt":
        return PngText(name, _bounded(rest, max_bytes).decode("latin-1"))
    if kind == b"zTXt":  # compression method (0, the only one), then the zlib stream
        return PngText(name, _inflate(rest[1:], max_bytes).decode("latin-1"))
    if kind != b"iTXt":
        raise PngTextDamaged(f"damaged: {kind.decode('latin-1')} is not a text chunk")
    # compression flag and method, language tag \0, translated keyword \0, text
    if len(rest) < 2 or rest[0] > 1:
        raise PngTextDamaged("damaged: an iTXt chunk has no valid compression flag")
    fields = rest[2:].split(b"\x00", 2)
    if len(fields) != 3:
        raise PngTextDamaged("damaged: an iTXt chunk lacks its language or translated keyword")
    language, translated, text = fields
    text = _inflate(text, max_bytes) if rest[0] else _bounded(text, max_bytes)
    try:
        return PngText(
            name, text.decode("utf-8"), language.decode("latin-1"), translated.decode("utf-8")
        )
    except UnicodeDecodeError:
        raise PngTextNotUtf8("damaged: an iTXt chunk's text is not UTF-8") from None


def _bounded(text: bytes, max_bytes: int) -> bytes:
    if len(text) > max_bytes:
        raise PngTextTooLarge(f"damaged: a text chunk holds more than {max_bytes} bytes")
    return text


def _inflate(compressed: bytes, max_bytes: int) -> bytes:
    """Decompressed, but never beyond max_bytes."""
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error:
        raise PngTextDamaged("damaged: a text chunk's compressed text is broken") from None
    _bounded(text, max_bytes)
    if not inflater.eof:
        raise PngTextDamaged("damaged: a text chunk's compressed text is cut short")
    return text


def make_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def strip_png_metadata(data: bytes, layout: PngLayout | None = None) -> bytes:
    """data with only its rendering chunks, unchanged, in their order: the pixels stay the
    same bit for bit. Bytes after IEND are dropped too. PngDamaged for a damaged file."""
    layout = layout or walk_png(data)
    kept = bytearray(PNG_SIGNATURE)
    for chunk in layout.chunks:
        if chunk.kind == b"iCCP":
            _, separator, rest = chunk.body(data).partition(b"\x00")
            if separator:
                kept += make_chunk(b"iCCP", NEUTRAL_PROFILE_NAME + b"\x00" + rest)
        elif chunk.kind in RENDERING_CHUNKS:
            kept += data[chunk.start : chunk.end]
    return bytes(kept)
