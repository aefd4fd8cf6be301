"""The SVG primitive's sniffer: SVG bytes are told by where their root element starts."""

from __future__ import annotations

import pytest

from badgesite.primitives.svg_document import is_svg, svg_root_start

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"/>'


@pytest.mark.parametrize(
    ("prefix", "start"),
    [
        (b"", 0),
        (b"\xef\xbb\xbf  \n", 6),
        (b'<?xml version="1.0"?>\n<!-- made by hand -->\n', 44),
        (b'<!DOCTYPE svg [ <!ENTITY a "<svg>"> ]>', 38),
    ],
    ids=["bare", "bom-and-space", "declaration-and-comment", "dtd-with-subset"],
)
def test_the_root_is_found_past_what_may_precede_it(prefix: bytes, start: int) -> None:
    assert svg_root_start(prefix + SVG) == start
    assert is_svg(prefix + SVG)


@pytest.mark.parametrize(
    "data",
    [b"<html><svg/></html>", b"text <svg/>", b"<!-- unclosed <svg/>", b"<svgx/>", b"\x89PNG"],
    ids=["other-element", "text-first", "unclosed-comment", "other-name", "png"],
)
def test_anything_else_first_is_not_svg(data: bytes) -> None:
    assert svg_root_start(data) is None
    assert not is_svg(data)
