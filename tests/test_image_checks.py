"""Image checks at load time: every hazard in an SVG or a raster file is refused, with why."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from badgesite.image_cache import ImageCache
from badgesite.images import MAX_SVG_BYTES, ImageProblem, inspect_image

SVG_OPEN = b'<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128">'
XLINK = b'xmlns:xlink="http://www.w3.org/1999/xlink" '


def svg(body: bytes, open_tag: bytes = SVG_OPEN, before: bytes = b"", after: bytes = b"") -> bytes:
    return before + open_tag + body + b"</svg>" + after


def png(width: int = 128, height: int = 128) -> bytes:
    stream = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 80, 160, 255)).save(stream, format="PNG")
    return stream.getvalue()


def check(tmp_path: Path, data: bytes, allowed=("png", "svg"), cache=None):
    path = tmp_path / "badge.img"
    path.write_bytes(data)
    return inspect_image(path, allowed, cache)


def test_a_plain_svg_and_png_pass(tmp_path: Path) -> None:
    shapes = b'<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="9" height="9"/>'
    assert check(tmp_path, svg(shapes)).format == "svg"
    assert check(tmp_path, svg(b'<use href="#g"/>')).format == "svg"
    assert check(tmp_path, b'<?xml version="1.0" encoding="UTF-8"?>\n' + svg(b"")).format == "svg"
    assert check(tmp_path, png()).format == "png"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (svg(b"<style>@import url(https://evil.example/x.css);</style>"), "@import"),
        (svg(b"<style>@IMPORT 'x.css';</style>"), "@import"),
        (svg(b"<style>rect { fill: url(https://evil.example/p.svg#p) }</style>"), "url()"),
        (svg(b'<rect style="fill:url(\'http://evil.example/\')" width="1"/>'), "url()"),
        (svg(b'<rect fill="url(http://evil.example/#p)" width="1"/>'), "url()"),
        (svg(b"<style>rect { background: expression(alert(1)) }</style>"), "script"),
        # found in review: CSS after a child element, CSS escapes, strings that load
        (svg(b"<style>.c{}<g/>svg{background:url(http://evil.example/t.png)}</style>"), "inside"),
        (svg(b"<style>svg{background:\\75 rl(http://evil.example/x.png)}</style>"), "escape"),
        (svg(b'<rect style="fill:\\75 rl(http://evil.example/x.png)" width="1"/>'), "escape"),
        (svg(b"<style>svg{background:image-set('http://evil.example/x.png' 1x)}</style>"), "web"),
        (svg(b"<style>@font-face{font-family:x}</style>"), "@font-face"),
        (
            svg(
                b'<image xlink:href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/>',
                SVG_OPEN.replace(b"<svg ", b"<svg " + XLINK),
            ),
            "data: URIs",
        ),
        (svg(b'<image href="https://evil.example/tracker.png"/>'), "refers to"),
        (svg(b'<image href="file:///etc/passwd"/>'), "refers to"),
        (svg(b'<a href="javascript:alert(1)"><rect width="1"/></a>'), "refers to"),
        (svg(b'<feImage href="http://evil.example/x.png"/>'), "refers to"),
        (svg(b"", before=b'<!DOCTYPE svg [<!ENTITY lol "lol">]>'), "DTD or entities"),
        (svg(b"", before=b'<!DOCTYPE svg SYSTEM "http://evil.example/x.dtd">'), "DTD"),
        (svg(b"", before=b'<?xml-stylesheet href="http://evil.example/s.css"?>'), "processing"),
        (svg(b"<?php echo 1; ?>"), "processing instruction"),
        (
            svg(b"", SVG_OPEN.replace(b">", b' xml:base="http://evil.example/">')),
            "xml:base",
        ),
        (
            svg(b'<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>'),
            "HTML <script>",
        ),
        (svg(b'<h:div xmlns:h="http://www.w3.org/1999/xhtml"/>'), "HTML <div>"),
        (svg(b'<set attributeName="href" to="javascript:alert(1)"/>'), "animates"),
        (svg(b'<animate attributeName="onclick" to="alert(1)"/>'), "animates"),
        (svg(b"<foreignObject><p>hi</p></foreignObject>"), "<foreignobject>"),
        (svg(b"<handler>alert(1)</handler>"), "<handler>"),
        (svg(b'<rect onmouseover="alert(1)" width="1"/>'), "event handler"),
        (svg(b"", after=b"<!-- trailing -->"), "must end with </svg>"),
        (svg(b"", before=b"<!-- " + b"x" * 1100 + b" -->"), "within its first 1024 bytes"),
        (svg(b"<g/>" * 20_001), "more than 20000 elements"),
        (svg(b"<!--" + b"x" * MAX_SVG_BYTES + b"-->"), "the limit for SVG"),
        (svg(b"").decode().encode("utf-16"), "not UTF-8"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?>' + svg(b""), "not UTF-8"),
        (svg(b"<rect"), "not well-formed"),
    ],
)
def test_hazardous_svg_is_refused(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(ImageProblem) as problem:
        check(tmp_path, data)
    assert "'badge.img'" in str(problem.value)
    assert reason in str(problem.value)


def _png_with_chunk_crc_broken(data: bytes) -> bytes:
    broken = bytearray(data)
    broken[29] ^= 0xFF  # the last byte of IHDR's CRC
    return bytes(broken)


def _png_with_huge_header(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + end


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (png() + b"<html><script>alert(1)</script></html>", "bytes after the end of the image"),
        (_png_with_chunk_crc_broken(png()), "fails its checksum"),
        (png()[:-30], "truncated"),
        (_png_with_huge_header(10_000, 10_000), "the limit is 40000000"),
        (png(32, 32), "at least 64x64"),
    ],
)
def test_damaged_or_hostile_png_is_refused(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(ImageProblem, match=r"'badge\.img'") as problem:
        check(tmp_path, data)
    assert reason in str(problem.value)


def test_files_over_the_size_cap_are_refused_before_reading(tmp_path: Path) -> None:
    data = png() + b"\x00" * (5 * 1024 * 1024)
    with pytest.raises(ImageProblem, match="the limit is 5242880"):
        check(tmp_path, data)


def test_avatar_formats_are_judged_by_bytes(tmp_path: Path) -> None:
    stream = io.BytesIO()
    Image.new("RGB", (128, 128), "red").save(stream, format="WEBP")
    assert check(tmp_path, stream.getvalue(), ("png", "jpeg", "webp")).format == "webp"
    with pytest.raises(ImageProblem, match="is WEBP; expected PNG or SVG"):
        check(tmp_path, stream.getvalue())


def test_a_raster_check_is_cached_and_a_failure_is_not(tmp_path: Path, monkeypatch) -> None:
    cache = ImageCache(tmp_path / "cache")
    first = check(tmp_path, png(), cache=cache)
    opened = []
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(a) or 1 / 0)
    assert check(tmp_path, png(), cache=cache) == first
    assert opened == []
    monkeypatch.undo()
    with pytest.raises(ImageProblem):
        check(tmp_path, png(32, 32), cache=cache)
    with pytest.raises(ImageProblem):  # still refused: nothing was stored for it
        check(tmp_path, png(32, 32), cache=cache)


def test_a_damaged_cache_entry_means_checking_again(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "cache")
    first = check(tmp_path, png(), cache=cache)
    for entry in (tmp_path / "cache").rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"not json")
    assert check(tmp_path, png(), cache=cache) == first
