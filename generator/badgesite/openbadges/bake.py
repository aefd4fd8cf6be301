"""Open Badges baking: the assertion URL (2.0), and beside it the credential (3.0), put
into and read back from PNG and SVG bytes.

Both sides work on structure, never on text: a PNG chunk by chunk (png_chunks), an SVG as a
parsed tree (svg_document). Baking and reading are linear in the size of the image.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from badgesite.openbadges.json_text import FetchProblem, parse_json
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
    OPENBADGES_V3_URI,
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
CREDENTIAL_KEYWORD = b"openbadgecredential"
# Larger than any image we bake or check: a file to bake or unbake is read whole.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_PAYLOAD_BYTES = MAX_TEXT_BYTES
# A credential is a few kilobytes (tens with evidence and endorsements); baking refuses, and
# reading stops at, this many bytes of UTF-8 JSON.
MAX_CREDENTIAL_BYTES = 1024 * 1024
ASSERTION = f"{{{OPENBADGES_URI}}}assertion"
CREDENTIAL = f"{{{OPENBADGES_V3_URI}}}credential"
OPEN_BADGES_NAMESPACES = (OPENBADGES_URI, OPENBADGES_V3_URI)
# Characters XML 1.0 cannot carry, even escaped: a payload with them would break the SVG.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The only ones valid JSON in UTF-8 can hold raw, and only inside strings, where the JSON
# escape means the same character.
_NOT_XML_IN_JSON = re.compile("[\ufffe\uffff]")


class BakeError(Exception):
    """Why an image cannot be baked or unbaked; the message is shown to the user."""


def bake(data: bytes, payload: str, credential: bytes | None = None) -> bytes:
    """data (PNG or SVG bytes) with payload (the Open Badges 2.0 assertion URL) baked in,
    and credential (an Open Badges 3.0 credential: JSON, UTF-8) beside it when given. Every
    earlier payload and credential is removed, whether or not a new credential is given."""
    if image_kind(data) == "png":
        return bake_png(data, payload, credential)
    return bake_svg(data, payload, credential)


def unbake(data: bytes) -> str | None:
    """The payload baked into data (an assertion URL or assertion JSON text), or None when
    there is none; BakeError for a damaged image. The one reader: the `unbake` command, the
    build's checks and the importer all use it."""
    return unbake_png(data) if image_kind(data) == "png" else unbake_svg(data)


def unbake_credential(data: bytes) -> str | None:
    """The Open Badges 3.0 credential baked into data (its JSON text, or a compact JWS when
    another baker signed it with VC-JWT), or None when there is none; BakeError for a
    damaged image or a credential over MAX_CREDENTIAL_BYTES. Not checked as JSON: the text
    is what the image carries, for a verifier to judge."""
    if image_kind(data) == "png":
        return unbake_png_credential(data)
    return unbake_svg_credential(data)


def credential_text(credential: bytes) -> str:
    """The credential as the text to bake; BakeError unless it is a JSON object in UTF-8
    within MAX_CREDENTIAL_BYTES. Checked when baking, so no image carries a broken one."""
    if len(credential) > MAX_CREDENTIAL_BYTES:
        raise BakeError(
            f"the credential is {len(credential)} bytes; the limit is {MAX_CREDENTIAL_BYTES}"
        )
    try:
        text = credential.decode("utf-8")
    except UnicodeDecodeError:
        raise BakeError("the credential is not UTF-8 text") from None
    if text.startswith("\ufeff"):  # parse_json would accept it; JSON.parse would not
        raise BakeError("the credential starts with a byte order mark")
    try:
        document = parse_json(credential, "the credential")
    except FetchProblem as exc:
        raise BakeError(str(exc)) from None
    if not isinstance(document, dict):
        raise BakeError("the credential is not a JSON object")
    return text


def _walk(data: bytes):
    try:
        return walk_png(data)
    except PngDamaged as exc:
        raise BakeError(f"the PNG is {exc}") from None


def bake_png(data: bytes, payload: str, credential: bytes | None = None) -> bytes:
    """An uncompressed iTXt chunk `openbadges` before IEND, and after it, when a credential
    is given, an uncompressed iTXt chunk `openbadgecredential` holding its bytes as given.
    The pixels and every rendering chunk stay as they were; text, EXIF and time chunks
    (earlier payloads and credentials among them) are dropped."""
    if credential is not None:
        credential_text(credential)  # refused before anything is written
    layout = _walk(data)
    stripped = strip_png_metadata(data, layout)
    iend = layout.chunks[-1]
    before_iend = len(stripped) - (iend.end - iend.start)  # IEND, copied as it was, is last
    # keyword \0, compression flag 0 and method 0, empty language tag and translated keyword
    baked = make_chunk(b"iTXt", KEYWORD + b"\x00\x00\x00\x00\x00" + payload.encode("utf-8"))
    if credential is not None:
        baked += make_chunk(b"iTXt", CREDENTIAL_KEYWORD + b"\x00\x00\x00\x00\x00" + credential)
    return stripped[:before_iend] + baked + stripped[before_iend:]


def unbake_png_credential(data: bytes) -> str | None:
    """The text of the first non-empty iTXt chunk `openbadgecredential` (OB 3.0 bakes only
    iTXt), inflated within the cap if another baker compressed it against the rule."""
    for chunk in _walk(data).chunks:
        if chunk.kind != b"iTXt":
            continue
        body = chunk.body(data)
        if not body.startswith(CREDENTIAL_KEYWORD + b"\x00"):
            continue
        try:
            text = read_text_chunk(chunk.kind, body, MAX_CREDENTIAL_BYTES).text.strip()
        except PngTextTooLarge:
            raise BakeError(
                f"the baked credential is too large (over {MAX_CREDENTIAL_BYTES} bytes)"
            ) from None
        except PngTextNotUtf8:
            raise BakeError("the baked credential is not UTF-8 text") from None
        except PngTextDamaged:
            raise BakeError("the PNG's openbadgecredential chunk is damaged") from None
        if text:
            return text
    return None


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


def bake_svg(data: bytes, payload: str, credential: bytes | None = None) -> bytes:
    """The SVG parsed, every Open Badges element and attribute (2.0 and 3.0) already in it
    removed from the tree, the assertion element put first in the root and the credential
    element, when a credential is given, second, and the tree written out again.

    The credential element declares its own namespace (the root's openbadges prefix is 2.0's)
    and holds the credential's JSON in CDATA: `<openbadges:credential
    xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><![CDATA[{...}]]>`. U+FFFE and
    U+FFFF, which XML cannot carry, are written as JSON escapes.

    Nothing is edited as text: a payload hidden where text matching would see an element
    (in a CDATA section, say) stays text, escaped, wherever it was.
    """
    if _NOT_XML.search(payload):
        raise BakeError("the payload has characters that XML cannot carry")
    text = None if credential is None else credential_text(credential)
    document = _parse(data)
    root = document.root
    if root.tag != f"{{{SVG_URI}}}svg":
        raise BakeError("the SVG's root element is not <svg>")
    _remove_openbadges(root)
    root.insert(0, ET.Element(ASSERTION, {"verify": payload}))
    if text is not None:
        element = ET.Element(CREDENTIAL)
        element.text = _NOT_XML_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
        root.insert(1, element)
    return write_svg(SvgDocument(root, document.prefixes, has_processing_instruction=False))


def unbaked(data: bytes) -> bytes:
    """data (PNG or SVG bytes) with everything baked in it removed: a PNG without its text,
    EXIF and time chunks, an SVG without its Open Badges elements and attributes (written
    out again from the tree). For keeping another issuer's baked image as a picture only."""
    if image_kind(data) == "png":
        return strip_png_metadata(data, _walk(data))
    document = _parse(data)
    _remove_openbadges(document.root)
    return write_svg(
        SvgDocument(document.root, document.prefixes, has_processing_instruction=False)
    )


def _remove_openbadges(root: ET.Element) -> None:
    """Each element's children rebuilt once, so removing many elements stays linear."""
    for element, _ in elements(root):
        for key in [key for key in element.attrib if _is_open_badges(key)]:
            del element.attrib[key]
        if not any(_is_open_badges(child.tag) for child in element):
            continue
        kept: list[ET.Element] = []
        for child in element:
            if not _is_open_badges(child.tag):
                kept.append(child)
            elif child.tail:  # text after the element is the document's, not the element's
                if kept:
                    kept[-1].tail = (kept[-1].tail or "") + child.tail
                else:
                    element.text = (element.text or "") + child.tail
        element[:] = kept


def _is_open_badges(name: str) -> bool:
    return split_name(name)[0] in OPEN_BADGES_NAMESPACES


def unbake_svg(data: bytes) -> str | None:
    for element in _parse(data).root.iter(ASSERTION):
        # Signed assertions carry their JSON as the element's text; hosted ones a URL.
        payload = (element.text or "").strip() or (element.get("verify") or "").strip()
        if payload:
            return payload
    return None


def unbake_svg_credential(data: bytes) -> str | None:
    """The first non-empty <openbadges:credential> in the 3.0 namespace: its text (JSON,
    from CDATA or escaped text alike) or its verify attribute (a VC-JWT compact JWS)."""
    for element in _parse(data).root.iter(CREDENTIAL):
        text = (element.get("verify") or "").strip() or (element.text or "").strip()
        if len(text.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
            raise BakeError(
                f"the baked credential is too large (over {MAX_CREDENTIAL_BYTES} bytes)"
            )
        if text:
            return text
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


def bake_file(source: Path, payload: str, target: Path, credential: bytes | None = None) -> str:
    """Bake payload, and credential when given, into the image at source and write it to
    target; returns its kind."""
    if not payload.strip():
        raise BakeError("the payload (an assertion URL) is empty")
    data = _read(source)
    kind = _kind_of_file(data, source)
    if target.suffix.lower() != f".{kind}":
        raise BakeError(f"{source.name} is {kind.upper()}: write it to a .{kind} file")
    try:
        baked = bake(data, payload, credential)
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
