"""The SVG primitive: its sniffer tells SVG bytes by where their root element starts; its
writer keeps every namespace's meaning, Open Badges 2.0 and 3.0 under one literal prefix."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from badgesite.primitives.svg_document import is_svg, parse_svg, svg_root_start, write_svg

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


V2 = "http://openbadges.org"
V3 = "https://purl.imsglobal.org/ob/v3p0"


def rewritten(data: bytes) -> bytes:
    written = write_svg(parse_svg(data))
    assert tree(ET.fromstring(written)) == tree(ET.fromstring(data))  # the same meaning
    return written


def tree(root: ET.Element) -> list:
    return [(e.tag, dict(e.attrib), e.text, e.tail) for e in root.iter()]


def test_a_v3_leaf_declares_its_namespace_under_the_openbadges_prefix_itself() -> None:
    data = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"'
        b' xmlns:b="https://purl.imsglobal.org/ob/v3p0"><openbadges:assertion verify="u"/>'
        b'<b:credential b:kind="json" id="c">{"a": "]]&gt;&#13;&lt;"}</b:credential></svg>'
    )
    written = rewritten(data)
    assert written == (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b'<openbadges:assertion verify="u"/>'
        b'<openbadges:credential xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"'
        b' openbadges:kind="json" id="c"><![CDATA[{"a": "]]]]><![CDATA[>]]>&#13;'
        b'<![CDATA[<"}]]></openbadges:credential></svg>'
    )


@pytest.mark.parametrize(
    "inside",
    [
        b"<b:credential><g/></b:credential>",  # children could use 2.0's prefix
        b'<b:credential a:verify="x">t</b:credential>',  # so could its attributes
        b'<b:credential><a:assertion verify="x"/></b:credential>',
        b'<g b:credential="x"/>',  # not an element of its own
    ],
    ids=["children", "v2-attribute", "v2-child", "attribute-elsewhere"],
)
def test_v3_anywhere_else_gets_a_prefix_of_its_own_on_the_root(inside: bytes) -> None:
    data = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:a="http://openbadges.org"'
        b' xmlns:b="https://purl.imsglobal.org/ob/v3p0"><a:assertion verify="u"/>%s</svg>' % inside
    )
    written = rewritten(data)
    assert b'xmlns:b="https://purl.imsglobal.org/ob/v3p0"' in written.split(b">")[0]
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' not in written


def test_unused_open_badges_namespaces_are_not_declared() -> None:
    data = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="%s" xmlns:ob="%s"'
        b' xmlns:x="urn:x"/>' % (V3.encode(), V2.encode())
    )
    assert rewritten(data) == b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="urn:x"/>'
