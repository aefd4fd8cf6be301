"""QR codes made at build time, as inline SVG that pages can hold as they are."""

from __future__ import annotations

import segno
from markupsafe import Markup, escape

# Pixels per module when no stylesheet sizes the code: sharp on screen and on paper.
MODULE_PIXELS = 4
QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks


def qr_svg(text: str, label: str = "") -> Markup:
    """text as a QR code: one `<svg>` element with a viewBox (it scales to any size), a
    <title> and aria-label (label, or the text itself) for assistive technology, black on
    white whatever the page's colours (a scanner needs the contrast).

    The SVG is written here rather than by segno's writer so that it holds only what is
    named here: no XML declaration, no script, no link, no text but the escaped label.
    """
    code = segno.make(text, error="m", micro=False)
    rows = list(code.matrix_iter(scale=1, border=QUIET_ZONE))
    size = len(rows)
    runs = []
    for y, row in enumerate(rows):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h{start - x}z")
    name = escape(label or text)
    pixels = size * MODULE_PIXELS
    return Markup(
        f'<svg class="qr-code" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}"'
        f' width="{pixels}" height="{pixels}" role="img" aria-label="{name}"'
        f' shape-rendering="crispEdges"><title>{name}</title>'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
