"""The small DOCX toolkit every document this project writes is made with (python-docx, no Flask).

Portrait A4 with the margins and font of Russian office paper, paragraphs and bordered tables, and the fixed
metadata and ZIP timestamps that make the same document always give the same bytes. Used by the form builder
(`document_templates.builder`), the archive paperwork (`webapp.archive.paperwork`) and the demo's documents.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from collections.abc import Sequence

import docx
import docx.document
import docx.table
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

Document = docx.document.Document
FONT = "Times New Roman"
PAGE_WIDTH, PAGE_HEIGHT = 21.0, 29.7  # cm: A4 portrait
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP can say
FIXED_TIME = dt.datetime(2026, 1, 1)  # creation and change time of documents that carry no date of their own


def setup_page(
    document: Document,
    *,
    left: float = 2.5,
    right: float = 1.5,
    vertical: float = 2.0,
    font_size: float = 12,
    space_after: float = 2,
) -> None:
    """A4 portrait with margins in cm, and a Normal style of Times New Roman."""
    section = document.sections[0]
    section.page_height, section.page_width = Cm(PAGE_HEIGHT), Cm(PAGE_WIDTH)
    section.left_margin, section.right_margin = Cm(left), Cm(right)
    section.top_margin = section.bottom_margin = Cm(vertical)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(font_size)
    style.paragraph_format.space_after = Pt(space_after)


def add_paragraph(
    container: Document | docx.table._Cell,
    text: str,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    space_before: float = 0,
    space_after: float | None = None,
    first_line_indent: float | None = None,
    left_indent: float | None = None,
    keep_with_next: bool = False,
    color: tuple[int, int, int] | None = None,
) -> Paragraph:
    """A paragraph of one run; sizes in pt, indents in cm."""
    paragraph = container.add_paragraph()
    add_run(paragraph, text, align=align, bold=bold, italic=italic, size=size, color=color)
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(space_before)
    if space_after is not None:
        fmt.space_after = Pt(space_after)
    if first_line_indent is not None:
        fmt.first_line_indent = Cm(first_line_indent)
    if left_indent is not None:
        fmt.left_indent = Cm(left_indent)
    if keep_with_next:
        fmt.keep_with_next = True
    return paragraph


def add_run(
    paragraph: Paragraph,
    text: str,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    color: tuple[int, int, int] | None = None,
) -> None:
    """Text added to a paragraph (a table cell's first one, say), aligning the paragraph when asked."""
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    if color:
        run.font.color.rgb = RGBColor(*color)


def add_grid_table(document: Document, columns: int, rows: int = 0) -> Table:
    """A bordered table («Table Grid») centred on the page."""
    table: Table = document.add_table(rows=rows, cols=columns)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    return table


def set_widths(table: Table, widths_cm: Sequence[float], *, fixed: bool = True) -> None:
    """Word and LibreOffice read cell widths, not column widths: set both (`fixed`: no autofit)."""
    if fixed:
        table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def fix_core_properties(document: Document, when: dt.datetime = FIXED_TIME, *, author: str = "casefiles") -> None:
    """Author, creation and change times fixed: metadata never makes equal documents differ."""
    properties = document.core_properties
    properties.author = properties.last_modified_by = author
    properties.created = properties.modified = when
    properties.revision = 1


def to_bytes(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def repack_zip(data: bytes) -> bytes:
    """The package re-packed with every member dated 1980-01-01 00:00, so equal documents give equal bytes.

    The built-in forms' committed template.docx files are these bytes: a change here makes new template versions."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def stamp_zip(data: bytes, day: dt.date) -> bytes:
    """Every member of the package dated `day` at 09:00, so equal documents give equal bytes.

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
