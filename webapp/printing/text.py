"""A plain-text file as a PDF, with fpdf2 and the DejaVu font the other PDFs made here use: lines wrapped to the
page, pages broken, numbered at the foot, Cyrillic kept as text a reader can select and search. LibreOffice took
seconds of CPU for this; fpdf2 takes milliseconds a page."""

from __future__ import annotations

import datetime as dt

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from webapp.printing.pdf import FAMILY, _line_height, _wrap, finish_pdf, printable, start_pdf

SIZE = 10  # points: some 80 characters a line on A4 inside the margins, as a text file is usually written
FOOTER_SIZE = 8
TAB = "    "


class _NumberedPdf(FPDF):
    """Each page's number and the page count at its foot."""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", FOOTER_SIZE)
        self.cell(0, 5, f"Страница {self.page_no()} из {{nb}}", align=Align.C)


def text_pdf(text: str, created: dt.date) -> bytes:
    """The text laid out on A4 pages. Characters the embedded font lacks are shown as «?»."""
    pdf = start_pdf("Текстовый документ", "casefiles", created, pdf_class=_NumberedPdf)
    pdf.set_auto_page_break(auto=True, margin=18)  # the footer's room
    pdf.set_font(FAMILY, "", SIZE)
    height = _line_height(SIZE)
    lines = printable(text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", TAB))
    for line in _wrap(pdf, lines, pdf.epw):
        pdf.cell(pdf.epw, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return finish_pdf(pdf)
