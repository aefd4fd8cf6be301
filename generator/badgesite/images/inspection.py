"""What an image file really is, judged by its bytes: raster images checked with Pillow,
SVG with svg_checks, as given and as baked."""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from badgesite.cache.code_identity import hash_bytes
from badgesite.cache.image_cache import ImageCache
from badgesite.images import cards
from badgesite.images.problems import ImageProblem
from badgesite.images.svg_checks import check_svg_bytes
from badgesite.openbadges.bake import BakeError, bake_svg
from badgesite.primitives.png_chunks import PngDamaged, is_png, walk_png

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MIN_BADGE_SIDE = 64
PILLOW_FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
# What baking puts into an SVG, for checking the baked result before any award is built.
SAMPLE_PAYLOAD = "https://badges.example/assertions/00000000-0000-4000-8000-000000000000.json"


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


def inspect_image(
    path: Path,
    allowed: tuple[str, ...],
    cache: ImageCache | None = None,
    min_side: int = MIN_BADGE_SIDE,
) -> ImageFile:
    """Identify path by its bytes and check it; raise ImageProblem with a reason.

    A raster image that passed once is not decoded again: its result is in the cache.
    `min_side` is for our own images; another issuer's badge is shown as it is, scaled.
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
        if min(width, height) < min_side:  # apart from the cache: it holds what the bytes are
            raise ImageProblem(
                f"'{path.name}' is {width}x{height}; images need at least "
                f"{min_side}x{min_side} pixels"
            )
    if image_format not in allowed:
        wanted = " or ".join(name.upper() for name in allowed)
        raise ImageProblem(f"'{path.name}' is {image_format.upper()}; expected {wanted}")
    return ImageFile(path, image_format, width, height, digest)


def _looks_like_svg(data: bytes) -> bool:
    """Markup of any kind goes to the SVG checks, so that their reason is the one shown
    (no raster format starts with "<"); svg_document.svg_root_start then finds the root."""
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
