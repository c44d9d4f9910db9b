"""DOCX rendering with python-docx: real Word tables, fixed metadata and fixed ZIP timestamps."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile

import docx
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from webapp.printing.layout import Alignment, Field, Form, Heading, Paragraph, Table, timestamp

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
_TEXT_WIDTH_CM = 17.0


def to_docx(form: Form) -> bytes:
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.5), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    normal.paragraph_format.space_after = Pt(3)
    for line in form.stamp:
        _paragraph(document, line, "right", size=10)
    _paragraph(document, form.title, "center", bold=True, size=14)
    for block in form.blocks:
        if isinstance(block, Heading):
            _paragraph(document, block.text, "center" if block.level <= 1 else "left", bold=True)
        elif isinstance(block, Paragraph):
            _paragraph(document, block.text, block.align, bold=block.bold, size=10 if block.small else None)
        elif isinstance(block, Field):
            paragraph = document.add_paragraph()
            paragraph.add_run(block.label + ": ").bold = True
            paragraph.add_run(block.value)
        elif isinstance(block, Table):
            _table(document, block)
        else:
            _paragraph(document, block.line(), "left")
    properties = document.core_properties
    properties.title = form.title
    properties.author = properties.last_modified_by = form.author
    properties.created = properties.modified = properties.last_printed = timestamp(form.created)
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _normalise_zip(buffer.getvalue(), form.created)


def _paragraph(
    document: DocxDocument, text: str, align: Alignment, *, bold: bool = False, size: int | None = None
) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = _ALIGN[align]
    run = paragraph.add_run(text)
    if bold:
        run.bold = True
    if size is not None:
        run.font.size = Pt(size)


def _table(document: DocxDocument, block: Table) -> None:
    rows = block.all_rows()
    weights = block.column_weights()
    widths = [Cm(_TEXT_WIDTH_CM * weight / sum(weights)) for weight in weights]
    table = document.add_table(rows=len(rows), cols=len(weights))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row_number, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
        bold = row_number == 0 and block.header_row
        for cell, width, text in zip(row.cells, widths, values, strict=True):
            cell.width = width
            run = cell.paragraphs[0].add_run(text)
            run.font.size = Pt(10)
            if bold:
                run.bold = True
    document.add_paragraph()


def _normalise_zip(data: bytes, day: dt.date) -> bytes:
    """Stamp every member of the package with one fixed time, so equal documents give equal bytes.

    The DOS date and time sit at fixed offsets of each local and central-directory header; rewriting them in
    place avoids compressing every part a second time."""
    dos_time = 9 << 11  # 09:00:00
    dos_date = ((max(day.year, 1980) - 1980) << 9) | (day.month << 5) | day.day
    package = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    for member in members:
        if package[member.header_offset : member.header_offset + 4] != b"PK\x03\x04":
            raise ValueError("unexpected ZIP layout")
        struct.pack_into("<HH", package, member.header_offset + 10, dos_time, dos_date)
    end = data.rfind(b"PK\x05\x06")
    (position,) = struct.unpack_from("<I", data, end + 16)
    for _ in members:
        if package[position : position + 4] != b"PK\x01\x02":
            raise ValueError("unexpected ZIP layout")
        struct.pack_into("<HH", package, position + 12, dos_time, dos_date)
        name, extra, comment = struct.unpack_from("<HHH", package, position + 28)
        position += 46 + name + extra + comment
    return bytes(package)
