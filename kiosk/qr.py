"""QR codes for tickets, as inline SVG (segno: no image library, no network)."""

from __future__ import annotations

import segno


def qr_svg(data: str, *, scale: int = 5) -> str:
    code = segno.make(data, error="m")
    # A viewBox, not a fixed size: the screen shows it at 220 px, the 80 mm slip at 40 mm,
    # and a fixed-size SVG would be cropped rather than scaled.
    svg: str = code.svg_inline(scale=scale, dark="#000", light="#fff", border=2, omitsize=True)
    return svg
