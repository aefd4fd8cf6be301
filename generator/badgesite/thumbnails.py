"""Smaller copies of PNG badge images for srcset, made from the original with Pillow."""

from __future__ import annotations

import io

from PIL import Image

from badgesite.images import ImageFile

# Pages show badges at 48 to 160 CSS pixels; these cover them at 1x and 2x densities.
VARIANT_WIDTHS = (64, 128, 256)
RECIPE = "thumbnail-v1"  # change it when the bytes made here change


def variant_widths(image: ImageFile) -> tuple[int, ...]:
    """The variant widths worth making: raster images only, and only smaller than the original."""
    if image.format != "png":
        return ()
    return tuple(width for width in VARIANT_WIDTHS if width < image.width)


def resize_png(data: bytes, width: int) -> bytes:
    """data (a PNG) scaled to width, keeping its aspect ratio, as a PNG with no metadata."""
    with Image.open(io.BytesIO(data)) as original:
        picture = original.convert("RGBA")
    height = max(1, round(picture.height * width / picture.width))
    resized = picture.resize((width, height), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    resized.save(output, format="PNG")
    return output.getvalue()
