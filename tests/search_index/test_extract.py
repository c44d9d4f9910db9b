"""Text extraction from the stored formats."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from search_index import extract_text
from search_index.extract import DOCX, PDF

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # fonts-dejavu-core, installed by scripts/test.sh


def test_docx_paragraphs_and_tables() -> None:
    document = docx.Document()
    document.add_paragraph("Акт обследования материально-бытовых условий")
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Иванова Анна", "пособие", "12 500"), strict=True):
        cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    text = extract_text(buffer, DOCX)
    assert "Акт обследования материально-бытовых условий" in text
    assert "Иванова Анна | пособие | 12 500" in text


def test_pdf_with_cyrillic() -> None:
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=12)
    pdf.multi_cell(0, 8, "Социальный паспорт семьи\nЗаключение совета профилактики")
    text = extract_text(io.BytesIO(bytes(pdf.output())), PDF)
    assert "Социальный паспорт семьи" in text
    assert "Заключение совета профилактики" in text


class Unseekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self.inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_plain_text_and_unseekable_streams() -> None:
    text = "Семья Ивановых. " * 100_000
    assert extract_text(Unseekable(text.encode()), "text/plain; charset=utf-8") == text.strip()  # type: ignore[arg-type]


def test_limits_and_unknown_types() -> None:
    assert extract_text(io.BytesIO(b"a" * 5000), "text/plain", max_chars=100) == "a" * 100
    assert extract_text(io.BytesIO(b"\x89PNG..."), "image/png") == ""


def test_corrupt_files_give_empty_text_and_no_content_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    assert extract_text(io.BytesIO(b"PK\x03\x04 " + "Иванов".encode()), DOCX) == ""
    assert extract_text(io.BytesIO(b"%PDF-1.4 " + "Иванов".encode()), PDF) == ""
    assert "Иванов" not in caplog.text
    assert "extraction failed" in caplog.text
