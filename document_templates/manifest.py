"""The field manifest of a form template: the one source of truth for validation, the HTML form and the DOCX.

A manifest (``document_templates/<id>/manifest.json``) lists sections; a section holds, in order, static text
blocks (the form's printed wording) and fields. Field types:

- ``text``, ``long_text``, ``address``, ``person`` (a full name): strings;
- ``date`` (ISO ``YYYY-MM-DD``), ``number`` (integer or decimal), ``money`` (roubles, two decimals);
- ``choice`` (one of ``options``), ``multi_choice`` (a list of ``options``), ``yes_no`` (true/false);
- ``table``: a list of rows, each an object of typed ``columns``; ``rows`` may name fixed row labels
  (then the table has exactly those rows, in order) and ``min_rows``/``max_rows`` bound free tables;
- ``diagnostic``: one indicator with three stage values ``initial``/``intermediate``/``final``
  (начальная / промежуточная / заключительная диагностика), each text or one of ``options``;
- ``signature``: a signature block for ``role`` (составил, утверждаю, представитель семьи, ...); its value is
  the signer's printed name (the electronic signature itself is applied to the stored version).

A section's ``layout`` decides its printed shape: ``paragraphs`` (label then value), ``grid`` (a two-column
table of label and value), ``diagnostic`` (a table: indicator, then the three stages; every field of the
section must be of type ``diagnostic``; ``column_label`` heads the first column) or ``blocks`` (as paragraphs,
but each row of a table prints as a numbered block of paragraphs: its first column, then each other column's
label and value, as a protocol's «СЛУШАЛИ / ВЫСТУПИЛИ / РЕШИЛИ» per question).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

import pydantic

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
STAGES = ("initial", "intermediate", "final")
STAGE_LABELS = {
    "initial": "Начальная диагностика",
    "intermediate": "Промежуточная диагностика",
    "final": "Заключительная диагностика",
}

ColumnType = Literal["text", "long_text", "address", "person", "date", "number", "money", "choice", "yes_no"]
FieldType = Literal[
    "text",
    "long_text",
    "address",
    "person",
    "date",
    "number",
    "money",
    "choice",
    "multi_choice",
    "yes_no",
    "table",
    "diagnostic",
    "signature",
]
Name = Annotated[str, pydantic.Field(pattern=NAME_PATTERN)]
Label = Annotated[str, pydantic.Field(min_length=1, max_length=1000)]


class _Strict(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Strict):
    name: Name
    label: Label
    type: ColumnType = "text"
    required: bool = False
    options: tuple[str, ...] = ()


class FieldSpec(_Strict):
    name: Name
    label: Label
    type: FieldType
    required: bool = False
    help: str = ""
    options: tuple[str, ...] = ()
    columns: tuple[ColumnSpec, ...] = ()
    rows: tuple[str, ...] = ()  # fixed row labels of a table
    min_rows: int = pydantic.Field(default=0, ge=0)
    max_rows: int = pydantic.Field(default=100, ge=1, le=1000)
    role: str = ""  # signature role

    @pydantic.model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if self.type in ("choice", "multi_choice") and not self.options:
            raise ValueError(f"{self.name}: a {self.type} field needs options")
        if self.type == "table" and not self.columns:
            raise ValueError(f"{self.name}: a table needs columns")
        if self.type != "table" and (self.columns or self.rows):
            raise ValueError(f"{self.name}: only tables have columns and rows")
        if self.type == "signature" and not self.role:
            raise ValueError(f"{self.name}: a signature block needs a role")
        for column in self.columns:
            if column.type == "choice" and not column.options:
                raise ValueError(f"{self.name}.{column.name}: a choice column needs options")
        return self


class StaticText(_Strict):
    """Printed wording of the form: a heading, a paragraph (clauses of an agreement), or a small note."""

    text: Label
    style: Literal["heading", "paragraph", "note", "right"] = "paragraph"


Item = FieldSpec | StaticText


class SectionSpec(_Strict):
    title: str = ""
    layout: Literal["paragraphs", "grid", "diagnostic", "blocks"] = "paragraphs"
    column_label: str = ""
    items: tuple[Item, ...]

    @pydantic.model_validator(mode="after")
    def _diagnostic_sections_hold_diagnostics(self) -> SectionSpec:
        not_diagnostic = any(not isinstance(item, FieldSpec) or item.type != "diagnostic" for item in self.items)
        if self.layout == "diagnostic" and not_diagnostic:
            raise ValueError(f"section {self.title!r}: a diagnostic layout holds only diagnostic fields")
        return self

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        return tuple(item for item in self.items if isinstance(item, FieldSpec))


class Manifest(_Strict):
    id: Name
    title: Label
    document_type: str
    description: str = ""
    header: tuple[str, ...] = ()  # the "Приложение N к ..." lines printed top right
    subtitle: str = ""  # printed under the title, may hold placeholders of fields, e.g. "№ {number} от {date}"
    title_field: str = ""  # field whose value names a new document, e.g. the family representative
    sections: tuple[SectionSpec, ...]

    @pydantic.model_validator(mode="after")
    def _unique_names(self) -> Manifest:
        names = [spec.name for spec in self.fields]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate field names: {', '.join(duplicates)}")
        for name in re.findall(r"\{(\w+)\}", self.subtitle) + ([self.title_field] if self.title_field else []):
            if name not in names:
                raise ValueError(f"subtitle or title_field names an unknown field: {name}")
        return self

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        return tuple(spec for section in self.sections for spec in section.fields)

    def field(self, name: str) -> FieldSpec | None:
        return next((spec for spec in self.fields if spec.name == name), None)
