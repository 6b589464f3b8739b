"""QR codes for tickets, as inline SVG (segno: no image library, no network)."""

from __future__ import annotations

import segno


def qr_svg(data: str, *, scale: int = 5) -> str:
    code = segno.make(data, error="m")
    svg: str = code.svg_inline(scale=scale, dark="#000", light="#fff", border=2)
    return svg
