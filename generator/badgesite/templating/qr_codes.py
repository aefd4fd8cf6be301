"""QR codes made at build time, as inline SVG that pages can hold as they are."""

from __future__ import annotations

import re
import zlib

import zxingcpp
from markupsafe import Markup, escape

from badgesite.cache.image_cache import ImageCache

# Pixels per module when no stylesheet sizes the code: sharp on screen and on paper.
MODULE_PIXELS = 4
QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks
ERROR_LEVEL = "M"  # 15% of the code may be lost (a fold, a smudge) and it still reads
# A size and the characters of path runs: nothing else can reach a page's markup. (A
# pattern of the runs themselves, "(?:M\d+ \d+h\d+v1h-\d+z)*", took 0.1 ms a code.)
_STORED = re.compile(r"(\d{2,3}) ([0-9Mhvz -]*)")


def qr_modules(text: str) -> tuple[int, str]:
    """text as a QR code: its size in modules (quiet zone included) and an SVG path that
    draws its dark modules, one `M x y h w v1 h -w z` run per row segment.

    zxing-cpp makes the code, in native code (zint's encoder), one pixel per module: about
    0.2 ms, and 0.25 ms more for the path, where segno took 2.1 ms in Python."""
    if not text:
        raise ValueError("no QR code of an empty text")
    try:
        code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ERROR_LEVEL)
    except (ValueError, RuntimeError) as exc:  # too long; not encodable as UTF-8
        raise ValueError(f"no QR code of this text ({len(text)} characters): {exc}") from None
    pixels = memoryview(code.to_image(scale=1, add_quiet_zones=False))
    width = pixels.shape[0]
    grid = pixels.tobytes()  # a byte per module, row by row: 0 is dark
    runs = []
    for y in range(width):
        for found in _DARK_RUN.finditer(grid, y * width, (y + 1) * width):
            start = found.start() - y * width + QUIET_ZONE
            length = found.end() - found.start()
            runs.append(f"M{start} {y + QUIET_ZONE}h{length}v1h-{length}z")
    return width + 2 * QUIET_ZONE, "".join(runs)


_DARK_RUN = re.compile(b"\\x00+")


def cached_qr_modules(text: str, cache: ImageCache | None) -> tuple[int, str]:
    """qr_modules, kept in the image cache (kind "qr", keyed by the text; the cache's key
    names zxing-cpp's version and badgesite's code), so that a clean build with the cache
    makes no QR code again: reading one back costs about 0.1 ms. Stored compressed
    (about 1.3 KB for an award page's URL instead of 6 KB)."""
    if cache is None or cache.folder is None:
        return qr_modules(text)

    def make() -> bytes:
        size, path = qr_modules(text)
        return zlib.compress(f"{size} {path}".encode("ascii"), 9)

    stored = cache.get_or_make("qr", (ERROR_LEVEL, str(QUIET_ZONE), text), make)
    # What goes into pages as markup is only ever a size and path runs, whatever was read.
    try:
        found = _STORED.fullmatch(zlib.decompress(stored).decode("ascii", "replace"))
    except zlib.error:
        found = None
    if found is None:
        return qr_modules(text)
    return int(found.group(1)), found.group(2)


def qr_svg(text: str, label: str = "", cache: ImageCache | None = None) -> Markup:
    """text as a QR code: one `<svg>` element with a viewBox (it scales to any size), a
    <title> and aria-label (label, or the text itself) for assistive technology, black on
    white whatever the page's colours (a scanner needs the contrast).

    The SVG is written here rather than by zxing-cpp's writer so that it holds only what is
    named here: no XML declaration, no script, no link, no text but the escaped label.
    """
    size, path = cached_qr_modules(text, cache)
    name = escape(label or text)
    pixels = size * MODULE_PIXELS
    return Markup(
        f'<svg class="qr-code" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}"'
        f' width="{pixels}" height="{pixels}" role="img" aria-label="{name}"'
        f' shape-rendering="crispEdges"><title>{name}</title>'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{path}"/></svg>'
    )
