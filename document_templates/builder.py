"""Building the default docxtpl template of a form from its manifest.

Each built-in form ships `template.docx` made by this builder (`python -m document_templates.builder`); an admin
may replace it with a hand-designed .docx that uses the same placeholders (checked by `check_template`).
Placeholders are plain Jinja: `{{ field }}` for a value, `{{ field.initial }}` for a diagnostic stage, and a
`{%tr for row in field %}` row loop for tables.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from docx.table import Table

from document_templates.docx_kit import (
    add_grid_table,
    add_paragraph,
    fix_core_properties,
    repack_zip,
    set_widths,
    setup_page,
    to_bytes,
)
from document_templates.manifest import STAGE_LABELS, STAGES, FieldSpec, Manifest, SectionSpec, StaticText
from document_templates.registry import TEMPLATES_DIR, load_manifest

SCALAR_TYPES = frozenset(
    {"text", "long_text", "address", "person", "date", "number", "money", "choice", "multi_choice", "yes_no"}
)
TEXT_WIDTH = 17.0  # cm: A4 less the margins
NUMBER_COLUMN_WIDTH = 1.0
FIXED_ROW_LABEL_WIDTH = 5.0


def build_template(manifest: Manifest) -> bytes:
    document = docx.Document()
    setup_page(document)
    for line in manifest.header:
        add_paragraph(document, line, align=WD_ALIGN_PARAGRAPH.RIGHT, size=10)
    add_paragraph(document, manifest.title, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=13, space_before=12)
    if manifest.subtitle:
        subtitle = manifest.subtitle.replace("{", "{{ ").replace("}", " }}")
        add_paragraph(document, subtitle, align=WD_ALIGN_PARAGRAPH.CENTER)
    for section in manifest.sections:
        _section(document, section)
    # Stable bytes for the same manifest, so template versions change only when the form does.
    fix_core_properties(document)
    return repack_zip(to_bytes(document))


def _labelled(document: docx.document.Document, label: str, value: str, *, block: bool) -> None:
    paragraph = document.add_paragraph()
    label_run = paragraph.add_run(label + (":" if not label.endswith((":", "?")) else ""))
    label_run.bold = True
    if block:
        document.add_paragraph(value)
    else:
        paragraph.add_run(" " + value)


def _section(document: docx.document.Document, section: SectionSpec) -> None:
    if section.title:
        add_paragraph(document, section.title, bold=True, space_before=8)
    if section.layout == "diagnostic":
        _diagnostic_table(document, section)
        return
    pending_grid: list[FieldSpec] = []
    for item in section.items:
        if section.layout == "grid" and isinstance(item, FieldSpec) and item.type in SCALAR_TYPES:
            pending_grid.append(item)
            continue
        _grid(document, pending_grid)
        pending_grid = []
        if section.layout == "blocks" and isinstance(item, FieldSpec) and item.type == "table":
            _blocks(document, item)
        else:
            _item(document, item)
    _grid(document, pending_grid)


def _item(document: docx.document.Document, item: FieldSpec | StaticText) -> None:
    if isinstance(item, StaticText):
        styles = {
            "heading": {"bold": True, "align": WD_ALIGN_PARAGRAPH.CENTER, "space_before": 6},
            "note": {"italic": True, "size": 10},
            "right": {"align": WD_ALIGN_PARAGRAPH.RIGHT},
            "paragraph": {"align": WD_ALIGN_PARAGRAPH.JUSTIFY},
        }
        add_paragraph(document, item.text, **styles[item.style])  # type: ignore[arg-type]
    elif item.type == "table":
        add_paragraph(document, item.label, bold=True, space_before=4)
        _data_table(document, item)
    elif item.type == "diagnostic":
        _labelled(document, item.label, " / ".join(f"{{{{ {item.name}.{stage} }}}}" for stage in STAGES), block=False)
    elif item.type == "signature":
        _signature(document, item)
    else:
        _labelled(document, item.label, f"{{{{ {item.name} }}}}", block=item.type == "long_text")


def _signature(document: docx.document.Document, spec: FieldSpec) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(10)
    paragraph.add_run(spec.label).bold = True
    paragraph.add_run(f"  ____________________  {{{{ {spec.name} }}}}")
    add_paragraph(document, "(подпись, Ф.И.О.)", size=9, italic=True)


def _row(table: Table, cells: Iterable[str], *, bold: bool = False) -> None:
    row = table.add_row()  # type: ignore[no-untyped-call]
    for cell, text in zip(row.cells, cells, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = bold


def _grid(document: docx.document.Document, fields: list[FieldSpec]) -> None:
    if not fields:
        return
    table = add_grid_table(document, 2)
    for spec in fields:
        _row(table, (spec.label, f"{{{{ {spec.name} }}}}"))


def _data_table(document: docx.document.Document, spec: FieldSpec) -> None:
    labels = [column.label for column in spec.columns]
    cells = [f"{{{{ row.{column.name} }}}}" for column in spec.columns]
    if spec.rows:
        labels, cells = ["", *labels], ["{{ row._label }}", *cells]
    else:
        labels, cells = ["№", *labels], ["{{ loop.index }}", *cells]
    table = add_grid_table(document, len(labels))
    _row(table, labels, bold=True)
    _loop_rows(table, spec.name, cells)
    first = FIXED_ROW_LABEL_WIDTH if spec.rows else NUMBER_COLUMN_WIDTH
    set_widths(table, [first] + [(TEXT_WIDTH - first) / len(spec.columns)] * len(spec.columns))


def _loop_rows(table: Table, name: str, cells: list[str]) -> None:
    """docxtpl repeats the row between the `{%tr for %}` and `{%tr endfor %}` rows."""
    _row(table, [f"{{%tr for row in {name} %}}"] + [""] * (len(cells) - 1))
    _row(table, cells)
    _row(table, ["{%tr endfor %}"] + [""] * (len(cells) - 1))


def _blocks(document: docx.document.Document, spec: FieldSpec) -> None:
    """Each row a numbered block: its first column, then each other column's label (bold) and value. docxtpl
    repeats the paragraphs between the `{%p for %}` and `{%p endfor %}` paragraphs."""
    first, *others = spec.columns
    add_paragraph(document, f"{{%p for row in {spec.name} %}}")
    heading = document.add_paragraph()
    heading.paragraph_format.space_before = Pt(8)
    heading.add_run(f"{{{{ loop.index }}}}. {{{{ row.{first.name} }}}}").bold = True
    for column in others:
        _labelled(document, column.label, f"{{{{ row.{column.name} }}}}", block=False)
    add_paragraph(document, "{%p endfor %}")


def _diagnostic_table(document: docx.document.Document, section: SectionSpec) -> None:
    table = add_grid_table(document, 4)
    _row(table, [section.column_label or "Показатель", *(STAGE_LABELS[stage] for stage in STAGES)], bold=True)
    for spec in section.fields:
        _row(table, [spec.label, *(f"{{{{ {spec.name}.{stage} }}}}" for stage in STAGES)])


def main(argv: list[str]) -> int:
    """Rebuild template.docx of the named built-in forms (all when none are named)."""
    names = argv or sorted(path.parent.name for path in TEMPLATES_DIR.glob("*/manifest.json"))
    for name in names:
        target = TEMPLATES_DIR / name / "template.docx"
        Path(target).write_bytes(build_template(load_manifest(name)))
        print(f"built {target.relative_to(TEMPLATES_DIR.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
