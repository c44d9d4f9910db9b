"""Rendering one simple structured document (see layout.py) as DOCX, PDF or plain text.

Output is deterministic for equal input: fixed metadata dates and ZIP timestamps, no random identifiers."""

from __future__ import annotations

import textwrap

from demo.render_docx import to_docx
from webapp.printing.layout import Field, Form, Heading, Paragraph, Table
from webapp.printing.pdf import to_pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
TEXT = "text/plain; charset=utf-8"


def render(form: Form, media_type: str) -> bytes:
    if media_type == DOCX:
        return to_docx(form)
    if media_type == PDF:
        return to_pdf(form)
    if media_type == TEXT:
        return to_text(form)
    raise ValueError(f"unknown media type {media_type!r}")


# --- plain text: 100 columns, tables drawn with +---+ rules ---------------------------------------------

WIDTH = 100


def to_text(form: Form) -> bytes:
    lines: list[str] = [line.rjust(WIDTH) for line in form.stamp]
    if lines:
        lines.append("")
    lines.extend(line.center(WIDTH).rstrip() for line in textwrap.wrap(form.title.upper(), WIDTH))
    lines.append("")
    for block in form.blocks:
        if isinstance(block, Heading):
            lines.append("")
            wrapped = textwrap.wrap(block.text, WIDTH)
            lines.extend(line.center(WIDTH).rstrip() if block.level <= 1 else line for line in wrapped)
        elif isinstance(block, Paragraph):
            for line in textwrap.wrap(block.text, WIDTH) or [""]:
                aligned = {"left": line, "center": line.center(WIDTH), "right": line.rjust(WIDTH)}[block.align]
                lines.append(aligned.rstrip())
        elif isinstance(block, Field):
            lines.extend(textwrap.wrap(f"{block.label}: {block.value}", WIDTH, subsequent_indent="    "))
        elif isinstance(block, Table):
            lines.extend(_text_table(block))
        else:
            lines += ["", block.line()]
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")


def _text_table(block: Table) -> list[str]:
    weights = block.column_weights()
    room = WIDTH - 3 * len(weights) - 1
    widths = [max(4, room * weight // sum(weights)) for weight in weights]
    rule = "+" + "+".join("-" * (width + 2) for width in widths) + "+"
    out = [rule]
    for row_number, values in enumerate(block.all_rows()):
        cells = [_wrap_cell(text, width) for text, width in zip(values, widths, strict=True)]
        for number in range(max(len(cell) for cell in cells)):
            parts = [
                (cell[number] if number < len(cell) else "").ljust(width)
                for cell, width in zip(cells, widths, strict=True)
            ]
            out.append("| " + " | ".join(parts) + " |")
        out.append(rule.replace("-", "=") if row_number == 0 and block.header_row else rule)
    return out


def _wrap_cell(text: str, width: int) -> list[str]:
    return [line for part in text.split("\n") for line in (textwrap.wrap(part, width) or [""])]
