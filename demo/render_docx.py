"""DOCX rendering with python-docx: real Word tables, fixed metadata and fixed ZIP timestamps."""

from __future__ import annotations

import docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH

from document_templates.docx_kit import (
    add_grid_table,
    add_paragraph,
    add_run,
    fix_core_properties,
    set_widths,
    setup_page,
    stamp_zip,
    to_bytes,
)
from webapp.printing.layout import Field, Form, Heading, Paragraph, Table, timestamp

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
_TEXT_WIDTH_CM = 17.0


def to_docx(form: Form) -> bytes:
    document = docx.Document()
    setup_page(document, space_after=3)
    for line in form.stamp:
        add_paragraph(document, line, align=_ALIGN["right"], size=10)
    add_paragraph(document, form.title, align=_ALIGN["center"], bold=True, size=14)
    for block in form.blocks:
        if isinstance(block, Heading):
            add_paragraph(document, block.text, align=_ALIGN["center" if block.level <= 1 else "left"], bold=True)
        elif isinstance(block, Paragraph):
            add_paragraph(
                document, block.text, align=_ALIGN[block.align], bold=block.bold, size=10 if block.small else None
            )
        elif isinstance(block, Field):
            paragraph = document.add_paragraph()
            paragraph.add_run(block.label + ": ").bold = True
            paragraph.add_run(block.value)
        elif isinstance(block, Table):
            _table(document, block)
        else:
            add_paragraph(document, block.line(), align=_ALIGN["left"])
    fix_core_properties(document, timestamp(form.created), author=form.author)
    document.core_properties.title = form.title
    document.core_properties.last_printed = timestamp(form.created)
    return stamp_zip(to_bytes(document), form.created)


def _table(document: DocxDocument, block: Table) -> None:
    rows = block.all_rows()
    weights = block.column_weights()
    table = add_grid_table(document, len(weights), rows=len(rows))
    set_widths(table, [_TEXT_WIDTH_CM * weight / sum(weights) for weight in weights], fixed=False)
    for row_number, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
        bold = row_number == 0 and block.header_row
        for cell, text in zip(row.cells, values, strict=True):
            add_run(cell.paragraphs[0], text, bold=bold, size=10)
    document.add_paragraph()
