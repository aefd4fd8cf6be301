"""Draw the raster images of the example site into content/images/.

Run from anywhere:  python scripts/draw_example_images.py

The output is deterministic: no randomness, no timestamps, no metadata. It uses only
Pillow and the font bundled inside Pillow (``ImageFont.load_default(size=...)``, Pillow
10.1 or newer), so the same Pillow version always writes the same bytes. The SVG images of
the example site are written by hand and are not touched by this script.

Badges are 512x512 RGBA PNGs with a transparent background, the issuer logo is 512x512,
and the earner avatars are 256x256 (two PNGs and one JPEG, so both avatar formats appear
in the demo).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "content" / "images"

# Badges are drawn at 4x and scaled down, which gives smooth edges without antialiasing
# support in ImageDraw.
SCALE = 4
BADGE = 512
AVATAR = 256

Point = tuple[float, float]
RGB = tuple[int, int, int]


def font(size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)  # type: ignore[return-value]
    except TypeError as exc:  # Pillow < 10.1 has no scalable default font
        raise SystemExit("draw_example_images.py needs Pillow 10.1 or newer") from exc


def polygon(cx: float, cy: float, r: float, sides: int, rotation: float = -90.0) -> list[Point]:
    """Corners of a regular polygon; the first corner points up by default."""
    return [
        (
            cx + r * math.cos(math.radians(rotation + 360.0 * i / sides)),
            cy + r * math.sin(math.radians(rotation + 360.0 * i / sides)),
        )
        for i in range(sides)
    ]


def shield(cx: float, top: float, width: float, height: float) -> list[Point]:
    """A heater shield: straight top, straight sides, curved point at the bottom."""
    half = width / 2
    shoulder = top + height * 0.45
    points: list[Point] = [(cx - half, top), (cx + half, top), (cx + half, shoulder)]
    steps = 24
    for i in range(1, steps):
        t = i / steps
        # quadratic curves from each shoulder down to the point
        x = (1 - t) ** 2 * (cx + half) + 2 * (1 - t) * t * (cx + half) + t**2 * cx
        y = (
            (1 - t) ** 2 * shoulder
            + 2 * (1 - t) * t * (top + height * 0.85)
            + t**2 * (top + height)
        )
        points.append((x, y))
    points.append((cx, top + height))
    for x, y in reversed(points[3:-1]):
        points.append((2 * cx - x, y))
    points.append((cx - half, shoulder))
    return points


def inset(points: Sequence[Point], cx: float, cy: float, factor: float) -> list[Point]:
    return [(cx + (x - cx) * factor, cy + (y - cy) * factor) for x, y in points]


def centered_text(
    draw: ImageDraw.ImageDraw, xy: Point, text: str, size: int, fill: RGB | tuple[int, ...]
) -> None:
    draw.text(xy, text, font=font(size), fill=fill, anchor="mm")


def ribbon(draw: ImageDraw.ImageDraw, y: float, text: str, colour: RGB, ink: RGB) -> None:
    """A banner across the lower part of a badge with a short label."""
    s = SCALE
    left, right, h = 70 * s, 442 * s, 64 * s
    notch = 22 * s
    # tails behind the banner
    darker = tuple(max(0, c - 60) for c in colour)
    for sign in (-1, 1):
        x0 = left - 30 * s if sign < 0 else right + 30 * s
        x1 = left + 10 * s if sign < 0 else right - 10 * s
        draw.polygon(
            [
                (x0, y + 14 * s),
                (x1, y + 14 * s),
                (x1, y + h + 14 * s),
                (x0, y + h + 14 * s),
                (x0 - sign * notch, y + 14 * s + h / 2),
            ],
            fill=darker,
        )
    draw.rectangle([left, y, right, y + h], fill=colour)
    centered_text(draw, ((left + right) / 2, y + h / 2), text, 34 * s, ink)


def finish(img: Image.Image, name: str) -> None:
    small = img.resize((img.width // SCALE, img.height // SCALE), Image.Resampling.LANCZOS)
    small.save(OUT / name, format="PNG", optimize=False)
    print(f"wrote content/images/{name} {small.size[0]}x{small.size[1]}")


def canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGBA", (BADGE * SCALE, BADGE * SCALE), (0, 0, 0, 0))
    return img, ImageDraw.Draw(img)


# --- badges -------------------------------------------------------------------------------


def container_fundamentals_exam() -> None:
    """Hexagon in teal and navy; glyph: a stack of shipping containers; code NCA-110."""
    s = SCALE
    img, d = canvas()
    c = BADGE * s / 2
    outer = polygon(c, c, 246 * s, 6)
    d.polygon(outer, fill=(14, 46, 82))
    d.polygon(inset(outer, c, c, 0.9), fill=(18, 128, 138))
    d.polygon(inset(outer, c, c, 0.84), fill=(226, 246, 244))
    # containers: two on the bottom row, one on top
    colours = [(18, 128, 138), (240, 146, 48), (14, 46, 82)]
    boxes = [(150, 230, 250, 300), (262, 230, 362, 300), (206, 152, 306, 222)]
    for (x0, y0, x1, y1), col in zip(boxes, colours, strict=True):
        d.rounded_rectangle([x0 * s, y0 * s, x1 * s, y1 * s], radius=6 * s, fill=col)
        for k in range(1, 5):  # corrugation
            x = (x0 + (x1 - x0) * k / 5) * s
            d.line([(x, (y0 + 10) * s), (x, (y1 - 10) * s)], fill=(255, 255, 255), width=3 * s)
    centered_text(d, (c, 112 * s), "NCA-110", 30 * s, (14, 46, 82))
    ribbon(d, 330 * s, "EXAM", (14, 46, 82), (255, 255, 255))
    finish(img, "container-fundamentals-exam.png")


def infrastructure_as_code_exam() -> None:
    """Octagon in violet; glyph: curly braces around a small server stack; NCA-120."""
    s = SCALE
    img, d = canvas()
    c = BADGE * s / 2
    outer = polygon(c, c, 248 * s, 8, rotation=-90 + 22.5)
    d.polygon(outer, fill=(58, 28, 102))
    d.polygon(inset(outer, c, c, 0.9), fill=(132, 84, 204))
    d.polygon(inset(outer, c, c, 0.84), fill=(244, 238, 252))
    centered_text(d, (150 * s, 222 * s), "{", 150 * s, (58, 28, 102))
    centered_text(d, (362 * s, 222 * s), "}", 150 * s, (58, 28, 102))
    for i in range(3):  # three server units
        y0 = (160 + i * 44) * s
        d.rounded_rectangle([200 * s, y0, 312 * s, y0 + 34 * s], radius=6 * s, fill=(132, 84, 204))
        d.ellipse([216 * s, y0 + 11 * s, 228 * s, y0 + 23 * s], fill=(120, 232, 170))
        d.line([(246 * s, y0 + 17 * s), (296 * s, y0 + 17 * s)], fill=(244, 238, 252), width=4 * s)
    centered_text(d, (c, 112 * s), "NCA-120", 30 * s, (58, 28, 102))
    ribbon(d, 330 * s, "EXAM", (58, 28, 102), (255, 255, 255))
    finish(img, "infrastructure-as-code-exam.png")


def kubernetes_operations_exam() -> None:
    """Heptagon in deep blue; glyph: a seven-spoked helm wheel; NCA-210."""
    s = SCALE
    img, d = canvas()
    c = BADGE * s / 2
    outer = polygon(c, c, 250 * s, 7)
    d.polygon(outer, fill=(20, 40, 120))
    d.polygon(inset(outer, c, c, 0.9), fill=(52, 104, 222))
    d.polygon(inset(outer, c, c, 0.83), fill=(236, 242, 255))
    hub = (c, 224 * s)
    for x, y in polygon(hub[0], hub[1], 92 * s, 7):
        d.line([hub, (x, y)], fill=(20, 40, 120), width=12 * s)
        d.ellipse([x - 14 * s, y - 14 * s, x + 14 * s, y + 14 * s], fill=(20, 40, 120))
    r = 66 * s
    d.ellipse([hub[0] - r, hub[1] - r, hub[0] + r, hub[1] + r], outline=(20, 40, 120), width=14 * s)
    d.ellipse(
        [hub[0] - 22 * s, hub[1] - 22 * s, hub[0] + 22 * s, hub[1] + 22 * s], fill=(52, 104, 222)
    )
    centered_text(d, (c, 100 * s), "NCA-210", 28 * s, (20, 40, 120))
    ribbon(d, 336 * s, "EXAM", (20, 40, 120), (255, 255, 255))
    finish(img, "kubernetes-operations-exam.png")


def research_software_mentor() -> None:
    """Circle in amber and ink green; glyph: two figures, a larger one beside a smaller one."""
    s = SCALE
    img, d = canvas()
    c = BADGE * s / 2
    d.ellipse([6 * s, 6 * s, 506 * s, 506 * s], fill=(30, 72, 58))
    d.ellipse([28 * s, 28 * s, 484 * s, 484 * s], fill=(242, 178, 52))
    d.ellipse([48 * s, 48 * s, 464 * s, 464 * s], fill=(255, 248, 230))
    ink = (30, 72, 58)
    # mentor (left, taller) and mentee (right)
    d.ellipse([168 * s, 112 * s, 228 * s, 172 * s], fill=ink)
    d.pieslice([138 * s, 182 * s, 258 * s, 330 * s], 180, 360, fill=ink)
    d.ellipse([292 * s, 146 * s, 342 * s, 196 * s], fill=(196, 120, 20))
    d.pieslice([266 * s, 206 * s, 368 * s, 330 * s], 180, 360, fill=(196, 120, 20))
    # an arc from mentor to mentee
    d.arc([200 * s, 84 * s, 320 * s, 190 * s], 200, 340, fill=ink, width=6 * s)
    centered_text(d, (c, 300 * s), "VSU", 26 * s, ink)
    ribbon(d, 340 * s, "MENTOR", (30, 72, 58), (255, 248, 230))
    finish(img, "research-software-mentor.png")


def incident_response_gameday() -> None:
    """Shield in signal red and charcoal; glyph: a lightning bolt over a pulse line."""
    s = SCALE
    img, d = canvas()
    c = BADGE * s / 2
    d.polygon(shield(c, 14 * s, 430 * s, 488 * s), fill=(40, 40, 46))
    d.polygon(shield(c, 34 * s, 390 * s, 448 * s), fill=(214, 52, 44))
    d.polygon(shield(c, 52 * s, 354 * s, 412 * s), fill=(255, 242, 236))
    bolt = [(276, 86), (196, 230), (252, 230), (222, 330), (316, 170), (258, 170), (296, 86)]
    d.polygon([(x * s, y * s) for x, y in bolt], fill=(214, 52, 44))
    pulse = [(110, 262), (170, 262), (190, 228), (214, 296), (236, 262), (402, 262)]
    d.line([(x * s, y * s) for x, y in pulse], fill=(40, 40, 46), width=8 * s, joint="curve")
    ribbon(d, 344 * s, "GAMEDAY", (40, 40, 46), (255, 242, 236))
    finish(img, "incident-response-gameday.png")


# --- issuer logo --------------------------------------------------------------------------


def vale_sereno_informatics() -> None:
    """Vale Sereno University, Department of Informatics: green tile, valley and a V."""
    s = SCALE
    size = BADGE * s
    scene = Image.new("RGBA", (size, size), (22, 84, 64, 255))
    d = ImageDraw.Draw(scene)
    # three hills of the valley, the middle one in front
    d.ellipse([-120 * s, 300 * s, 300 * s, 640 * s], fill=(48, 132, 96))
    d.ellipse([212 * s, 290 * s, 632 * s, 650 * s], fill=(48, 132, 96))
    d.ellipse([60 * s, 350 * s, 452 * s, 680 * s], fill=(116, 190, 140))
    centered_text(d, (256 * s, 196 * s), "V", 240 * s, (255, 250, 236))
    centered_text(d, (256 * s, 452 * s), "INFORMATICS", 40 * s, (22, 84, 64))
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        [8 * s, 8 * s, 504 * s, 504 * s], radius=72 * s, fill=255
    )
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    img.paste(scene, (0, 0), mask)
    finish(img, "vale-sereno-informatics.png")


# --- avatars ------------------------------------------------------------------------------


def avatar(
    name: str,
    initials: str,
    background: RGB,
    accent: RGB,
    pattern: Callable[[ImageDraw.ImageDraw, int, RGB], None],
    fmt: str,
) -> None:
    size = AVATAR * SCALE
    img = Image.new("RGB", (size, size), background)
    d = ImageDraw.Draw(img)
    pattern(d, size, accent)
    r = 78 * SCALE
    c = size / 2
    d.ellipse([c - r, c - r, c + r, c + r], fill=(255, 255, 255))
    centered_text(d, (c, c + 4 * SCALE), initials, 64 * SCALE, background)
    small = img.resize((AVATAR, AVATAR), Image.Resampling.LANCZOS)
    if fmt == "JPEG":
        small.save(OUT / name, format="JPEG", quality=90, optimize=False, progressive=False)
    else:
        small.save(OUT / name, format="PNG", optimize=False)
    print(f"wrote content/images/{name} {AVATAR}x{AVATAR}")


def diagonal_stripes(d: ImageDraw.ImageDraw, size: int, colour: RGB) -> None:
    step = size // 8
    for k in range(-8, 16):
        x = k * step
        d.polygon(
            [(x, 0), (x + step // 2, 0), (x + step // 2 - size, size), (x - size, size)],
            fill=colour,
        )


def concentric_rings(d: ImageDraw.ImageDraw, size: int, colour: RGB) -> None:
    c = size / 2
    for k in range(9, 0, -2):
        r = size * k / 12
        d.ellipse([c - r, c - r, c + r, c + r], outline=colour, width=size // 40)


def dot_grid(d: ImageDraw.ImageDraw, size: int, colour: RGB) -> None:
    step = size // 8
    for i in range(9):
        for j in range(9):
            r = step * (0.12 + 0.05 * ((i + j) % 3))
            x, y = i * step, j * step
            d.ellipse([x - r, y - r, x + r, y + r], fill=colour)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    container_fundamentals_exam()
    infrastructure_as_code_exam()
    kubernetes_operations_exam()
    research_software_mentor()
    incident_response_gameday()
    vale_sereno_informatics()
    avatar("ines-goncalves.png", "IG", (168, 54, 92), (196, 92, 126), diagonal_stripes, "PNG")
    avatar("dimitra-papadaki.png", "DP", (24, 92, 150), (62, 132, 190), concentric_rings, "PNG")
    avatar("chen-xiaotong.jpg", "CX", (38, 110, 84), (82, 152, 120), dot_grid, "JPEG")


if __name__ == "__main__":
    main()
