"""Palette PNGs of a canvas with a few rows drawn on, its other rows compressed once."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

from PIL import Image

from badgesite.primitives.png_chunks import PNG_SIGNATURE, make_chunk

# Static runs of rows shorter than this are compressed with the drawn rows around them: a
# splice costs a few bytes and the matches across it.
MIN_SPLICED_ROWS = 16
_ADLER_BASE = 65521
_FINAL_EMPTY_BLOCK = b"\x03\x00"


class SplicedCanvas:
    """A palette image many PNGs start from (a badge's card base): each PNG differs from it
    in some rows only, and the deflate segments of the others are made once and reused.

    A segment is compressed with no history and ends on a full flush (byte-aligned, and
    nothing after it refers back past it), so segments can follow each other in any order
    in one zlib stream; the stream's Adler-32 is combined from theirs. Filter type 0 on
    every row, as Pillow writes palette images, so the pixels are the same, bit for bit."""

    def __init__(self, image: Image.Image, level: int) -> None:
        if image.mode != "P":
            raise ValueError(f"a spliced canvas is a palette image, not {image.mode}")
        self.image = image
        self.level = level
        self.width, self.height = image.size
        self.pixels = image.tobytes()
        palette = bytes(image.getpalette() or [0, 0, 0])
        ihdr = struct.pack(">IIBBBBB", self.width, self.height, 8, 3, 0, 0, 0)
        self.head = PNG_SIGNATURE + make_chunk(b"IHDR", ihdr) + make_chunk(b"PLTE", palette)
        self.segments: dict[tuple[int, int], tuple[bytes, int]] = {}

    def encode(self, drawn: Image.Image, changed: Sequence[tuple[int, int]]) -> bytes:
        """drawn (the canvas with rows drawn on, same size and palette) as PNG; changed are
        sorted, disjoint [top, bottom) spans holding every row that differs from the canvas."""
        if drawn.size != self.image.size:
            raise ValueError("drawn is not the canvas's size")
        spans = _merged(changed, self.height)
        compressor = zlib.compressobj(self.level, zlib.DEFLATED, -15)
        pieces: list[bytes] = []
        adler = 1
        row = 0
        for top, bottom in [*spans, (self.height, self.height)]:
            if row < top:
                segment, segment_adler = self._segment(row, top)
                pieces.append(segment)
                adler = _adler32_combine(adler, segment_adler, (top - row) * (self.width + 1))
            if top < bottom:
                data = _filtered(drawn.crop((0, top, self.width, bottom)).tobytes(), self.width)
                pieces.append(compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH))
                adler = zlib.adler32(data, adler)
            row = bottom
        pieces.append(compressor.flush(zlib.Z_FINISH))
        stream = b"\x78\x5e" + b"".join(pieces) + struct.pack(">I", adler)
        return self.head + make_chunk(b"IDAT", stream) + make_chunk(b"IEND", b"")

    def _segment(self, top: int, bottom: int) -> tuple[bytes, int]:
        found = self.segments.get((top, bottom))
        if found is None:
            data = _filtered(self.pixels[top * self.width : bottom * self.width], self.width)
            compressor = zlib.compressobj(self.level, zlib.DEFLATED, -15)
            segment = compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)
            found = self.segments[(top, bottom)] = (segment, zlib.adler32(data))
        return found


def _merged(spans: Sequence[tuple[int, int]], height: int) -> list[tuple[int, int]]:
    """spans clipped to the image, with the short static runs between them (and at its
    edges) taken into them."""
    merged: list[tuple[int, int]] = []
    for top, bottom in spans:
        top, bottom = max(0, top), min(height, bottom)
        if top >= bottom:
            continue
        if top < MIN_SPLICED_ROWS:
            top = 0
        if height - bottom < MIN_SPLICED_ROWS:
            bottom = height
        if merged and top - merged[-1][1] < MIN_SPLICED_ROWS:
            merged[-1] = (merged[-1][0], max(merged[-1][1], bottom))
        else:
            merged.append((top, bottom))
    return merged


def _filtered(pixels: bytes, width: int) -> bytes:
    """Rows of pixels as a PNG's image data has them: each after its filter type, 0."""
    return b"".join(b"\x00" + pixels[at : at + width] for at in range(0, len(pixels), width))


def _adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two byte strings one after the other, from theirs (zlib's
    adler32_combine, which Python's zlib does not offer)."""
    remainder = second_length % _ADLER_BASE
    low = ((first & 0xFFFF) + (second & 0xFFFF) - 1) % _ADLER_BASE
    high = ((first >> 16) + (second >> 16) + remainder * (first & 0xFFFF) - remainder) % (
        _ADLER_BASE
    )
    return (high << 16) | low
