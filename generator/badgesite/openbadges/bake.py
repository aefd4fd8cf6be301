"""Open Badges baking: the assertion URL put into, and read back from, PNG and SVG bytes.

Both sides work on structure, never on text: a PNG chunk by chunk (png_chunks), an SVG as a
parsed tree (svg_document). Baking and reading are linear in the size of the image.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from badgesite.primitives.atomic import write_atomic
from badgesite.primitives.png_chunks import (
    MAX_TEXT_BYTES,
    TEXT_CHUNKS,
    PngDamaged,
    PngTextDamaged,
    PngTextNotUtf8,
    PngTextTooLarge,
    is_png,
    make_chunk,
    read_text_chunk,
    strip_png_metadata,
    walk_png,
)
from badgesite.primitives.svg_document import (
    MAX_READ_DEPTH,
    OPENBADGES_URI,
    SVG_URI,
    SvgDocument,
    SvgSyntaxError,
    elements,
    is_svg,
    parse_svg,
    split_name,
    write_svg,
)

KEYWORD = b"openbadges"
# Larger than any image we bake or check: a file to bake or unbake is read whole.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_PAYLOAD_BYTES = MAX_TEXT_BYTES
ASSERTION = f"{{{OPENBADGES_URI}}}assertion"
# Characters XML 1.0 cannot carry, even escaped: a payload with them would break the SVG.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class BakeError(Exception):
    """Why an image cannot be baked or unbaked; the message is shown to the user."""


def bake(data: bytes, payload: str) -> bytes:
    """data (PNG or SVG bytes) with payload baked in, replacing any earlier payload."""
    return bake_png(data, payload) if image_kind(data) == "png" else bake_svg(data, payload)


def unbake(data: bytes) -> str | None:
    """The payload baked into data (an assertion URL or assertion JSON text), or None when
    there is none; BakeError for a damaged image. The one reader: the `unbake` command, the
    build's checks and the importer all use it."""
    return unbake_png(data) if image_kind(data) == "png" else unbake_svg(data)


def _walk(data: bytes):
    try:
        return walk_png(data)
    except PngDamaged as exc:
        raise BakeError(f"the PNG is {exc}") from None


def bake_png(data: bytes, payload: str) -> bytes:
    """An uncompressed iTXt chunk before IEND. The pixels and every rendering chunk stay as
    they were; text, EXIF and time chunks (an earlier payload among them) are dropped."""
    layout = _walk(data)
    stripped = strip_png_metadata(data, layout)
    iend = layout.chunks[-1]
    before_iend = len(stripped) - (iend.end - iend.start)  # IEND, copied as it was, is last
    body = KEYWORD + b"\x00\x00\x00\x00\x00" + payload.encode("utf-8")
    return stripped[:before_iend] + make_chunk(b"iTXt", body) + stripped[before_iend:]


def unbake_png(data: bytes) -> str | None:
    for chunk in _walk(data).chunks:
        if chunk.kind not in TEXT_CHUNKS:
            continue
        body = chunk.body(data)
        if not body.startswith(KEYWORD + b"\x00"):
            continue
        # Open Badges 1.0 bakers wrote tEXt (Latin-1 text), later ones iTXt (UTF-8).
        text = _payload_text(chunk.kind, body).strip()
        if text:
            return text
    return None


def _payload_text(kind: bytes, body: bytes) -> str:
    try:
        return read_text_chunk(kind, body, MAX_PAYLOAD_BYTES).text
    except PngTextTooLarge:
        raise BakeError("the baked payload is too large") from None
    except PngTextNotUtf8:
        raise BakeError("the baked payload is not UTF-8 text") from None
    except PngTextDamaged:
        raise BakeError("the PNG's openbadges chunk is damaged") from None


def bake_svg(data: bytes, payload: str) -> bytes:
    """The SVG parsed, every Open Badges element and attribute already in it removed from
    the tree, the assertion element put first in the root, and the tree written out again.

    Nothing is edited as text: a payload hidden where text matching would see an element
    (in a CDATA section, say) stays text, escaped, wherever it was.
    """
    if _NOT_XML.search(payload):
        raise BakeError("the payload has characters that XML cannot carry")
    document = _parse(data)
    root = document.root
    if root.tag != f"{{{SVG_URI}}}svg":
        raise BakeError("the SVG's root element is not <svg>")
    _remove_openbadges(root)
    root.insert(0, ET.Element(ASSERTION, {"verify": payload}))
    return write_svg(SvgDocument(root, document.prefixes, has_processing_instruction=False))


def _remove_openbadges(root: ET.Element) -> None:
    """Each element's children rebuilt once, so removing many elements stays linear."""
    for element, _ in elements(root):
        for key in [key for key in element.attrib if split_name(key)[0] == OPENBADGES_URI]:
            del element.attrib[key]
        if not any(split_name(child.tag)[0] == OPENBADGES_URI for child in element):
            continue
        kept: list[ET.Element] = []
        for child in element:
            if split_name(child.tag)[0] != OPENBADGES_URI:
                kept.append(child)
            elif child.tail:  # text after the element is the document's, not the element's
                if kept:
                    kept[-1].tail = (kept[-1].tail or "") + child.tail
                else:
                    element.text = (element.text or "") + child.tail
        element[:] = kept


def unbake_svg(data: bytes) -> str | None:
    for element in _parse(data).root.iter(ASSERTION):
        # Signed assertions carry their JSON as the element's text; hosted ones a URL.
        payload = (element.text or "").strip() or (element.get("verify") or "").strip()
        if payload:
            return payload
    return None


def _parse(data: bytes) -> SvgDocument:
    try:
        return parse_svg(data, max_depth=MAX_READ_DEPTH)
    except SvgSyntaxError as exc:
        raise BakeError(f"the SVG {exc}") from None


def image_kind(data: bytes) -> str:
    """'png' or 'svg', judged by the bytes; BakeError for anything else."""
    if is_png(data):
        return "png"
    if is_svg(data):
        return "svg"
    raise BakeError("not a PNG or SVG image")


def bake_file(source: Path, payload: str, target: Path) -> str:
    """Bake payload into the image at source and write it to target; returns its kind."""
    if not payload.strip():
        raise BakeError("the payload (an assertion URL) is empty")
    data = _read(source)
    kind = _kind_of_file(data, source)
    if target.suffix.lower() != f".{kind}":
        raise BakeError(f"{source.name} is {kind.upper()}: write it to a .{kind} file")
    try:
        baked = bake(data, payload)
    except BakeError as exc:
        raise BakeError(f"{source.name}: {exc}") from exc
    write_atomic(target, baked)
    return kind


def unbake_file(path: Path) -> str:
    """The payload baked into the image at path; BakeError when it has none."""
    data = _read(path)
    _kind_of_file(data, path)
    try:
        payload = unbake(data)
    except BakeError as exc:
        raise BakeError(f"{path.name}: {exc}") from exc
    if payload is None:
        raise BakeError(f"{path.name} has no baked Open Badges assertion")
    return payload


def _kind_of_file(data: bytes, path: Path) -> str:
    try:
        return image_kind(data)
    except BakeError:
        raise BakeError(f"{path.name} is not a PNG or SVG image") from None


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise BakeError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise BakeError(f"{path.name} is larger than {MAX_FILE_BYTES} bytes, the limit")
    return data
