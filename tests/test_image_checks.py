"""Image checks at load time: every hazard in an SVG or a raster file is refused, with why."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from badgesite.cache.image_cache import ImageCache
from badgesite.images import cards
from badgesite.images import inspection as images
from badgesite.images.inspection import ImageProblem, inspect_image
from badgesite.images.svg_checks import MAX_SVG_BYTES, MAX_SVG_DEPTH

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


def nested(depth: int, element: bytes = b"g") -> bytes:
    """An SVG whose innermost element is depth levels deep, counting the root."""
    opening, closing = b"<" + element + b">", b"</" + element + b">"
    return svg(opening * (depth - 2) + b'<rect width="9" height="9"/>' + closing * (depth - 2))


def use_chain(links: int) -> bytes:
    """links <use> elements, each drawing the group of the one before: flat, but drawn deep."""
    chain = b'<defs><rect id="g0" width="9" height="9"/>'
    for index in range(1, links):
        chain += b'<g id="g%d"><use href="#g%d"/></g>' % (index, index - 1)
    return svg(chain + b'</defs><use href="#g%d"/>' % (links - 1))


def test_nesting_deeper_than_the_renderer_survives_is_refused(tmp_path: Path) -> None:
    """resvg dies (SIGSEGV) from 250 nested groups, and from a chain of 126 <use>
    elements; badges stop at 64 levels, references included."""
    assert check(tmp_path, nested(MAX_SVG_DEPTH)).format == "svg"
    for data in (nested(MAX_SVG_DEPTH + 1), nested(1000), nested(500, b"svg")):
        with pytest.raises(ImageProblem, match=r"'badge\.img' nests elements more than 64 deep"):
            check(tmp_path, data)
    assert check(tmp_path, use_chain(20)).format == "svg"
    for data in (use_chain(40), use_chain(126), use_chain(5000)):
        with pytest.raises(ImageProblem, match="counting what its references"):
            check(tmp_path, data)
    pattern_chain = b"".join(
        b'<pattern id="p%d"><rect fill="url(#p%d)" width="1" height="1"/></pattern>' % (i, i + 1)
        for i in range(100)
    )
    with pytest.raises(ImageProblem, match="counting what its references"):
        check(tmp_path, svg(pattern_chain + b'<rect fill="url(#p0)" width="9" height="9"/>'))
    styled = b"<style>rect { fill: url(#p0) }</style>" + pattern_chain
    with pytest.raises(ImageProblem, match="counting what its references"):
        check(tmp_path, svg(styled + b'<rect width="9" height="9"/>'))


@pytest.mark.parametrize(
    "loop",
    [
        b'<g id="a"><use href="#a"/></g>',
        b'<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>',
        b'<pattern id="p"><rect fill="url(#p)" width="1" height="1"/></pattern>',
    ],
)
def test_references_in_a_loop_are_refused(tmp_path: Path, loop: bytes) -> None:
    with pytest.raises(ImageProblem, match="refers to itself"):
        check(tmp_path, svg(loop))


def _fan_out(levels: int, copies: int) -> bytes:
    """Groups that each draw `copies` copies of the level below: copies**levels shapes."""
    groups = [b'<g id="b0"><circle r="1"/></g>']
    for level in range(1, levels + 1):
        uses = f'<use href="#b{level - 1}"/>'.encode() * copies
        groups.append(f'<g id="b{level}">'.encode() + uses + b"</g>")
    return b"<defs>" + b"".join(groups) + f'</defs><use href="#b{levels}"/>'.encode()


def test_references_that_multiply_what_is_drawn_are_refused(tmp_path: Path) -> None:
    # 2 kB, 24 levels deep, 10**11 circles: every browser showing the badge would hang.
    with pytest.raises(ImageProblem, match="draws more than 100,000 elements"):
        check(tmp_path, svg(_fan_out(levels=11, copies=10)))
    with pytest.raises(ImageProblem, match="draws more than 100,000 elements"):
        check(tmp_path, svg(_fan_out(levels=6, copies=10)))  # 10**6
    styled = b"<style>rect { fill: url(#g) }</style>" + _fan_out(levels=4, copies=10).replace(
        b'<g id="b4"', b'<pattern id="g"'
    ).replace(b"</g></defs>", b"</pattern></defs>")
    with pytest.raises(ImageProblem, match="draws more than 100,000 elements"):
        check(tmp_path, svg(styled + b'<rect width="9" height="9"/>' * 20))


def test_a_symbol_used_a_few_times_is_fine(tmp_path: Path) -> None:
    assert check(tmp_path, svg(_fan_out(levels=3, copies=10)))  # a thousand circles


def test_a_link_to_an_enclosing_element_is_not_a_loop(tmp_path: Path) -> None:
    assert check(tmp_path, svg(b'<g id="top"><a href="#top"><rect width="9"/></a></g>'))


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        (b'width="1.2.3" height="64"', "width '1.2.3', which is not a length"),
        (b'width="64" height="--5"', "height '--5', which is not a length"),
        (b'width="" height="64"', "width '', which is not a length"),
        (b'width="1e999" height="64"', "no usable width"),
        (b'width="0.2" height="64"', "0.2 pixels in width"),
        (b'width="1e9" height="64"', "it must be from 1 to 100000"),
        (b'viewBox="0 0 1.2.3 64"', "viewBox '0 0 1.2.3 64'; it must be four numbers"),
        (b'viewBox="0 0 64"', "it must be four numbers"),
        (b'viewBox="0 0 -64 64"', "with a positive width and height"),
        (b'viewBox="0 0 nan 64"', "it must be four numbers"),
        (b'width="50%" height="64"', "no usable width"),
    ],
)
def test_every_svg_size_reads_as_a_length_or_is_an_image_problem(
    tmp_path: Path, attributes: bytes, reason: str
) -> None:
    data = svg(b"", b'<svg xmlns="http://www.w3.org/2000/svg" ' + attributes + b">")
    with pytest.raises(ImageProblem, match=r"'badge\.img'") as problem:
        check(tmp_path, data)
    assert reason in str(problem.value)


def test_svg_sizes_in_every_accepted_spelling(tmp_path: Path) -> None:
    def size(attributes: bytes) -> tuple[int, int]:
        image = check(
            tmp_path, svg(b"", b'<svg xmlns="http://www.w3.org/2000/svg" ' + attributes + b">")
        )
        return image.width, image.height

    assert size(b'width=" 128px " height="+96.4"') == (128, 96)
    assert size(b'width="1.5e2" height=".5e3"') == (150, 500)
    assert size(b'width="100%" height="2em" viewBox="-10,-10 , 300 200"') == (300, 200)


def test_a_crash_of_the_renderer_is_an_image_problem(tmp_path: Path, monkeypatch) -> None:
    """Whatever crashes resvg despite the checks, the crash is a reason naming the file."""
    monkeypatch.setattr(
        cards, "_RASTERIZE", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    )
    with pytest.raises(ImageProblem) as problem:
        check(tmp_path, svg(b'<rect width="9" height="9"/>'))
    assert str(problem.value) == (
        "'badge.img' cannot be drawn: the SVG renderer (resvg) crashed on it (SIGSEGV)"
    )


def test_what_a_badge_becomes_once_baked_is_checked_too(tmp_path: Path, monkeypatch) -> None:
    """The checks judge the baked document as well as the file: a baker that let markup
    through would be caught before any award is built."""
    monkeypatch.setattr(images, "bake_svg", lambda data, payload: svg(b"<script>alert(1)</script>"))
    with pytest.raises(ImageProblem) as problem:
        check(tmp_path, svg(b""))
    assert str(problem.value) == (
        "'badge.img, as baked,' contains a <script> element, which is not allowed"
    )


HOSTILE_CSS = [
    svg(b"<style>" + b"url(" * 250_000 + b"</style>"),
    svg(b"<style>a{b:'" + b":" * 1_000_000 + b"}</style>"),
    svg(b'<rect width="9" fill="' + b"url(" * 250_000 + b'"/>'),
    svg(b"", b'<svg xmlns="http://www.w3.org/2000/svg" width="1' + b" " * 1_000_000 + b'x">'),
]


def test_checks_are_linear_on_megabyte_hostile_svg(tmp_path: Path) -> None:
    """Each of these took minutes in the old regular expressions (they backtracked over the
    rest of the file at every `url(` or quote); each must finish well inside the timeout."""
    script = (
        "import sys; from pathlib import Path\n"
        "from badgesite.images.inspection import ImageProblem, inspect_image\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        inspect_image(Path(path), ('svg',))\n"
        "        print('passed')\n"
        "    except ImageProblem as problem:\n"
        "        print(str(problem)[:80])\n"
    )
    paths = []
    for index, data in enumerate(HOSTILE_CSS):
        paths.append(tmp_path / f"hostile{index}.svg")
        paths[-1].write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert [line.split()[:2] for line in done.stdout.splitlines()] == [
        ["'hostile0.svg'", "loads"],
        ["passed"],  # an unclosed string is no address
        ["'hostile2.svg'", "loads"],
        ["'hostile3.svg'", "has"],
    ]


def test_a_reference_to_a_shared_id_counts_every_element_with_it(tmp_path: Path) -> None:
    """Renderers differ on which of two elements with one id they draw: both count."""
    shallow = b'<rect id="r" width="9"/>'
    deep = b'<g id="r">' + b"<g>" * 40 + b"<rect/>" + b"</g>" * 41
    user = b"<g>" * 30 + b'<use href="#r"/>' + b"</g>" * 30
    assert check(tmp_path, svg(b"<defs>" + shallow + b"</defs>" + user))
    with pytest.raises(ImageProblem, match="counting what its references"):
        check(tmp_path, svg(b"<defs>" + shallow + deep + b"</defs>" + user))
