"""The one PNG chunk walker (bounded, linear), and metadata stripping built on it."""

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


class PngDamaged(Exception):
    """Why bytes are not a well-formed PNG; the message completes "the PNG is ..."."""


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
