"""Palette PNGs of a canvas with a few rows drawn on, its other rows compressed once."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

from PIL import Image

from badgesite.primitives.png_chunks import PNG_SIGNATURE, make_chunk

# The canvas is compressed in bands of this many rows, each once: a PNG's rows are its bands,
# those with nothing drawn on them spliced in as they are. (On cards, bands of 4 to 16 rows
# take the same time, and the larger compress better.)
BAND_ROWS = 16
_ADLER_BASE = 65521


class SplicedCanvas:
    """A palette image many PNGs start from (a badge's card base): each PNG differs from it
    in some rows only, and the deflate segments of the bands of rows it leaves as they are
    are made once and reused.

    A segment is compressed with no history and ends on a full flush (byte-aligned, and
    nothing after it refers back past it), so segments can follow each other in any order
    in one zlib stream; the stream's Adler-32 is combined from theirs. Filter type 0 on
    every row, as Pillow writes palette images, so the pixels are the same, bit for bit."""

    def __init__(
        self,
        image: Image.Image,
        level: int,
        shared_level: int = 9,
        segments: dict[int, tuple[bytes, int, int]] | None = None,
    ) -> None:
        if image.mode != "P":
            raise ValueError(f"a spliced canvas is a palette image, not {image.mode}")
        self.image = image
        # The drawn rows are compressed for each PNG, the canvas's once: at zlib's best.
        self.level = level
        self.shared_level = shared_level
        self.width, self.height = image.size
        palette = bytes(image.getpalette() or [0, 0, 0])
        ihdr = struct.pack(">IIBBBBB", self.width, self.height, 8, 3, 0, 0, 0)
        self.head = PNG_SIGNATURE + make_chunk(b"IHDR", ihdr) + make_chunk(b"PLTE", palette)
        # The bands made so far, by number: the caller may keep them longer than the canvas
        # (they are some 20 KB in all, the canvas 0.75 MB).
        self.segments: dict[int, tuple[bytes, int, int]] = {} if segments is None else segments

    def encode(self, drawn: Image.Image, changed: Sequence[tuple[int, int]]) -> bytes:
        """drawn (the canvas with rows drawn on, same size and palette) as PNG; changed are
        [top, bottom) spans holding every row that differs from the canvas."""
        if drawn.size != self.image.size:
            raise ValueError("drawn is not the canvas's size")
        bands = -(-self.height // BAND_ROWS)
        is_drawn = [False] * bands
        for top, bottom in changed:
            top, bottom = max(0, top), min(self.height, bottom)
            for band in range(top // BAND_ROWS, -(-bottom // BAND_ROWS)):
                is_drawn[band] = True
        compressor = zlib.compressobj(self.level, zlib.DEFLATED, -15)
        pieces: list[bytes] = []
        adler = 1
        band = 0
        while band < bands:
            if not is_drawn[band]:
                segment, segment_adler, length = self._band(band)
                pieces.append(segment)
                adler = _adler32_combine(adler, segment_adler, length)
                band += 1
                continue
            last = band
            while last + 1 < bands and is_drawn[last + 1]:
                last += 1
            top, bottom = band * BAND_ROWS, min(self.height, (last + 1) * BAND_ROWS)
            data = _filtered(drawn.crop((0, top, self.width, bottom)).tobytes(), self.width)
            pieces.append(compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH))
            adler = zlib.adler32(data, adler)
            band = last + 1
        pieces.append(compressor.flush(zlib.Z_FINISH))
        stream = b"\x78\x5e" + b"".join(pieces) + struct.pack(">I", adler)
        return self.head + make_chunk(b"IDAT", stream) + make_chunk(b"IEND", b"")

    def _band(self, band: int) -> tuple[bytes, int, int]:
        """The canvas's rows of band as a deflate segment, its Adler-32 and length."""
        found = self.segments.get(band)
        if found is None:
            top, bottom = band * BAND_ROWS, min(self.height, (band + 1) * BAND_ROWS)
            pixels = self.image.crop((0, top, self.width, bottom)).tobytes()
            data = _filtered(pixels, self.width)
            compressor = zlib.compressobj(self.shared_level, zlib.DEFLATED, -15)
            segment = compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)
            found = self.segments[band] = (segment, zlib.adler32(data), len(data))
        return found


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
