"""OCR of scans: images and PDFs without a text layer; PDFs with text are left to the text extractor."""

from __future__ import annotations

import io

from search_index.extract import PDF
from search_index.ocr import needs_ocr, ocr_text
from tests.search_index.scans import scan_pdf, scan_png
from webapp.jobs.programs import run_program

LINES = ["Акт обследования семьи Ивановых", "проживающих по ул. Ленина, д. 5"]


def test_an_image_is_recognised_in_russian() -> None:
    text = ocr_text(io.BytesIO(scan_png(LINES)), "image/png", run=run_program)
    assert "обследования" in text and "Ивановых" in text and "Ленина" in text


def test_a_pdf_without_a_text_layer_is_recognised() -> None:
    scan = io.BytesIO(scan_pdf(LINES))
    assert needs_ocr(scan, PDF)
    assert "Ивановых" in ocr_text(scan, PDF, run=run_program)


def test_a_pdf_with_text_and_other_files_need_no_ocr() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for _ in range(5):
        pdf.cell(text="An act of inspection with a proper text layer on this page.", new_x="LMARGIN", new_y="NEXT")
    assert not needs_ocr(io.BytesIO(bytes(pdf.output())), PDF)
    assert not needs_ocr(io.BytesIO(b"plain"), "text/plain; charset=utf-8")
    assert needs_ocr(io.BytesIO(b""), "image/jpeg")
