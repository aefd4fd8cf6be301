"""Which resized copies a badge image gets: plain arithmetic, so planning needs no Pillow."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only an annotation: the inspector imports Pillow
    from badgesite.images.inspection import ImageFile

# Pages show badges at 48 to 160 CSS pixels; these cover them at 1x and 2x densities.
VARIANT_WIDTHS = (64, 128, 256)


def variant_widths(image: ImageFile) -> tuple[int, ...]:
    """The variant widths worth making: raster images only, and only smaller than the original."""
    if image.format != "png":
        return ()
    return tuple(width for width in VARIANT_WIDTHS if width < image.width)
