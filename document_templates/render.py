"""Rendering a filled form to DOCX (pure bytes in, bytes out), checking uploaded templates, form text, diffs."""

from __future__ import annotations

import io
import re
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from docxtpl import DocxTemplate, Listing
from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError

from document_templates.manifest import STAGE_LABELS, STAGES, FieldSpec, Manifest
from document_templates.sandbox import LimitedSandbox, RenderLimit, budget
from document_templates.values import FormValues, display_scalar, display_value

# Values reach the template only as escaped Listing objects, so a value like "{{7*7}}" or "<w:t>" prints as is.
_ENVIRONMENT = LimitedSandbox()
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


class TemplateMismatch(ValueError):
    def __init__(self, message: str, *, missing: list[str] | None = None, unknown: list[str] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []
        self.unknown = unknown or []


class TemplateFailed(Exception):
    """A template that cannot be filled in. `reason` (Russian) and `expression` (the failing tag, when known) are
    template text and sandbox messages, never a value."""

    def __init__(self, reason: str, expression: str = "") -> None:
        super().__init__(f"выражение «{expression}» — {reason}" if expression else reason)
        self.reason = reason
        self.expression = expression


def render_docx(manifest: Manifest, template: bytes, values: FormValues) -> bytes:
    context = _context(manifest, values)
    document = DocxTemplate(io.BytesIO(template))
    try:
        _render(document, context)
    except TemplateFailed:
        _render(_traced(template), context)  # fails again, this time naming its tag
        raise
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _render(document: Any, context: dict[str, Any]) -> None:
    try:
        with budget():
            document.render(context, jinja_env=_ENVIRONMENT, autoescape=True)
    except TemplateFailed:
        raise
    except Exception as exc:  # the sandbox's refusals, and whatever the template's own expressions raise
        raise TemplateFailed(_reason(exc)) from exc


def _reason(exc: Exception) -> str:
    """Why, in words that hold no value: the text of other exceptions may quote one."""
    if isinstance(exc, RenderLimit):
        return f"превышен предел: {exc}"
    if isinstance(exc, SecurityError):
        return f"запрещено: {exc}"
    if isinstance(exc, TemplateSyntaxError):
        return f"ошибка в шаблоне: {exc.message}"
    if isinstance(exc, UndefinedError):
        return f"неизвестное имя: {exc.message}"
    return f"ошибка при заполнении ({type(exc).__name__})"


def _traced(template: bytes) -> Any:
    """The template rendering with every tag on a line of its own, so that a failure's line names its tag."""
    document = DocxTemplate(io.BytesIO(template))
    render_part = document.render_xml_part

    def traced(src_xml: str, part: Any, context: dict[str, Any], jinja_env: Any = None) -> str:
        source = _TAG.sub(lambda tag: f"\n{tag.group(0)}\n", src_xml)
        try:
            return str(render_part(source, part, context, jinja_env))
        except Exception as exc:
            compiled = re.sub(r"<w:p([ >])", r"\n<w:p\1", source).splitlines()  # as DocxTemplate compiles it
            line = _template_line(exc)
            tag = _TAG.search(compiled[line - 1]) if line and line <= len(compiled) else None
            raise TemplateFailed(_reason(exc), tag.group(0) if tag else "") from exc

    document.render_xml_part = traced
    return document


def _template_line(exc: Exception) -> int | None:
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == "<template>"]
    return lines[-1] if lines else None


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


def check_template(manifest: Manifest, template: bytes, examples: Sequence[FormValues] = ()) -> None:
    """An uploaded .docx must use every field of the manifest and nothing else, and fill in within the sandbox's
    limits with each of the examples and with an empty form."""
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
    for values in (*examples, {}):
        try:
            _render(_traced(template), _context(manifest, values))
        except TemplateFailed as exc:
            raise TemplateMismatch(f"не заполняется: {exc}") from None


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
