"""Spliced palette PNGs: the rows a card shares with its badge's other cards are compressed
once; what is written is a valid PNG (its zlib stream checks) of exactly the drawn pixels."""

from __future__ import annotations

import io
import random
import struct
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from badgesite.images import spliced_png
from badgesite.images.spliced_png import SplicedCanvas
from badgesite.primitives.png_chunks import walk_png


def _canvas(seed: int, width: int = 120, height: int = 90) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new("P", (width, height))
    image.putpalette([rng.randrange(256) for _ in range(3 * 200)])
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        left, top = rng.randrange(width), rng.randrange(height)
        box = (left, top, left + rng.randrange(1, 40), top + rng.randrange(1, 30))
        draw.rectangle(box, fill=rng.randrange(200))
    return image


def _idat(png: bytes) -> bytes:
    layout = walk_png(png)
    return b"".join(chunk.body(png) for chunk in layout.chunks if chunk.kind == b"IDAT")


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    spans=st.lists(st.tuples(st.integers(-5, 95), st.integers(0, 40)), max_size=6),
)
def test_a_spliced_png_holds_exactly_the_drawn_pixels(seed: int, spans) -> None:
    canvas_image = _canvas(seed)
    canvas = SplicedCanvas(canvas_image, level=3)
    rng = random.Random(seed + 1)
    changed = []
    for top, length in sorted(spans):
        if changed and top < changed[-1][1]:
            continue
        changed.append((top, top + length))
    for _ in range(2):  # the second time from the segments kept
        drawn = canvas_image.copy()
        draw = ImageDraw.Draw(drawn)
        for top, bottom in changed:
            for y in range(max(0, top), min(drawn.height, bottom)):
                draw.line(
                    (rng.randrange(60), y, 60 + rng.randrange(60), y), fill=rng.randrange(200)
                )
        png = canvas.encode(drawn, changed)
        # The zlib stream is whole and its Adler-32 checks (zlib.decompress verifies it).
        raw = zlib.decompress(_idat(png))
        rows = [raw[y * 121 : (y + 1) * 121] for y in range(90)]
        assert all(row[0] == 0 for row in rows) and len(raw) == 90 * 121
        with Image.open(io.BytesIO(png)) as read:
            read.load()
            assert read.mode == "P" and read.size == drawn.size
            assert read.tobytes() == drawn.tobytes()
            assert read.getpalette() == drawn.getpalette()


def test_bands_with_nothing_drawn_are_compressed_once() -> None:
    canvas = SplicedCanvas(_canvas(7), level=3)
    drawn = canvas.image.copy()
    ImageDraw.Draw(drawn).rectangle((10, 40, 50, 49), fill=3)
    first = canvas.encode(drawn, [(40, 50)])
    kept = dict(canvas.segments)
    band = spliced_png.BAND_ROWS
    assert set(kept) == set(range(-(-90 // band))) - set(range(40 // band, -(-50 // band)))
    assert canvas.encode(drawn, [(40, 50)]) == first and canvas.segments == kept


def test_adler32_combines_as_zlib_computes_it_whole() -> None:
    rng = random.Random(3)
    for first_length, second_length in ((0, 0), (1, 5), (70_000, 3), (5, 140_000)):
        first = rng.randbytes(first_length)
        second = rng.randbytes(second_length)
        combined = spliced_png._adler32_combine(
            zlib.adler32(first), zlib.adler32(second), second_length
        )
        assert combined == zlib.adler32(first + second)


def test_a_card_holds_the_pixels_it_was_drawn_with(monkeypatch) -> None:
    """What a card's texts and panel make, as Pillow would write it whole: the same pixels
    and palette, in no more bytes."""
    from test_cards import content, draw

    drawn_cards: list[Image.Image] = []
    real_encode = SplicedCanvas.encode

    def keeping(self, drawn, changed):
        drawn_cards.append(drawn.copy())
        return real_encode(self, drawn, changed)

    monkeypatch.setattr(SplicedCanvas, "encode", keeping)
    card = draw(content(status="revoked", status_label="Revoked"))
    [drawn] = drawn_cards
    whole = io.BytesIO()
    drawn.save(whole, format="PNG", compress_level=3)
    with Image.open(io.BytesIO(card)) as read:
        read.load()
        assert read.mode == "P" and read.tobytes() == drawn.tobytes()
        assert read.getpalette() == drawn.getpalette()
    assert len(card) <= len(whole.getvalue())
    assert struct.unpack(">II", card[16:24]) == (1200, 630)
