"""Text extraction from the stored formats."""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from search_index import extract_text, extractable
from search_index.extract import DOCX, PDF

# fonts-dejavu-core, installed by scripts/test.sh
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ROWS = [("Иванова Анна", "пособие", "12 500"), ("Иванов Пётр", "", "нет")]


def docx_bytes() -> io.BytesIO:
    document = docx.Document()
    document.add_paragraph("Акт обследования материально-бытовых условий")
    document.add_paragraph("   ")
    document.add_paragraph("Семья проживает в квартире")
    table = document.add_table(rows=2, cols=3)
    for row, texts in zip(table.rows, ROWS, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    return buffer


def pdf_bytes(*pages: str) -> io.BytesIO:
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=12)
    for page in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, page)
    return io.BytesIO(bytes(pdf.output()))


def test_docx_paragraphs_and_table_cells() -> None:
    assert extract_text(docx_bytes(), DOCX) == (
        "Акт обследования материально-бытовых условий\n"
        "Семья проживает в квартире\n"
        "Иванова Анна | пособие | 12 500\n"
        "Иванов Пётр | нет"
    )


def test_docx_stops_at_max_chars() -> None:
    assert extract_text(docx_bytes(), DOCX, max_chars=20) == "Акт обследования мат"


def test_pdf_with_cyrillic_page_by_page() -> None:
    text = extract_text(pdf_bytes("Социальный паспорт семьи", "Заключение совета профилактики"), PDF)
    assert text.split() == ["Социальный", "паспорт", "семьи", "Заключение", "совета", "профилактики"]


def test_pdf_stops_at_max_chars() -> None:
    pdf = pdf_bytes("Социальный паспорт семьи", "Заключение")
    assert extract_text(pdf, PDF, max_chars=10) == "Социальный"


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


def test_plain_text_is_read_only_as_far_as_the_limit() -> None:
    stream = Unseekable(b"a" * 50_000_000)
    assert extract_text(stream, "text/plain", max_chars=1000) == "a" * 1000  # type: ignore[arg-type]
    assert stream.inner.tell() <= 2 * 1024 * 1024  # neither spooled nor read to the end


def test_plain_text_is_utf8_with_bad_bytes_replaced() -> None:
    data = "Семья".encode() + b" \xff\xfe " + "Ивановых".encode()[:-1]
    text = extract_text(io.BytesIO(data), "Text/Plain; charset=windows-1251")
    assert text == "Семья \ufffd\ufffd Ивановы\ufffd"


def test_limits_and_unknown_types() -> None:
    assert extract_text(io.BytesIO(b"a" * 5000), "text/plain", max_chars=100) == "a" * 100
    assert extract_text(io.BytesIO(b"\x89PNG..."), "image/png") == ""
    assert extract_text(io.BytesIO("Семья".encode()), "text/html") == ""
    assert extract_text(io.BytesIO(b""), "text/plain") == ""
    assert [extractable(kind) for kind in (DOCX, PDF, "text/plain; charset=utf-8", "image/png", "text/html")] == [
        True,
        True,
        True,
        False,
        False,
    ]


def zip_without_document() -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "Иванов")
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    ("stream", "media_type", "error"),
    [
        (io.BytesIO(b"PK\x03\x04 " + "Иванов".encode()), DOCX, "BadZipFile"),
        (zip_without_document(), DOCX, "KeyError"),
        (io.BytesIO(b"%PDF-1.4 " + "Иванов".encode()), PDF, "PdfStreamError"),
        (io.BytesIO(b""), PDF, "EmptyFileError"),
    ],
)
def test_corrupt_files_give_empty_text_and_no_content_in_the_log(
    caplog: pytest.LogCaptureFixture, stream: io.BytesIO, media_type: str, error: str
) -> None:
    with caplog.at_level(logging.WARNING):
        assert extract_text(stream, media_type) == ""
    assert "Иванов" not in caplog.text
    [record] = [r for r in caplog.records if r.name == "search_index.extract"]
    assert (record.levelno, record.getMessage()) == (
        logging.WARNING,
        f"text extraction failed for a {media_type} file: {error}",
    )
