"""Rendering a filled form to DOCX (pure bytes in, bytes out), checking uploaded templates, form text, diffs."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from docxtpl import DocxTemplate, Listing
from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from document_templates.manifest import STAGE_LABELS, STAGES, FieldSpec, Manifest
from document_templates.values import FormValues, display_scalar, display_value

# Values reach the template only as escaped Listing objects, so a value like "{{7*7}}" or "<w:t>" prints as is.
_ENVIRONMENT = SandboxedEnvironment(autoescape=True)


class TemplateMismatch(ValueError):
    def __init__(self, message: str, *, missing: list[str] | None = None, unknown: list[str] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []
        self.unknown = unknown or []


def render_docx(manifest: Manifest, template: bytes, values: FormValues) -> bytes:
    document = DocxTemplate(io.BytesIO(template))
    document.render(_context(manifest, values), jinja_env=_ENVIRONMENT, autoescape=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _context(manifest: Manifest, values: FormValues) -> dict[str, Any]:
    return {spec.name: _escaped(display_value(spec, values.get(spec.name))) for spec in manifest.fields}


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return Listing(value)
    if isinstance(value, dict):
        return {key: _escaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    return value


def check_template(manifest: Manifest, template: bytes) -> None:
    """An uploaded .docx must use every field of the manifest and nothing else."""
    try:
        used = DocxTemplate(io.BytesIO(template)).get_undeclared_template_variables(jinja_env=_ENVIRONMENT)
    except TemplateSyntaxError as exc:
        raise TemplateMismatch(f"ошибка в шаблоне: {exc.message}") from None
    except Exception:
        raise TemplateMismatch("файл не является документом DOCX") from None
    expected = {spec.name for spec in manifest.fields}
    missing, unknown = sorted(expected - used), sorted(used - expected - {"loop"})
    if missing or unknown:
        parts = []
        if missing:
            parts.append("не использованы поля: " + ", ".join(missing))
        if unknown:
            parts.append("неизвестные поля: " + ", ".join(unknown))
        raise TemplateMismatch("; ".join(parts), missing=missing, unknown=unknown)


def form_text(manifest: Manifest, values: FormValues) -> str:
    """Labels and values of a filled form, for the search index."""
    lines = [manifest.title]
    for spec in manifest.fields:
        shown = _plain(spec, values.get(spec.name))
        if shown:
            lines.append(f"{spec.label}: {shown}")
    return "\n".join(lines)


def _plain(spec: FieldSpec, value: Any) -> str:
    shown = display_value(spec, value)
    if isinstance(shown, list):
        return "; ".join(" ".join(str(cell) for cell in row.values() if cell) for row in shown if any(row.values()))
    if isinstance(shown, dict):
        return "; ".join(f"{STAGE_LABELS[stage]}: {shown[stage]}" for stage in STAGES if shown[stage])
    return str(shown)


@dataclass(frozen=True)
class FieldChange:
    field: str  # path, e.g. "family_members[2].birth_date" or "income_salary.final"
    label: str
    before: str
    after: str


def diff_values(manifest: Manifest, before: FormValues, after: FormValues) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for spec in manifest.fields:
        old, new = _flat(spec, before.get(spec.name)), _flat(spec, after.get(spec.name))
        for path in sorted(set(old) | set(new), key=lambda p: (len(p), p)):
            if old.get(path, ("", ""))[1] != new.get(path, ("", ""))[1]:
                label = (new.get(path) or old[path])[0]
                changes.append(FieldChange(path, label, old.get(path, ("", ""))[1], new.get(path, ("", ""))[1]))
    return changes


def _flat(spec: FieldSpec, value: Any) -> dict[str, tuple[str, str]]:
    """path -> (Russian label, display text) for every leaf of a value."""
    if spec.type == "table":
        flat = {}
        for number, row in enumerate(value or [], start=1):
            row_name = spec.rows[number - 1] if number <= len(spec.rows) else f"строка {number}"
            for column in spec.columns:
                text = display_scalar(column.type, row.get(column.name))
                flat[f"{spec.name}[{number}].{column.name}"] = (f"{spec.label} — {row_name}: {column.label}", text)
        return flat
    if spec.type == "diagnostic":
        stages = value or {}
        return {f"{spec.name}.{s}": (f"{spec.label} — {STAGE_LABELS[s]}", stages.get(s) or "") for s in STAGES}
    return {spec.name: (spec.label, str(display_value(spec, value)))}
