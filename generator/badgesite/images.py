"""Pillow and SVG checks: what an image file really is, judged by its bytes."""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import warnings
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from badgesite.image_cache import ImageCache, code_fingerprint
from badgesite.openbadges.bake import svg_root_start

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MIN_BADGE_SIDE = 64
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
PILLOW_FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SVG_BYTES = 1024 * 1024
MAX_SVG_ELEMENTS = 20_000
SVG_ROOT_WITHIN = 1024
XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
FORBIDDEN_SVG_ELEMENTS = frozenset(
    {
        "script",
        "foreignobject",
        "iframe",
        "embed",
        "object",
        "handler",
        "listener",
        "audio",
        "video",
        "discard",
    }
)
ANIMATION_ELEMENTS = frozenset({"set", "animate", "animatemotion", "animatetransform"})
_SVG_SIZE = re.compile(r"^\s*([0-9.]+)\s*(px)?\s*$")
_XML_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]*\?>")
_ENCODING = re.compile(rb"encoding\s*=\s*[\"']([^\"']+)")
_CSS_URL = re.compile(r"url\s*\(([^)]*)\)", re.IGNORECASE)
_CSS_AT_RULE = re.compile(r"@([a-z-]+)")
# A quoted string that looks like an address: image-set("https://...") loads without url().
_CSS_REMOTE_STRING = re.compile(r"""["'][^"']*(?://|:)[^"']*["']""")


@dataclass(frozen=True)
class ImageFile:
    """A checked image: where it is, what it is, and the hash of its bytes."""

    path: Path
    format: str
    width: int
    height: int
    digest: str

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "jpeg" else self.format


class ImageProblem(Exception):
    """Why a file cannot be used as an image; the message is shown to the user."""


def inspect_image(
    path: Path, allowed: tuple[str, ...], cache: ImageCache | None = None
) -> ImageFile:
    """Identify path by its bytes and check it; raise ImageProblem with a reason.

    A raster image that passed once is not decoded again: its result is in the cache.
    """
    try:
        if path.is_symlink() or not path.is_file():
            raise ImageProblem(f"'{path.name}' does not exist")
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            raise ImageProblem(f"'{path.name}' is {size} bytes; the limit is {MAX_IMAGE_BYTES}")
        data = path.read_bytes()
    except OSError as exc:
        raise ImageProblem(f"cannot read '{path.name}': {exc.strerror or exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if _looks_like_svg(data):
        width, height = _check_svg(data, path.name)
        image_format = "svg"
    else:
        image_format, width, height = _check_raster_cached(path, data, digest, cache)
    if image_format not in allowed:
        wanted = " or ".join(name.upper() for name in allowed)
        raise ImageProblem(f"'{path.name}' is {image_format.upper()}; expected {wanted}")
    return ImageFile(path, image_format, width, height, digest)


def _looks_like_svg(data: bytes) -> bool:
    """Markup of any kind goes to the SVG checks, so that their reason is the one shown."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 text: refused there as not UTF-8
    head = data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return head.startswith((b"<svg", b"<?xml", b"<!--", b"<!doctype"))


def _check_raster_cached(
    path: Path, data: bytes, digest: str, cache: ImageCache | None
) -> tuple[str, int, int]:
    if cache is None:
        return _check_raster(path, data)
    checked: list[tuple[str, int, int]] = []

    def check() -> bytes:
        checked.append(_check_raster(path, data))  # raises for a bad image: nothing is stored
        return json.dumps(checked[0]).encode()

    stored = cache.get_or_make("checked", (code_fingerprint(__file__), digest), check)
    if checked:
        return checked[0]
    try:
        image_format, width, height = json.loads(stored)
        return str(image_format), int(width), int(height)
    except (ValueError, TypeError):  # a cache file edited by hand: check the image again
        return _check_raster(path, data)


def _check_raster(path: Path, data: bytes) -> tuple[str, int, int]:
    try:
        if data.startswith(PNG_SIGNATURE):
            _check_png_structure(data, path.name)
        with warnings.catch_warnings():
            # Pillow warns of large images; the pixel cap below refuses them with a reason.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            image_format = PILLOW_FORMATS.get(image.format or "")
            width, height = image.size
            if image_format is None:
                raise ImageProblem(f"'{path.name}' is {image.format}, not PNG, JPEG or WebP")
            if width * height > MAX_PIXELS:
                raise ImageProblem(
                    f"'{path.name}' has {width}x{height} pixels; the limit is {MAX_PIXELS}"
                )
            image.load()  # decodes fully, so a truncated file fails here, not in a browser
    except UnidentifiedImageError as exc:
        raise ImageProblem(f"'{path.name}' is not an image (PNG, SVG, JPEG or WebP)") from exc
    except Image.DecompressionBombError as exc:
        raise ImageProblem(f"'{path.name}' has too many pixels: {exc}") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageProblem(f"'{path.name}' is damaged or truncated: {exc}") from exc
    if min(width, height) < MIN_BADGE_SIDE:
        raise ImageProblem(
            f"'{path.name}' is {width}x{height}; images need at least "
            f"{MIN_BADGE_SIDE}x{MIN_BADGE_SIDE} pixels"
        )
    return image_format, width, height


def _check_png_structure(data: bytes, name: str) -> None:
    """Chunk by chunk: a damaged chunk, or bytes hidden after the image's end, are refused."""
    position = len(PNG_SIGNATURE)
    while True:
        if position + 12 > len(data):
            raise ImageProblem(f"'{name}' is damaged or truncated: it ends inside a chunk")
        length, chunk_type = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if end > len(data):
            raise ImageProblem(f"'{name}' is damaged or truncated: it ends inside a chunk")
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[position + 4 : end - 4]) != crc:
            kind = chunk_type.decode("latin-1", errors="replace")
            raise ImageProblem(f"'{name}' is damaged: its {kind} chunk fails its checksum")
        position = end
        if chunk_type == b"IEND":
            break
    if position != len(data):
        raise ImageProblem(
            f"'{name}' has {len(data) - position} bytes after the end of the image, "
            "which is not allowed (a file can hide another one there)"
        )


def _check_svg(data: bytes, name: str) -> tuple[int, int]:
    """Refuse SVG that could run or fetch anything: it is served from the site's origin."""
    if len(data) > MAX_SVG_BYTES:
        raise ImageProblem(f"'{name}' is {len(data)} bytes; the limit for SVG is {MAX_SVG_BYTES}")
    _check_svg_text(data, name)
    # No DTD got past _check_svg_text, so the parser has no entity to expand or fetch.
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ImageProblem(f"'{name}' is not well-formed SVG: {exc}") from exc
    if root.tag != f"{SVG_NAMESPACE}svg":
        raise ImageProblem(f"'{name}' is not SVG: its root element is {root.tag}")
    for count, element in enumerate(root.iter()):
        if count >= MAX_SVG_ELEMENTS:
            raise ImageProblem(f"'{name}' has more than {MAX_SVG_ELEMENTS} elements")
        _check_svg_element(element, name)
    _check_svg_shape(data, name)
    return _svg_length(root, "width", name), _svg_length(root, "height", name)


def _check_svg_text(data: bytes, name: str) -> None:
    """Checks on the raw text: what the XML parser would hide or act on before we see it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:1024]:
        raise ImageProblem(f"'{name}' is not UTF-8; save the SVG as UTF-8")
    declaration = _XML_DECLARATION.match(data)
    encoding = _ENCODING.search(declaration.group(0)) if declaration else None
    if encoding and encoding.group(1).lower() not in (b"utf-8", b"us-ascii", b"ascii"):
        raise ImageProblem(f"'{name}' is not UTF-8; save the SVG as UTF-8")
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise ImageProblem(f"'{name}' declares a DTD or entities, which is not allowed")
    # A processing instruction such as <?xml-stylesheet href=...?> would fetch a stylesheet.
    if b"<?" in data[declaration.end() if declaration else 0 :]:
        raise ImageProblem(f"'{name}' has a processing instruction (<?...?>), which is not allowed")


def _check_svg_shape(data: bytes, name: str) -> None:
    """Verifiers and bakers find a badge SVG by its first bytes and its last element."""
    root = svg_root_start(data)
    if root is None or root > SVG_ROOT_WITHIN - 4:
        raise ImageProblem(
            f"'{name}' must start its <svg> element within its first {SVG_ROOT_WITHIN} bytes"
        )
    if not data.rstrip().endswith(b"</svg>"):
        raise ImageProblem(f"'{name}' must end with </svg> (nothing after it, not even a comment)")


def _check_svg_element(element: ET.Element, name: str) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    namespace = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
    local = tag.rsplit("}", 1)[-1].lower()
    if namespace == XHTML_NAMESPACE:
        raise ImageProblem(f"'{name}' contains an HTML <{local}> element, which is not allowed")
    if local in FORBIDDEN_SVG_ELEMENTS:
        raise ImageProblem(f"'{name}' contains a <{local}> element, which is not allowed")
    for attribute, value in element.attrib.items():
        attribute_local = attribute.rsplit("}", 1)[-1].lower()
        if attribute_local.startswith("on"):
            raise ImageProblem(
                f"'{name}' has an event handler ({attribute_local}), which is not allowed"
            )
        if attribute == XML_BASE:
            raise ImageProblem(f"'{name}' sets xml:base, which is not allowed")
        if attribute_local in ("href", "src") and not value.strip().startswith("#"):
            raise ImageProblem(
                f"'{name}' refers to '{value[:60]}'; only references inside the file "
                '(href="#id") are allowed: no web addresses, files or data: URIs'
            )
        if local in ANIMATION_ELEMENTS and attribute_local == "attributename":
            target = value.strip().lower().rsplit(":", 1)[-1]
            if target in ("href", "src") or target.startswith("on"):
                raise ImageProblem(f"'{name}' animates '{value}', which is not allowed")
        # Presentation attributes (fill="url(...)") load like CSS; style= is CSS itself.
        _check_css(value, name, stylesheet=attribute_local == "style")
    if local == "style":
        if len(element):
            raise ImageProblem(f"'{name}' has elements inside <style>, which is not allowed")
        _check_css("".join(element.itertext()), name, stylesheet=True)


def _check_css(text: str, name: str, stylesheet: bool) -> None:
    lowered = text.lower()
    # Escapes (\75 rl for url) would hide everything below from a plain-text check.
    if "\\" in text:
        raise ImageProblem(f"'{name}' uses a CSS escape (\\), which is not allowed")
    if "@import" in lowered:
        raise ImageProblem(f"'{name}' imports a stylesheet (@import), which is not allowed")
    for at_rule in _CSS_AT_RULE.findall(lowered) if stylesheet else ():
        if at_rule not in ("media", "keyframes"):
            raise ImageProblem(f"'{name}' has a CSS @{at_rule} rule, which is not allowed")
    if "javascript:" in lowered or "expression(" in lowered or "-moz-binding" in lowered:
        raise ImageProblem(f"'{name}' has script in a style or attribute, which is not allowed")
    for target in _CSS_URL.findall(text):
        if not target.strip().strip("'\"").startswith("#"):
            raise ImageProblem(
                f"'{name}' loads '{target.strip()[:60]}' with url(); only url(#id) inside "
                "the file is allowed"
            )
    if stylesheet and _CSS_REMOTE_STRING.search(text):
        raise ImageProblem(f"'{name}' names a web address or file in its CSS, which is not allowed")


def _svg_length(root: ET.Element, axis: str, name: str) -> int:
    value = root.get(axis)
    if value is not None:
        match = _SVG_SIZE.match(value)
        if match:
            return round(float(match.group(1)))
    view_box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(view_box) == 4:
        try:
            return round(float(view_box[2 if axis == "width" else 3]))
        except ValueError:
            pass
    raise ImageProblem(f"'{name}' has no usable {axis} or viewBox")
