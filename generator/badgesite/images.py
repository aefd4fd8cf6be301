"""Pillow and SVG checks: what an image file really is, judged by its bytes."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MIN_BADGE_SIDE = 64
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
PILLOW_FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
_SVG_SIZE = re.compile(r"^\s*([0-9.]+)\s*(px)?\s*$")


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


def inspect_image(path: Path, allowed: tuple[str, ...]) -> ImageFile:
    """Identify path by its bytes and check it; raise ImageProblem with a reason."""
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
        image_format, width, height = _check_raster(path)
    if image_format not in allowed:
        wanted = " or ".join(name.upper() for name in allowed)
        raise ImageProblem(f"'{path.name}' is {image_format.upper()}; expected {wanted}")
    return ImageFile(path, image_format, width, height, digest)


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head)


def _check_raster(path: Path) -> tuple[str, int, int]:
    try:
        with Image.open(path) as image:
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
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageProblem(f"'{path.name}' is damaged or truncated: {exc}") from exc
    if min(width, height) < MIN_BADGE_SIDE:
        raise ImageProblem(
            f"'{path.name}' is {width}x{height}; images need at least "
            f"{MIN_BADGE_SIDE}x{MIN_BADGE_SIDE} pixels"
        )
    return image_format, width, height


def _check_svg(data: bytes, name: str) -> tuple[int, int]:
    """Refuse SVG that could run or fetch anything: it is served from the site's origin."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ImageProblem(f"'{name}' is not well-formed SVG: {exc}") from exc
    if root.tag != f"{SVG_NAMESPACE}svg":
        raise ImageProblem(f"'{name}' is not SVG: its root element is {root.tag}")
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""
        if tag in ("script", "foreignobject", "iframe", "embed", "object"):
            raise ImageProblem(f"'{name}' contains a <{tag}> element, which is not allowed")
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                raise ImageProblem(f"'{name}' has an event handler ({local}), which is not allowed")
            if local == "href" and not value.strip().startswith("#"):
                raise ImageProblem(
                    f"'{name}' refers to '{value[:60]}'; only references inside the file are "
                    "allowed"
                )
        if tag == "style" and (element.text or "") and "url(" in (element.text or "").lower():
            raise ImageProblem(f"'{name}' loads something from a stylesheet, which is not allowed")
    return _svg_length(root, "width", name), _svg_length(root, "height", name)


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
