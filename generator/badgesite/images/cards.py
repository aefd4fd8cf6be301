"""Social cards: the 1200x630 PNG that link previews show, drawn with Pillow and bundled fonts."""

from __future__ import annotations

import bisect
import io
import math
import signal
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont

from badgesite.cache.image_cache import ImageCache
from badgesite.images.spliced_png import SplicedCanvas

# The one card size: the pages' og:image width and height say it too (sharing).
WIDTH, HEIGHT = 1200, 630
FONT_DIR = Path(__file__).parent / "fonts"
REGULAR = "NotoSans-Regular.ttf"
BOLD = "NotoSans-Bold.ttf"
CJK = "NotoSansCJKsc-Subset.otf"
ELLIPSIS = "\u2026"

BACKGROUND = "#ffffff"
PANEL = "#eef2f1"
INK = "#1b2a33"
MUTED = "#55636b"
FAINT = "#7a8890"
STATUS_COLOURS = {"revoked": "#b3261e", "expired": "#8a5a00", "not-yet-valid": "#55636b"}

PANEL_WIDTH = 520
IMAGE_BOX = 380
TEXT_LEFT = 580
TEXT_WIDTH = WIDTH - TEXT_LEFT - 60
TEXT_TOP, TEXT_BOTTOM = 60, 540
TITLE_SIZES = (60, 54, 48, 42)
PERSON_SIZES = (46, 40, 34)
DETAIL_SIZE = 28
FOOTER_SIZE = 24
# Cards are palette PNGs (a third of RGB's bytes to filter and compress): of the 256
# colours, the inks of the texts take one per INK_LEVELS step from white, the badge panel
# at most BASE_COLOURS.
INK_LEVELS = 16
BASE_COLOURS = 176
PNG_LEVEL = 3
# resvg is native code: a hostile SVG can crash it (deep nesting overflows its stack) or
# keep it busy. It runs in a child process, so that either becomes an error about the file.
RASTERIZE_SECONDS = 60
_RESVG_REFUSED = 3
_RASTERIZE = f"""
import sys, resvg_py
width, height, *fonts = sys.argv[1:]
try:
    svg = sys.stdin.buffer.read().decode("utf-8")
    png = resvg_py.svg_to_bytes(
        svg_string=svg, width=int(width), height=int(height),
        skip_system_fonts=True, font_files=fonts, font_family="Noto Sans",
        sans_serif_family="Noto Sans", serif_family="Noto Sans", monospace_family="Noto Sans",
        cursive_family="Noto Sans", fantasy_family="Noto Sans",
    )
except Exception as exc:
    sys.stderr.write(str(exc)[:300])
    sys.exit({_RESVG_REFUSED})
sys.stdout.buffer.write(bytes(png))
"""


@dataclass(frozen=True)
class CardContent:
    """What a card shows, besides the badge image's bytes; empty texts are left out."""

    title: str
    person: str
    details: tuple[str, ...]
    status: str
    status_label: str
    footer: str
    image_format: str
    image_width: int
    image_height: int

    def cache_parts(self, image_digest: str) -> tuple[str, ...]:
        """Everything the card's bytes depend on besides badgesite's code and fonts (which
        the image cache's key holds), for that key."""
        return (image_digest, repr(self))


def can_draw(text: str) -> bool:
    """Whether the bundled fonts have every character of text (else it would show boxes)."""
    return all(_font_file(character, REGULAR) is not None for character in _normalize(text))


class RasterizeCrash(Exception):
    """The SVG renderer died or hung on an image; the message says how."""


def picture_size(width: int, height: int) -> tuple[int, int]:
    """The size of a badge image on a card: its shape, fitted into IMAGE_BOX."""
    scale = IMAGE_BOX / max(width, height, 1)
    return max(1, round(width * scale)), max(1, round(height * scale))


def svg_picture(svg: bytes, digest: str, width: int, height: int, cache: ImageCache) -> bytes:
    """The badge SVG drawn at its size on cards, as PNG; b"" when resvg cannot draw it.

    Drawn once per distinct SVG (the image checks draw it first, so a crash is a content
    error), in a child process; RasterizeCrash when that dies or hangs.
    """
    size = picture_size(width, height)
    return cache.get_or_make(
        "svg-picture", (digest, f"{size[0]}x{size[1]}"), lambda: rasterize_svg(svg, *size)
    )


def rasterize_svg(svg: bytes, width: int, height: int) -> bytes:
    """svg as a width x height PNG, drawn by resvg in a child process with only the bundled
    fonts (text must not depend on the build machine); b"" when resvg refuses it."""
    fonts = [str(FONT_DIR / name) for name in (REGULAR, BOLD, CJK)]
    command = [sys.executable, "-I", "-c", _RASTERIZE, str(width), str(height), *fonts]
    try:
        done = subprocess.run(command, input=svg, capture_output=True, timeout=RASTERIZE_SECONDS)
    except subprocess.TimeoutExpired:
        raise RasterizeCrash(
            f"the SVG renderer (resvg) took more than {RASTERIZE_SECONDS} seconds"
        ) from None
    if done.returncode == 0:
        return done.stdout
    if done.returncode == _RESVG_REFUSED:
        return b""
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        raise RasterizeCrash(f"the SVG renderer (resvg) crashed on it ({name})")
    reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    raise RasterizeCrash(
        f"the SVG renderer (resvg) failed on it (exit status {done.returncode}) {reason[0][:200]}"
    )


def draw_base(picture: bytes, image_width: int, image_height: int) -> bytes:
    """What every card of one badge shares, drawn once per badge (and cached): the panel
    with the badge on it, or the emblem when picture is b"", as a palette PNG whose palette
    is the whole card's: the inks first (_ink_ramps), then at most BASE_COLOURS colours of
    the panel. picture is the badge as PNG: the badge image itself, or for an SVG badge what
    svg_picture made of it."""
    panel = Image.new("RGB", (PANEL_WIDTH, HEIGHT), PANEL)
    badge = _badge_picture(picture, image_width, image_height)
    if badge is None:
        _draw_emblem(ImageDraw.Draw(panel))
    else:
        panel.paste(
            badge,
            ((PANEL_WIDTH - badge.width) // 2, (HEIGHT - badge.height) // 2),
            badge,
        )
    # Median cut, undithered: dithering speckles the flat panel and badge colours.
    quantized = panel.quantize(BASE_COLOURS, method=Image.Quantize.MEDIANCUT)
    inks = _ink_ramps()
    shift = bytes(min(255, index + len(inks) // 3) for index in range(256))
    based = Image.frombytes("P", panel.size, quantized.tobytes().translate(shift))
    colours = list(inks) + (quantized.getpalette() or [])[: 3 * BASE_COLOURS]
    based.putpalette(colours)
    return _encode(based)


def draw_card(content: CardContent, base: bytes) -> bytes:
    """The card as PNG bytes: base (what draw_base made for the badge) with the texts of
    content drawn beside it, in the inks of its palette."""
    canvas = _canvas(base)
    card = canvas.image.copy()
    # The texts are drawn in RGB right of the panel (x counted from the panel's edge), then
    # each pixel of the rows they ink takes the nearest ink step of the palette's first
    # entries (white, the rest, is the canvas's entry 0 already).
    texts = Image.new("RGB", (WIDTH - PANEL_WIDTH, HEIGHT), BACKGROUND)
    pen = _Pen(ImageDraw.Draw(texts))
    left = TEXT_LEFT - PANEL_WIDTH
    blocks = _text_blocks(content)
    total = sum(block.height for block in blocks)
    y = TEXT_TOP + max(0, (TEXT_BOTTOM - TEXT_TOP - total) // 2)
    for block in blocks:
        block.draw(pen, left, y)
        y += block.height
    if content.footer and can_draw(content.footer):
        footer = _fit(content.footer, REGULAR, (FOOTER_SIZE,), TEXT_WIDTH, 1)
        pen.line(left, HEIGHT - 40, footer.lines[0], REGULAR, FOOTER_SIZE, FAINT)
    inked = pen.inked_rows()
    for top, bottom in inked:
        rows = texts.crop((0, top, texts.width, bottom))
        quantized = rows.quantize(palette=_ink_palette(), dither=Image.Dither.NONE)
        card.paste(quantized, (PANEL_WIDTH, top))
    return canvas.encode(card, inked)


_MASK_MARGIN = 2


class _Pen:
    """Draws a card's texts, and notes which rows it inked: only those are mapped to the
    palette (a card's texts take about half its rows)."""

    def __init__(self, draw: ImageDraw.ImageDraw) -> None:
        self.draw = draw
        self.rows: list[tuple[int, int]] = []

    def line(self, x: int, baseline: int, text: str, primary: str, size: int, fill: str) -> None:
        position = float(x)
        for name, part in _runs(text, primary):
            whole = int(position)
            mask, left, top = _line_mask(part, name, size, position - whole)
            self.draw.bitmap((whole + left, baseline + top), mask, fill=fill)
            self.rows.append((baseline + top, baseline + top + mask.height))
            position += _length(name, size, part)

    def box(self, box: tuple[int, int, int, int], radius: int, fill: str) -> None:
        self.draw.rounded_rectangle(box, radius=radius, fill=fill)
        self.rows.append((box[1], box[3] + 1))

    def inked_rows(self) -> list[tuple[int, int]]:
        """The rows drawn on, as merged [top, bottom) spans within the card."""
        spans: list[tuple[int, int]] = []
        for top, bottom in sorted(self.rows):
            top, bottom = max(0, top), min(HEIGHT, bottom)
            if top >= bottom:
                continue
            if spans and top <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], bottom))
            else:
                spans.append((top, bottom))
        return spans


# The masks of the names, each used once, must not pile up (some 40 KB each); a badge's
# shared lines are found again while its cards are among the last ones made.
@lru_cache(maxsize=128)
def _line_mask(
    text: str, font_file: str, size: int, fraction: float
) -> tuple[Image.Image, int, int]:
    """text in one font, as the mask ImageDraw.text inks through when its pen is `fraction`
    of a pixel right of a whole one: drawn once for all the cards that show it (a badge's
    title, label, issuer and footer), with where its corner falls from the pen (the whole
    pixel, on the baseline). Inking it with ImageDraw.bitmap blends each pixel as
    ImageDraw.text does, so the card's bytes are the same."""
    font = _font(font_file, size)
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    # Margins: the box is measured with the pen at a whole pixel, and antialiasing may
    # reach a pixel past it.
    origin_x = _MASK_MARGIN - math.floor(left)
    origin_y = _MASK_MARGIN - math.floor(top)
    width = origin_x + math.ceil(right) + _MASK_MARGIN + 1
    height = origin_y + math.ceil(bottom) + _MASK_MARGIN
    mask = Image.new("L", (max(1, width), max(1, height)), 0)
    ImageDraw.Draw(mask).text(
        (origin_x + fraction, origin_y), text, font=font, fill=255, anchor="ls"
    )
    return mask, -origin_x, -origin_y


@lru_cache(maxsize=8)
def _canvas(base: bytes) -> SplicedCanvas:
    """A card of base with nothing beside it, to copy for each of the badge's cards, which
    compresses the rows no text is on once for all of them (_bands)."""
    with Image.open(io.BytesIO(base)) as opened:
        panel = opened.copy()
    card = Image.new("P", (WIDTH, HEIGHT))
    card.putpalette(panel.getpalette() or [])
    card.paste(panel, (0, 0))
    return SplicedCanvas(card, PNG_LEVEL, segments=_bands(base))


@lru_cache(maxsize=512)
def _bands(base: bytes) -> dict[int, tuple[bytes, int, int]]:
    """The compressed bands of base's canvas (SplicedCanvas.segments), kept longer than the
    canvas: cards are made in the order of their awards' ids, so a badge's cards are not
    side by side, and a canvas made again must not compress its bands again."""
    return {}


@cache
def _ink_ramps() -> tuple[int, ...]:
    """Every colour text can have on a card, flattened RGB, white first: each ink blended
    with white (the background, and the text on a status pill) in INK_LEVELS steps, for
    antialiased edges."""
    inks = (INK, MUTED, FAINT, *STATUS_COLOURS.values())
    white = ImageColor.getrgb(BACKGROUND)
    ramp: list[tuple[int, ...]] = [white]
    for ink in dict.fromkeys(inks):
        rgb = ImageColor.getrgb(ink)
        for step in range(1, INK_LEVELS):
            mix = tuple(
                round(w + (c - w) * step / (INK_LEVELS - 1))
                for w, c in zip(white, rgb, strict=True)
            )
            if mix not in ramp:
                ramp.append(mix)
    return tuple(value for colour in ramp for value in colour)


@cache
def _ink_palette() -> Image.Image:
    """The inks alone, for mapping the texts: the unused entries repeat white, the first."""
    inks = list(_ink_ramps())
    holder = Image.new("P", (1, 1))
    holder.putpalette(inks + inks[:3] * (256 - len(inks) // 3))
    return holder


def _encode(image: Image.Image) -> bytes:
    output = io.BytesIO()
    image.save(output, format="PNG", compress_level=PNG_LEVEL)
    return output.getvalue()


@dataclass(frozen=True)
class _Fitted:
    size: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _Block:
    fitted: _Fitted
    font: str
    colour: str
    gap_after: int
    pill: bool = False

    @property
    def line_height(self) -> int:
        return round(self.fitted.size * 1.3)

    @property
    def height(self) -> int:
        extra = 16 if self.pill else 0
        return self.line_height * len(self.fitted.lines) + self.gap_after + extra

    def draw(self, pen: _Pen, left: int, top: int) -> None:
        size = self.fitted.size
        for index, line in enumerate(self.fitted.lines):
            baseline = top + index * self.line_height + round(size * 1.0)
            if self.pill:
                width = _width(line, self.font, size)
                box = (left, top, left + width + 32, top + self.line_height + 16)
                pen.box(box, 8, self.colour)
                pen.line(left + 16, baseline + 8, line, self.font, size, "#ffffff")
            else:
                pen.line(left, baseline, line, self.font, size, self.colour)


def _text_blocks(content: CardContent) -> list[_Block]:
    blocks: list[_Block] = []
    if content.status_label and can_draw(content.status_label):
        fitted = _fit(content.status_label.upper(), BOLD, (24,), TEXT_WIDTH - 32, 1)
        colour = STATUS_COLOURS.get(content.status, MUTED)
        blocks.append(_Block(fitted, BOLD, colour, gap_after=20, pill=True))
    if content.title and can_draw(content.title):
        blocks.append(_Block(_fit(content.title, BOLD, TITLE_SIZES, TEXT_WIDTH, 3), BOLD, INK, 18))
    if content.person and can_draw(content.person):
        fitted = _fit(content.person, REGULAR, PERSON_SIZES, TEXT_WIDTH, 2)
        blocks.append(_Block(fitted, REGULAR, INK, 18))
    for detail in content.details:
        if detail and can_draw(detail):
            fitted = _fit(detail, REGULAR, (DETAIL_SIZE,), TEXT_WIDTH, 1)
            blocks.append(_Block(fitted, REGULAR, MUTED, 4))
    return blocks


def _draw_emblem(draw: ImageDraw.ImageDraw) -> None:
    """A neutral disc where a badge image could not be drawn."""
    left = (PANEL_WIDTH - IMAGE_BOX) // 2
    top = (HEIGHT - IMAGE_BOX) // 2
    draw.ellipse((left, top, left + IMAGE_BOX, top + IMAGE_BOX), fill="#c9d3d1")
    inset = IMAGE_BOX // 4
    draw.ellipse(
        (left + inset, top + inset, left + IMAGE_BOX - inset, top + IMAGE_BOX - inset),
        fill=PANEL,
    )


def _badge_picture(picture: bytes, width: int, height: int) -> Image.Image | None:
    if not picture:
        return None
    size = picture_size(width, height)
    with Image.open(io.BytesIO(picture)) as original:
        return original.convert("RGBA").resize(size, Image.Resampling.LANCZOS)


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


@cache
def _coverage() -> dict[str, tuple[list[int], list[int]]]:
    """Per font file, the starts and ends of the code point ranges it has glyphs for."""
    covered: dict[str, tuple[list[int], list[int]]] = {}
    for line in (FONT_DIR / "coverage.txt").read_text(encoding="utf-8").splitlines():
        name, _, spans = line.partition(": ")
        starts, ends = [], []
        for span in spans.split():
            start, _, end = span.partition("-")
            starts.append(int(start, 16))
            ends.append(int(end, 16))
        covered[name] = (starts, ends)
    return covered


def _has_glyph(font_file: str, character: str) -> bool:
    starts, ends = _coverage()[font_file]
    index = bisect.bisect_right(starts, ord(character)) - 1
    return index >= 0 and ord(character) <= ends[index]


@cache
def _font_file(character: str, primary: str) -> str | None:
    for font_file in (primary, CJK):
        if _has_glyph(font_file, character):
            return font_file
    return None


@cache
def _font(font_file: str, size: int) -> ImageFont.FreeTypeFont:
    # The basic layout engine: raqm's presence differs between machines, and output must not.
    return ImageFont.truetype(str(FONT_DIR / font_file), size, layout_engine=ImageFont.Layout.BASIC)


def _runs(text: str, primary: str) -> list[tuple[str, str]]:
    """text split into (font file, substring) runs, each drawn with one font."""
    runs: list[tuple[str, str]] = []
    for character in text:
        font_file = _font_file(character, primary) or primary
        if runs and runs[-1][0] == font_file:
            runs[-1] = (font_file, runs[-1][1] + character)
        else:
            runs.append((font_file, character))
    return runs


@lru_cache(maxsize=16384)
def _width(text: str, primary: str, size: int) -> int:
    return round(sum(_length(name, size, part) for name, part in _runs(text, primary)))


@lru_cache(maxsize=16384)
def _length(font_file: str, size: int, text: str) -> float:
    """How far text advances in one font: measured once (a badge's cards share most texts)."""
    return _font(font_file, size).getlength(text)


def _atoms(text: str) -> list[str]:
    """Unbreakable pieces: words with the space after them, and each wide (CJK) character."""
    atoms: list[str] = []
    current = ""
    for character in text:
        if character == " ":
            atoms.append(current + " ")
            current = ""
        elif unicodedata.east_asian_width(character) in ("W", "F"):
            if current:
                atoms.append(current)
            atoms.append(character)
            current = ""
        else:
            current += character
    if current:
        atoms.append(current)
    return atoms


def _wrap(text: str, primary: str, size: int, max_width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for atom in _atoms(text):
        candidate = line + atom
        if _width(candidate.rstrip(), primary, size) <= max_width:
            line = candidate
            continue
        if line:
            lines.append(line.rstrip())
            line = ""
        # A word wider than the whole line is broken between characters.
        for character in atom:
            if line and _width((line + character).rstrip(), primary, size) > max_width:
                lines.append(line.rstrip())
                line = ""
            line += character
    if line.strip():
        lines.append(line.rstrip())
    return lines


@lru_cache(maxsize=4096)
def _fit(
    text: str, primary: str, sizes: tuple[int, ...], max_width: int, max_lines: int
) -> _Fitted:
    """The largest size at which text fits in max_lines; else the smallest, shortened with …."""
    text = _normalize(text)
    for size in sizes:
        lines = _wrap(text, primary, size, max_width)
        if len(lines) <= max_lines:
            return _Fitted(size, tuple(lines))
    size = sizes[-1]
    lines = _wrap(text, primary, size, max_width)[:max_lines]
    last = lines[-1]
    while last and _width(last + ELLIPSIS, primary, size) > max_width:
        last = last[:-1]
    lines[-1] = last.rstrip(" ,.;:-\u2013\u2014") + ELLIPSIS
    return _Fitted(size, tuple(lines))
