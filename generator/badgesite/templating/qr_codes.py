"""QR codes made at build time, as inline SVG that pages can hold as they are."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from markupsafe import Markup, escape
from segno import encoder

from badgesite.cache.image_cache import ImageCache

# Pixels per module when no stylesheet sizes the code: sharp on screen and on paper.
MODULE_PIXELS = 4
QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks
ERROR_LEVEL = "m"  # 15% of the code may be lost (a fold, a smudge) and it still reads
# A size and the characters of path runs: nothing else can reach a page's markup. (A
# pattern of the runs themselves, "(?:M\d+ \d+h\d+v1h-\d+z)*", took 0.1 ms a code.)
_STORED = re.compile(r"(\d{2,3}) ([0-9Mhvz -]*)")


def qr_modules(text: str) -> tuple[int, str]:
    """text as a QR code: its size in modules (quiet zone included) and an SVG path that
    draws its dark modules, one `M x y h w v1 h -w z` run per row segment.

    The code is segno's, module for module (a test compares them): segno lays it out with
    mask 0, and `_best_mask` chooses the mask as segno would (ISO/IEC 18004 7.8.3, with
    segno's reading of it), on rows held as integers, in a fraction of segno's time (its
    evaluation of the 8 masks, module by module in Python, was 4 ms of its 5)."""
    code = encoder.encode(text, ERROR_LEVEL, mask=0, micro=False)
    layout = _layout(len(code.matrix))
    masked = _bits(code.matrix, layout.stride)
    data = (masked ^ layout.masks[0]) & layout.region
    best = _best_mask(data, layout)
    bits = masked ^ layout.masks[0] ^ layout.masks[best]
    bits ^= _format_bits(code.version, code.error, 0, layout)
    bits ^= _format_bits(code.version, code.error, best, layout)
    width = layout.width
    row_mask = (1 << width) - 1
    runs = []
    for y in range(width):
        row = (bits >> (y * layout.stride)) & row_mask
        if not row:
            continue
        # Bit j of the row is module j: reversed, the binary digits read left to right.
        shown = format(row, f"0{width}b")[::-1]
        for found in _DARK_RUN.finditer(shown):
            start, end = found.start() + QUIET_ZONE, found.end() + QUIET_ZONE
            runs.append(f"M{start} {y + QUIET_ZONE}h{end - start}v1h{start - end}z")
    return width + 2 * QUIET_ZONE, "".join(runs)


_DARK_RUN = re.compile("1+")
_N3_PATTERN = bytes((1, 0, 1, 1, 1, 0, 1))  # dark light dark dark dark light dark


@dataclass(frozen=True)
class _Layout:
    """A QR code's grid of `width` modules as integers: bit `i * stride + j` is module
    (row i, column j); the `stride - width` bits after each row are always 0 (light), so
    that a pattern looked for near a row's end reads light there, as segno's does."""

    width: int
    stride: int
    region: int  # the encoding region: the modules a mask changes
    base: int  # the function modules as segno judges masks: format and version areas light
    masks: tuple[int, ...]  # each of the 8 mask patterns, on the encoding region only
    rows: int  # every module of the grid
    not_last_column: int
    not_last_row: int


@cache
def _layout(width: int) -> _Layout:
    """The modules of a `width` QR code as segno lays them out before masking."""
    stride = width + 8
    grid = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(grid, width, width)
    encoder.add_alignment_patterns(grid, width, width)
    region = _bits([bytes(value == 2 for value in row) for row in grid], stride)
    base = _bits([bytes(value & 1 for value in row) for row in grid], stride)
    masks = tuple(
        _bits([bytes(bool(fn(i, j)) for j in range(width)) for i in range(width)], stride) & region
        for fn in encoder.get_data_mask_functions(False)
    )
    rows = _bits([b"\x01" * width] * width, stride)
    not_last_column = _bits([b"\x01" * (width - 1) + b"\x00"] * width, stride)
    not_last_row = _bits([b"\x01" * width] * (width - 1) + [b"\x00" * width], stride)
    return _Layout(width, stride, region, base, masks, rows, not_last_column, not_last_row)


@cache
def _format_bits(version: int, error: int, mask: int, layout: _Layout) -> int:
    """The modules segno's format information (and dark module) sets for this mask."""
    grid = tuple(bytearray(layout.width) for _ in range(layout.width))
    encoder.add_format_info(grid, version, error, mask)
    return _bits(grid, layout.stride)


def _bits(rows: Sequence[bytes | bytearray], stride: int) -> int:
    """Rows of 0/1 bytes as one integer, row i from bit i * stride."""
    value = 0
    for i, row in enumerate(rows):
        digits = bytes(row).translate(_DIGITS)[::-1]
        if digits.strip(b"0"):
            value |= int(digits, 2) << (i * stride)
    return value


_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


def _best_mask(data: int, layout: _Layout) -> int:
    """The mask segno's find_and_apply_best_mask chooses: the lowest penalty, the first
    of equal ones, each judged before format and version information are added."""
    scores = [
        _penalty(layout.base | (data ^ mask), layout, index)
        for index, mask in enumerate(layout.masks)
    ]
    return scores.index(min(scores))


def _penalty(bits: int, layout: _Layout, index: int) -> int:
    """segno's mask_scores (N1 + N2 + N3 + N4) of the grid `bits`."""
    rows, stride, width = layout.rows, layout.stride, layout.width
    light = rows & ~bits
    score = 0
    # N1: each run of 5 or more same-coloured modules in a row or column scores its length
    # less 2: (length - 4) windows of 5, plus 2 for where the run starts.
    for step, valid in ((1, layout.not_last_column), (stride, layout.not_last_row)):
        same = ~(bits ^ (bits >> step)) & valid  # module p equals module p + step
        five = same & (same >> step) & (same >> 2 * step) & (same >> 3 * step)
        starts = five & ~(same << step)
        score += five.bit_count() + 2 * starts.bit_count()
    # N2: 3 for each 2x2 block of one colour.
    across = ~(bits ^ (bits >> 1)) & layout.not_last_column
    block = across & (across >> stride) & ~(bits ^ (bits >> stride)) & layout.not_last_row
    score += 3 * block.bit_count()
    # N3: 40 for each 1:1:3:1:1 pattern with 4 light modules before or after it (beyond the
    # grid counts as light), as segno's loop finds them: after a counted pattern it looks
    # again 7 modules on, after another 4 on (so a counted one hides those it overlaps).
    for step in (1, stride):
        found = rows
        for offset, dark in enumerate(_N3_PATTERN):
            found &= (bits if dark else light) >> (offset * step)
        if not found:
            continue
        before = after = 0
        for k in range(1, 5):
            before |= bits << (k * step)
            after |= bits >> ((6 + k) * step)
        counted = found & (~before | ~after)
        if not found & ((found >> 4 * step) | (found >> 6 * step)):
            score += 40 * counted.bit_count()  # no pattern overlaps another
            continue
        matches = []
        while found:
            low = found & -found
            place = low.bit_length() - 1
            row, column = divmod(place, stride)
            line, at = (row, column) if step == 1 else (column, row)
            matches.append((line, at, bool(counted & low)))
            found ^= low
        line_of, next_at = -1, 0
        for line, at, is_counted in sorted(matches):
            if line != line_of:
                line_of, next_at = line, 0
            if at < next_at:
                continue
            score += 40 if is_counted else 0
            next_at = at + (7 if is_counted else 4)
    # N4: 10 for each 5% the share of dark modules is away from half.
    percent = float(bits.bit_count()) / (width**2)
    return score + 10 * int(abs(percent * 100 - 50) / 5)


def cached_qr_modules(text: str, cache: ImageCache | None) -> tuple[int, str]:
    """qr_modules, kept in the image cache (kind "qr", keyed by the text; the cache's key
    names segno's version and badgesite's code), so that a clean build with the cache
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

    The SVG is written here rather than by segno's writer so that it holds only what is
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
