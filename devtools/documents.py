"""Documents the benchmarks make: a scanned PDF that compresses as badly as a real scan."""

from __future__ import annotations

import io
import os


def scanned_pdf(pages: int, page_mb: float) -> bytes:
    """A scanned PDF: per page an A4 colour JPEG at 300 dpi of upsampled random noise, a distinct one each."""
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    quality = max(5, min(95, round(45 * page_mb / 2.2)))  # ~2.2 MB a page at 45
    for _ in range(pages):
        noise = Image.frombytes("RGB", (1240, 1754), os.urandom(1240 * 1754 * 3))
        page = noise.resize((2480, 3508), Image.Resampling.BILINEAR)
        jpeg = io.BytesIO()
        page.save(jpeg, "JPEG", quality=quality)
        jpeg.seek(0)
        pdf.add_page()
        pdf.image(jpeg, x=0, y=0, w=210, h=297)
    return bytes(pdf.output())
