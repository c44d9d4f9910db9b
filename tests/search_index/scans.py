"""Scans for OCR tests: Russian text drawn as pixels, as PNG or inside a PDF with no text layer."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from webapp.printing.pdf import find_font


def scan_png(lines: list[str]) -> bytes:
    font = ImageFont.truetype(str(find_font()), 36)
    image = Image.new("L", (1700, 120 + 60 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((80, 60 + 60 * number), line, font=font, fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


def scan_pdf(lines: list[str]) -> bytes:
    """A PDF whose only content is a picture of the text (as a scanner makes it)."""
    image = Image.open(io.BytesIO(scan_png(lines)))
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PDF", resolution=200)
    return out.getvalue()
