"""Resized images with Pillow: srcset copies of PNG badges, and avatars without metadata."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from badgesite.images.inspection import ImageFile

# Themes show avatars at up to 112 CSS pixels: 256 covers them on 2x screens.
AVATAR_SIDE = 256
_SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "png": {"format": "PNG"},
    "jpeg": {"format": "JPEG", "quality": 88},
    "webp": {"format": "WEBP", "quality": 88, "method": 4},
}


def resize_png(data: bytes, width: int) -> bytes:
    """data (a PNG) scaled to width, keeping its aspect ratio, as a PNG with no metadata."""
    with Image.open(io.BytesIO(data)) as original:
        picture = original.convert("RGBA")
    height = max(1, round(picture.height * width / picture.width))
    resized = picture.resize((width, height), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    resized.save(output, format="PNG")
    return output.getvalue()


def avatar_size(image: ImageFile) -> int:
    """The side of the published avatar: a square, never larger than the original."""
    return min(AVATAR_SIDE, image.width, image.height)


def clean_avatar(data: bytes, image_format: str) -> bytes:
    """The avatar as published: upright, cropped to a centred square (themes show it round),
    at most AVATAR_SIDE pixels, in its own format, and with no metadata: camera EXIF (place,
    time, device), XMP and comments are not published."""
    with Image.open(io.BytesIO(data)) as original:
        upright = ImageOps.exif_transpose(original)
        picture = upright.convert("RGB" if image_format == "jpeg" else "RGBA")
    side = min(AVATAR_SIDE, picture.width, picture.height)
    square = ImageOps.fit(picture, (side, side), Image.Resampling.LANCZOS)
    square.info.clear()  # Pillow would write a JPEG comment or ICC profile carried in here
    output = io.BytesIO()
    square.save(output, **_SAVE_OPTIONS[image_format])
    return output.getvalue()
