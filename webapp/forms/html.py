"""Between the HTML form and field values: posted names are `f.<field>`, `f.<field>.<stage>` for a diagnostic
stage, `f.<field>.<row>.<column>` for a table cell (rows numbered from 0)."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from document_templates import FieldSpec, Manifest
from document_templates.manifest import STAGES

_CELL = re.compile(r"^f\.(?P<field>[a-z0-9_]+)\.(?P<row>\d{1,4})\.(?P<column>[a-z0-9_]+)$")
YES, NO = "да", "нет"


def values_from_form(manifest: Manifest, form: MultiDict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in manifest.fields:
        key = f"f.{spec.name}"
        if spec.type == "table":
            values[spec.name] = _table(spec, form)
        elif spec.type == "diagnostic":
            values[spec.name] = {stage: form.get(f"{key}.{stage}", "").strip() for stage in STAGES}
        elif spec.type == "multi_choice":
            values[spec.name] = form.getlist(key)
        elif spec.type == "yes_no":
            values[spec.name] = _yes_no(form.get(key, ""))
        else:
            values[spec.name] = form.get(key, "").strip()
    return values


def _yes_no(answer: str) -> bool | None:
    return True if answer == YES else False if answer == NO else None


def _table(spec: FieldSpec, form: MultiDict[str, str]) -> list[dict[str, Any]]:
    kinds = {column.name: column.type for column in spec.columns}
    rows: dict[int, dict[str, Any]] = {}
    for name in form:
        match = _CELL.match(name)
        if match and match["field"] == spec.name:
            text = form.get(name, "").strip()
            value = _yes_no(text) if kinds.get(match["column"]) == "yes_no" else text
            rows.setdefault(int(match["row"]), {})[match["column"]] = value
    ordered = [rows[index] for index in sorted(rows)]
    if spec.rows:
        return ordered  # fixed rows keep their places even when empty
    return [row for row in ordered if any(value not in ("", None) for value in row.values())]


def errors_by_field(details: list[dict[str, str]]) -> dict[str, list[str]]:
    """Field error paths (`members[2].born_on`) keyed by field name, for showing beside each input."""
    grouped: dict[str, list[str]] = {}
    for detail in details:
        name = re.split(r"[\[.]", detail["field"], maxsplit=1)[0]
        where = detail["field"][len(name) :]
        grouped.setdefault(name, []).append(f"{detail['message']}" + (f" ({detail['label']})" if where else ""))
    return grouped
