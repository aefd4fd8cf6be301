"""SVG as a parsed tree: one safe parser (no DTD, no entities, bounded) and one writer, and
the one sniffer that tells SVG bytes by where their root element starts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers import expat

SVG_URI = "http://www.w3.org/2000/svg"
XML_URI = "http://www.w3.org/XML/1998/namespace"
OPENBADGES_URI = "http://openbadges.org"
# Open Badges 3.0 bakes its credential under the same literal prefix, openbadges, bound to
# another namespace: written on the element itself, so both can sit in one document.
OPENBADGES_V3_URI = "https://purl.imsglobal.org/ob/v3p0"
# Elements whose text is written as CDATA: the OB 3.0 baking section asks for it there.
CDATA_ELEMENTS = frozenset({f"{{{OPENBADGES_V3_URI}}}credential"})
# Checked badges are far shallower. resvg (the card renderer) crashes with SIGSEGV from
# 250 nested groups on an 8 MB stack, so badges stop well below that.
MAX_BADGE_DEPTH = 64
# Reading a payload out of another issuer's image can afford more: nothing renders it.
MAX_READ_DEPTH = 1000
MAX_ELEMENTS = 20_000
_SPACE = re.compile(rb"\s*")
_SVG_ROOT = re.compile(rb"<svg[\s>/]")
_ESCAPE_TEXT = re.compile(r"[&<>\r]")
_ESCAPE_ATTRIBUTE = re.compile(r'[&<>"\n\r\t]')
_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "\n": "&#10;",
    "\r": "&#13;",
    "\t": "&#9;",
}


class SvgSyntaxError(Exception):
    """Why bytes are not an SVG document we read; the message is shown to the user."""


@dataclass(frozen=True)
class SvgDocument:
    """The parsed tree, the prefixes its namespaces were declared with, and what the tree
    itself does not keep: whether there were processing instructions."""

    root: ET.Element
    prefixes: tuple[tuple[str, str], ...]
    has_processing_instruction: bool


def parse_svg(
    data: bytes, max_depth: int = MAX_BADGE_DEPTH, max_elements: int = MAX_ELEMENTS
) -> SvgDocument:
    """The document in data; SvgSyntaxError for a DTD, an entity, too deep or too many
    elements, or XML that is not well-formed. Comments are not kept. One pass, linear."""
    parser = expat.ParserCreate(None, "}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.ordered_attributes = True
    parser.buffer_text = True
    builder = ET.TreeBuilder()
    prefixes: list[tuple[str, str]] = []
    depth = count = 0
    instructions = False

    def start(name: str, attributes: list[str]) -> None:
        nonlocal depth, count
        depth += 1
        count += 1
        if depth > max_depth:
            raise SvgSyntaxError(f"nests elements more than {max_depth} deep")
        if count > max_elements:
            raise SvgSyntaxError(f"has more than {max_elements} elements")
        # ordered_attributes: [name, value, name, value, ...] in document order
        keys, values = attributes[::2], attributes[1::2]
        builder.start(_qualified(name), dict(zip(map(_qualified, keys), values, strict=True)))

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(_qualified(name))

    def instruction(target: str, data: str) -> None:
        nonlocal instructions
        instructions = True

    def refuse_dtd(*_: object) -> None:
        raise SvgSyntaxError("declares a DTD or entities, which is not allowed")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartNamespaceDeclHandler = lambda prefix, uri: prefixes.append((prefix or "", uri))
    parser.ProcessingInstructionHandler = instruction
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise SvgSyntaxError(f"is not well-formed XML: {exc}") from None
    return SvgDocument(builder.close(), tuple(prefixes), instructions)


def _qualified(name: str) -> str:
    # expat writes "uri}local" with the separator given above; ElementTree wants "{uri}local".
    return "{" + name if "}" in name else name


def svg_root_start(data: bytes) -> int | None:
    """Where the root `<svg` start tag begins, past the XML declaration, a DTD, comments and
    space. None when something else comes first (another element, text). Linear: each step
    moves past what it found."""
    position = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        position = _SPACE.match(data, position).end()  # type: ignore[union-attr]
        if data.startswith(b"<?", position):
            end = data.find(b"?>", position)
            if end < 0:
                return None
            position = end + 2
        elif data.startswith(b"<!--", position):
            end = data.find(b"-->", position + 4)
            if end < 0:
                return None
            position = end + 3
        elif data[position : position + 9].upper() == b"<!DOCTYPE":
            # Found only to name the file as SVG; the parser refuses the DTD with a reason.
            close = data.find(b">", position)
            subset = data.find(b"[", position, close if close >= 0 else len(data))
            if subset >= 0:
                close = data.find(b">", max(subset, data.find(b"]", subset)))
            if close < 0:
                return None
            position = close + 1
        else:
            return position if _SVG_ROOT.match(data, position) else None


def is_svg(data: bytes) -> bool:
    return svg_root_start(data) is not None


def split_name(name: str) -> tuple[str, str]:
    """("uri", "local") of an ElementTree name; uri is "" outside any namespace."""
    if name.startswith("{"):
        uri, _, local = name[1:].partition("}")
        return uri, local
    return "", name


def elements(root: ET.Element) -> Iterator[tuple[ET.Element, ET.Element | None]]:
    """Every element with its parent, root first, without recursion."""
    stack: list[tuple[ET.Element, ET.Element | None]] = [(root, None)]
    while stack:
        element, parent = stack.pop()
        yield element, parent
        stack.extend((child, element) for child in reversed(element))


def write_svg(document: SvgDocument) -> bytes:
    """The tree as UTF-8 XML, without comments or processing instructions: the root first
    and unprefixed (`<svg`, where bakers and verifiers look for it), every other namespace
    under the prefix it was declared with, every text and attribute escaped (the text of
    CDATA_ELEMENTS as CDATA). Written without recursion, so depth costs no stack.

    An Open Badges 3.0 element without children or Open Badges 2.0 attributes is written
    `<openbadges:name xmlns:openbadges="...v3p0">`: verifiers look for that literal prefix,
    which the root binds to Open Badges 2.0.

    ElementTree's own writer cannot do this: it renames prefixes to ns0, ns1 ... unless they
    are registered process-wide.
    """
    root = document.root
    prefix_of = _prefixes(document)
    parts: list[str] = []  # no XML declaration: UTF-8 is XML's default
    declarations = "".join(
        f' xmlns:{prefix}="{_escape_attribute(uri)}"'
        for uri, prefix in prefix_of.items()
        if uri != XML_URI
    )

    def open_tag(element: ET.Element, parent_default: str) -> tuple[str, str, bool]:
        uri, local = split_name(element.tag)
        attributes = []
        prefix_here = prefix_of
        if uri in (SVG_URI, ""):
            name, default = local, uri
            if default != parent_default or element is root:
                attributes.append(f' xmlns="{_escape_attribute(uri)}"')
        elif _declares_v3_itself(element, root):
            prefix_here = {**prefix_of, OPENBADGES_V3_URI: "openbadges"}
            name, default = f"openbadges:{local}", parent_default
            attributes.append(f' xmlns:openbadges="{_escape_attribute(uri)}"')
        else:
            name, default = f"{prefix_of[uri]}:{local}", parent_default
        if element is root:
            attributes.append(declarations)
        for key, value in element.attrib.items():
            key_uri, key_local = split_name(key)
            key_name = f"{prefix_here[key_uri]}:{key_local}" if key_uri else key_local
            attributes.append(f' {key_name}="{_escape_attribute(value)}"')
        empty = len(element) == 0 and not element.text
        parts.append(f"<{name}{''.join(attributes)}{'/>' if empty else '>'}")
        if not empty and element.tag in CDATA_ELEMENTS:
            parts.append(_cdata(element.text or ""))
        elif not empty:
            parts.append(_escape_text(element.text or ""))
        return name, default, empty

    name, default, empty = open_tag(root, SVG_URI)
    stack = [] if empty else [(root, iter(root), name, default)]
    while stack:
        element, children, name, default = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            parts.append(f"</{name}>")
            if stack:
                parts.append(_escape_text(element.tail or ""))
            continue
        child_name, child_default, child_empty = open_tag(child, default)
        if child_empty:
            parts.append(_escape_text(child.tail or ""))
        else:
            stack.append((child, iter(child), child_name, child_default))
    return "".join(parts).encode("utf-8")


def _declares_v3_itself(element: ET.Element, root: ET.Element) -> bool:
    """Whether element is written with its own Open Badges 3.0 declaration: only where no
    child or attribute could need the root's openbadges prefix (Open Badges 2.0) inside it."""
    return (
        element is not root
        and split_name(element.tag)[0] == OPENBADGES_V3_URI
        and len(element) == 0
        and all(split_name(key)[0] != OPENBADGES_URI for key in element.attrib)
    )


def _prefixes(document: SvgDocument) -> dict[str, str]:
    """A prefix for every namespace to declare on the root but SVG's (the default): the one
    it was declared with where that is free, openbadges for Open Badges 2.0 (verifiers look
    for that literal prefix), else ns0, ns1 ... Namespaces declared but unused (an editor's,
    say) stay declared, as attribute values can name them; Open Badges' only where used,
    and 3.0's not for the elements that declare it themselves (_declares_v3_itself)."""
    prefix_of = {XML_URI: "xml", OPENBADGES_URI: "openbadges"}
    taken = {"xml", "xmlns", "openbadges"}
    for prefix, uri in document.prefixes:
        if prefix and uri not in prefix_of and uri != SVG_URI and prefix not in taken:
            prefix_of[uri] = prefix
            taken.add(prefix)
    open_badges = (OPENBADGES_URI, OPENBADGES_V3_URI)
    declared = {uri for _, uri in document.prefixes if uri and uri not in open_badges}
    declared.discard(SVG_URI)
    counter = 0
    for element, _ in elements(document.root):
        uris = [split_name(key)[0] for key in element.attrib]
        element_uri = split_name(element.tag)[0]
        if _declares_v3_itself(element, document.root):
            uris = [uri for uri in uris if uri != OPENBADGES_V3_URI]
        elif element_uri != SVG_URI:
            uris.append(element_uri)
        for uri in uris:
            if not uri or uri == XML_URI:
                continue
            if uri not in prefix_of:
                while f"ns{counter}" in taken:
                    counter += 1
                prefix_of[uri] = f"ns{counter}"
                taken.add(prefix_of[uri])
            declared.add(uri)
    return {uri: prefix for uri, prefix in prefix_of.items() if uri in declared or uri == XML_URI}


def _cdata(text: str) -> str:
    """text as CDATA sections: `]]>` split across two, and carriage returns (which parsers
    would read back as line feeds) written as references between sections."""
    sections = []
    for line in text.split("\r"):
        body = line.replace("]]>", "]]]]><![CDATA[>")
        sections.append(f"<![CDATA[{body}]]>" if line else "")
    return "&#13;".join(sections)


def _escape_text(text: str) -> str:
    return _ESCAPE_TEXT.sub(lambda match: _ENTITIES[match.group()], text)


def _escape_attribute(text: str) -> str:
    return _ESCAPE_ATTRIBUTE.sub(lambda match: _ENTITIES[match.group()], text)
