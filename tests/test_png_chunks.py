"""The PNG primitive: the one chunk walker and the one text-chunk decoder, tested here once."""

from __future__ import annotations

import zlib

import pytest

from badgesite.primitives.png_chunks import (
    MAX_TEXT_BYTES,
    PNG_SIGNATURE,
    PngDamaged,
    PngText,
    PngTextDamaged,
    PngTextNotUtf8,
    PngTextTooLarge,
    make_chunk,
    read_text_chunk,
    walk_png,
)
from helpers import GOLDEN_SITE

PNG = (GOLDEN_SITE / "content/images/maker.png").read_bytes()


def test_walk_finds_every_chunk_once_and_where_the_image_ends() -> None:
    layout = walk_png(PNG + b"trailing")
    kinds = [chunk.kind for chunk in layout.chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    assert layout.end == len(PNG)
    assert [chunk.start for chunk in layout.chunks[1:]] == [c.end for c in layout.chunks[:-1]]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"GIF89a", "lacks the PNG signature"),
        (PNG[:-6], "truncated"),
        (PNG[:40] + bytes([PNG[40] ^ 1]) + PNG[41:], "fails its checksum"),
        (PNG_SIGNATURE + make_chunk(b"IEND", b""), "does not start with an IHDR"),
    ],
    ids=["signature", "truncated", "checksum", "no-ihdr"],
)
def test_walk_refuses_a_damaged_png(data: bytes, reason: str) -> None:
    with pytest.raises(PngDamaged, match=reason):
        walk_png(data)


def test_text_chunks_decode_as_the_png_specification_says() -> None:
    assert read_text_chunk(b"tEXt", b"Author\x00caf\xe9") == PngText("Author", "caf\xe9")
    compressed = b"Comment\x00\x00" + zlib.compress(b"caf\xe9")
    assert read_text_chunk(b"zTXt", compressed) == PngText("Comment", "caf\xe9")
    itxt = b"Copyright\x00\x00\x00en\x00Rechte\x00" + "© Zoë".encode()
    assert read_text_chunk(b"iTXt", itxt) == PngText("Copyright", "© Zoë", "en", "Rechte")
    packed = b"Title\x00\x01\x00\x00\x00" + zlib.compress("Zoë".encode())
    assert read_text_chunk(b"iTXt", packed) == PngText("Title", "Zoë")


@pytest.mark.parametrize(
    ("kind", "body", "error"),
    [
        (b"tEXt", b"no keyword separator", PngTextDamaged),
        (b"zTXt", b"Comment\x00\x00not zlib", PngTextDamaged),
        (b"zTXt", b"Comment\x00\x00" + zlib.compress(b"x" * 100)[:-6], PngTextDamaged),
        (b"iTXt", b"Title\x00", PngTextDamaged),
        (b"iTXt", b"Title\x00\x00\x00only-a-language", PngTextDamaged),
        (b"iTXt", b"Title\x00\x02\x00\x00\x00text", PngTextDamaged),
        (b"iTXt", b"Title\x00\x00\x00\x00\x00caf\xe9", PngTextNotUtf8),
        (b"IDAT", b"Title\x00text", PngTextDamaged),
    ],
    ids=[
        "no-keyword",
        "broken-zlib",
        "cut-zlib",
        "no-flag",
        "no-fields",
        "flag-2",
        "latin",
        "idat",
    ],
)
def test_text_chunks_out_of_shape_are_refused(
    kind: bytes, body: bytes, error: type[PngTextDamaged]
) -> None:
    with pytest.raises(error):
        read_text_chunk(kind, body)


def test_text_is_bounded_compressed_or_not() -> None:
    """A zip bomb stops at the limit; so does plain text over it, whatever the chunk type
    (the bake reader used to cap iTXt but not tEXt)."""
    bomb = b"openbadges\x00\x01\x00\x00\x00" + zlib.compress(b" " * (50 * MAX_TEXT_BYTES))
    with pytest.raises(PngTextTooLarge):
        read_text_chunk(b"iTXt", bomb)
    with pytest.raises(PngTextTooLarge):
        read_text_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b" " * 2001), max_bytes=2000)
    with pytest.raises(PngTextTooLarge):
        read_text_chunk(b"tEXt", b"Comment\x00" + b" " * 2001, max_bytes=2000)
    assert read_text_chunk(b"tEXt", b"Comment\x00" + b" " * 2000, max_bytes=2000).text == " " * 2000
