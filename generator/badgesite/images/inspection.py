"""Pillow and SVG checks: what an image file really is, judged by its bytes."""

from __future__ import annotations

import io
import json
import math
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from badgesite.cache.code_identity import hash_bytes
from badgesite.cache.image_cache import ImageCache
from badgesite.images import cards
from badgesite.openbadges.bake import BakeError, bake_svg, svg_root_start
from badgesite.primitives.png_chunks import PngDamaged, is_png, walk_png
from badgesite.primitives.svg_document import (
    MAX_BADGE_DEPTH,
    MAX_ELEMENTS,
    SVG_URI,
    SvgSyntaxError,
    parse_svg,
)

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MIN_BADGE_SIDE = 64
PILLOW_FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
MAX_SVG_BYTES = 1024 * 1024
MAX_SVG_ELEMENTS = MAX_ELEMENTS
MAX_SVG_DEPTH = MAX_BADGE_DEPTH
# Elements a renderer draws, each <use> counting the copy it draws of its target: a few
# kilobytes of <use> elements that each draw ten of the level below draw billions of shapes
# and hang every browser that shows the badge, while nesting only a few levels deep.
MAX_SVG_DRAWN = 5 * MAX_SVG_ELEMENTS
# Wider or taller than this, in SVG user units, is a mistake, not a badge.
MAX_SVG_SIDE = 100_000
# What baking puts into an SVG, for checking the baked result before any award is built.
SAMPLE_PAYLOAD = "https://badges.example/assertions/00000000-0000-4000-8000-000000000000.json"
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
_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
# An SVG length: a number and a unit. Only plain and px lengths give a size in pixels.
_SVG_LENGTH = re.compile(rf"\+?({_NUMBER})\s*(px|%|em|ex|mm|cm|in|pt|pc)?", re.IGNORECASE)
_SIGNED_NUMBER = re.compile(rf"[+-]?{_NUMBER}")
_XML_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]*\?>")
_ENCODING = re.compile(rb"encoding\s*=\s*[\"']([^\"']+)")
# Up to the closing parenthesis or the end: an unclosed url( must not make the search try
# every later position again (that was quadratic).
_CSS_URL = re.compile(r"url\s*\(([^)]*)(?:\)|$)", re.IGNORECASE)
_CSS_AT_RULE = re.compile(r"@([a-z-]+)")
_QUOTE = re.compile("[\"']")


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
    digest = hash_bytes(data)
    if _looks_like_svg(data):
        width, height = _check_svg(data, path.name, digest, cache)
        image_format = "svg"
    else:
        image_format, width, height = _check_raster_cached(path, data, digest, cache)
    if image_format not in allowed:
        wanted = " or ".join(name.upper() for name in allowed)
        raise ImageProblem(f"'{path.name}' is {image_format.upper()}; expected {wanted}")
    return ImageFile(path, image_format, width, height, digest)


def _looks_like_svg(data: bytes) -> bool:
    """Markup of any kind goes to the SVG checks, so that their reason is the one shown
    (no raster format starts with "<"); bake.svg_root_start then finds the root."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 text: refused there as not UTF-8
    return data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def _check_raster_cached(
    path: Path, data: bytes, digest: str, cache: ImageCache | None
) -> tuple[str, int, int]:
    if cache is None:
        return _check_raster(path, data)
    checked: list[tuple[str, int, int]] = []

    def check() -> bytes:
        checked.append(_check_raster(path, data))  # raises for a bad image: nothing is stored
        return json.dumps(checked[0]).encode()

    stored = cache.get_or_make("checked", (digest,), check)
    if checked:
        return checked[0]
    try:
        image_format, width, height = json.loads(stored)
        return str(image_format), int(width), int(height)
    except (ValueError, TypeError):  # a cache file edited by hand: check the image again
        return _check_raster(path, data)


def _check_raster(path: Path, data: bytes) -> tuple[str, int, int]:
    try:
        if is_png(data):
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
    try:
        layout = walk_png(data)
    except PngDamaged as exc:
        raise ImageProblem(f"'{name}' is {exc}") from None
    if layout.end != len(data):
        raise ImageProblem(
            f"'{name}' has {len(data) - layout.end} bytes after the end of the image, "
            "which is not allowed (a file can hide another one there)"
        )


def _check_svg(data: bytes, name: str, digest: str, cache: ImageCache | None) -> tuple[int, int]:
    """Refuse SVG that could run or fetch anything: it is served from the site's origin.

    What is published is judged too: the file as baked into every award's image (baking
    rewrites the document), and what the card renderer makes of it.
    """
    width, height = check_svg_bytes(data, name)
    try:
        baked = bake_svg(data, SAMPLE_PAYLOAD)
    except BakeError as exc:
        raise ImageProblem(f"'{name}' cannot be baked: {exc}") from None
    check_svg_bytes(baked, f"{name}, as baked,")
    try:
        cards.svg_picture(data, digest, width, height, cache or ImageCache(None))
    except cards.RasterizeCrash as exc:
        raise ImageProblem(f"'{name}' cannot be drawn: {exc}") from None
    return width, height


def check_svg_bytes(data: bytes, name: str) -> tuple[int, int]:
    """Every check of the SVG document in data (the file as given, or as baked); returns
    its size in pixels. The same checks run on a badge and on each baked copy of it."""
    if len(data) > MAX_SVG_BYTES:
        raise ImageProblem(f"'{name}' is {len(data)} bytes; the limit for SVG is {MAX_SVG_BYTES}")
    _check_svg_encoding(data, name)
    # The parser refuses any DTD, so it has no entity to expand or fetch; it stops at the
    # depth and element limits, before building anything larger.
    try:
        document = parse_svg(data, max_depth=MAX_SVG_DEPTH, max_elements=MAX_SVG_ELEMENTS)
    except SvgSyntaxError as exc:
        raise ImageProblem(f"'{name}' {exc}") from None
    if document.has_processing_instruction:
        # <?xml-stylesheet href=...?> would fetch a stylesheet.
        raise ImageProblem(f"'{name}' has a processing instruction (<?...?>), which is not allowed")
    root = document.root
    if root.tag != f"{{{SVG_URI}}}svg":
        raise ImageProblem(f"'{name}' is not SVG: its root element is {root.tag}")
    for element in root.iter():
        _check_svg_element(element, name)
    _check_drawn_depth(root, name)
    _check_svg_shape(data, name)
    return _svg_size(root, name)


def _check_drawn_depth(root: ET.Element, name: str) -> None:
    """The depth a renderer walks: nesting, plus what each reference (href="#id",
    url(#id)) draws in its place. A chain of 126 <use> elements crashes resvg as surely
    as 250 nested groups. Loops of references are refused. One visit per element. The
    number of elements drawn, copies included, is capped the same way (MAX_SVG_DRAWN)."""
    # Every element with an id: renderers differ on which of two with one id they draw.
    by_id: dict[str, list[ET.Element]] = {}
    for element in root.iter():
        if identifier := element.get("id"):
            by_id.setdefault(identifier, []).append(element)
    styled = [
        target
        for element in root.iter(f"{{{SVG_URI}}}style")
        for identifier in _local_targets("".join(element.itertext()))
        for target in by_id.get(identifier, ())
    ]

    def drawn_inside(element: ET.Element) -> list[ET.Element]:
        inside = list(element)
        if element.tag != f"{{{SVG_URI}}}a":  # a link to #id navigates; it draws nothing
            for key, value in element.attrib.items():
                targets = _local_targets(value)
                if key.rsplit("}", 1)[-1] == "href" and value.strip().startswith("#"):
                    targets.append(value.strip()[1:])
                for target in targets:
                    inside.extend(by_id.get(target, ()))
        return inside

    depth_below: dict[int, int] = {}
    drawn_below: dict[int, int] = {}
    # A stylesheet's url(#id) applies wherever its selector matches: at worst, deepest, and
    # on every element of the document.
    nesting = _nesting_depth(root)
    elements = sum(1 for _ in root.iter())
    for element in styled:
        _walk_drawn(element, drawn_inside, depth_below, drawn_below, name)
        if nesting + depth_below[id(element)] > MAX_SVG_DEPTH:
            raise ImageProblem(_too_deep(name))
        if elements * drawn_below[id(element)] > MAX_SVG_DRAWN:
            raise ImageProblem(_too_many_drawn(name))
    _walk_drawn(root, drawn_inside, depth_below, drawn_below, name)


def _walk_drawn(
    start: ET.Element,
    drawn_inside: Callable[[ET.Element], list[ET.Element]],
    depth_below: dict[int, int],
    drawn_below: dict[int, int],
    name: str,
) -> None:
    """depth_below[id(e)] for start and all it draws: 1 + the deepest thing inside it;
    drawn_below[id(e)]: 1 + how many elements what is inside it draws."""
    if id(start) in depth_below:
        return
    open_elements = {id(start)}
    stack = [(start, drawn_inside(start), 0)]
    while stack:
        element, inside, index = stack[-1]
        if index < len(inside):
            stack[-1] = (element, inside, index + 1)
            following = inside[index]
            if id(following) in depth_below:
                continue
            if id(following) in open_elements:
                raise ImageProblem(
                    f"'{name}' has an element that refers to itself, through href or url(), "
                    "which is not allowed"
                )
            open_elements.add(id(following))
            stack.append((following, drawn_inside(following), 0))
            continue
        stack.pop()
        open_elements.discard(id(element))
        depth = 1 + max((depth_below[id(part)] for part in inside), default=0)
        if depth > MAX_SVG_DEPTH:
            raise ImageProblem(_too_deep(name))
        drawn = 1 + sum(drawn_below[id(part)] for part in inside)
        if drawn > MAX_SVG_DRAWN:  # checked at each element: the sums never grow huge
            raise ImageProblem(_too_many_drawn(name))
        depth_below[id(element)] = depth
        drawn_below[id(element)] = drawn


def _nesting_depth(root: ET.Element) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


def _too_deep(name: str) -> str:
    return (
        f"'{name}' nests elements more than {MAX_SVG_DEPTH} deep, counting what its "
        'references (href="#id", url(#id)) draw in their place'
    )


def _too_many_drawn(name: str) -> str:
    return (
        f"'{name}' draws more than {MAX_SVG_DRAWN:,} elements, counting the copies its "
        'references (href="#id", url(#id)) draw: browsers would hang on it'
    )


def _local_targets(text: str) -> list[str]:
    """The ids that url(#id) in text refers to."""
    targets = []
    for target in _CSS_URL.findall(text):
        target = target.strip().strip("'\"")
        if target.startswith("#"):
            targets.append(target[1:])
    return targets


def _check_svg_encoding(data: bytes, name: str) -> None:
    """The bytes must be UTF-8, as browsers and the card renderer read them alike."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:1024]:
        raise ImageProblem(f"'{name}' is not UTF-8; save the SVG as UTF-8")
    declaration = _XML_DECLARATION.match(data)
    encoding = _ENCODING.search(declaration.group(0)) if declaration else None
    if encoding and encoding.group(1).lower() not in (b"utf-8", b"us-ascii", b"ascii"):
        raise ImageProblem(f"'{name}' is not UTF-8; save the SVG as UTF-8")


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
    # A quoted string that looks like an address: image-set("https://...") loads without
    # url(). Split at quotes, so that each character is looked at once.
    quoted = _QUOTE.split(text)[1:-1]
    if stylesheet and any("//" in part or ":" in part for part in quoted):
        raise ImageProblem(f"'{name}' names a web address or file in its CSS, which is not allowed")


def _svg_size(root: ET.Element, name: str) -> tuple[int, int]:
    """Width and height in pixels, from width/height or else the viewBox; every value either
    reads as a length or is an image problem (never an exception from float())."""
    view_box = root.get("viewBox")
    box: tuple[float, float] | None = None
    if view_box is not None:
        numbers = [
            _finite(token) if _SIGNED_NUMBER.fullmatch(token) else None
            for token in view_box.replace(",", " ").split()
        ]
        if len(numbers) != 4 or None in numbers or numbers[2] <= 0 or numbers[3] <= 0:  # type: ignore[operator]
            raise ImageProblem(
                f"'{name}' has viewBox '{view_box[:60]}'; it must be four numbers "
                "(min-x min-y width height) with a positive width and height"
            )
        box = (numbers[2], numbers[3])  # type: ignore[assignment]
    sizes = []
    for index, axis in enumerate(("width", "height")):
        value = root.get(axis)
        pixels: float | None = None
        if value is not None:
            match = _SVG_LENGTH.fullmatch(value.strip())
            if match is None:
                raise ImageProblem(f"'{name}' has {axis} '{value[:60]}', which is not a length")
            if (match.group(2) or "px").lower() == "px":
                pixels = _finite(match.group(1))
        if pixels is None and box is not None:
            pixels = box[index]
        if pixels is None:
            raise ImageProblem(f"'{name}' has no usable {axis} or viewBox")
        if not 1 <= round(pixels) <= MAX_SVG_SIDE:
            raise ImageProblem(
                f"'{name}' is {pixels:g} pixels in {axis}; it must be from 1 to {MAX_SVG_SIDE}"
            )
        sizes.append(round(pixels))
    return sizes[0], sizes[1]


def _finite(number: str) -> float | None:
    value = float(number)  # the pattern matched makes this total; 1e999 is inf
    return value if math.isfinite(value) else None
