"""Checking submitted form values against a manifest, and formatting them the Russian way for print."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from document_templates.manifest import STAGES, ColumnSpec, FieldSpec, Manifest

MAX_TEXT = 2_000  # one-line fields
MAX_LONG_TEXT = 100_000  # long text: a page of conclusions, never a megabyte
FormValues = dict[str, Any]


@dataclass(frozen=True)
class FieldError:
    field: str  # path: "family_members[2].birth_date"
    label: str
    message: str


class FormInvalid(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors


def validate_values(manifest: Manifest, submitted: Any) -> FormValues:
    """Return the normalised values (every field present, None when empty) or raise FormInvalid."""
    if not isinstance(submitted, dict):
        raise FormInvalid([FieldError("fields", "Поля формы", "ожидался объект с полями формы")])
    errors: list[FieldError] = []
    known = {spec.name for spec in manifest.fields}
    errors += [FieldError(name, name, "неизвестное поле") for name in submitted if name not in known]
    values: FormValues = {}
    for spec in manifest.fields:
        errors_before = len(errors)
        values[spec.name] = _checked(spec, submitted.get(spec.name), spec.name, errors)
        if spec.required and _is_empty(values[spec.name]) and len(errors) == errors_before:
            errors.append(FieldError(spec.name, spec.label, "обязательное поле"))
    if errors:
        raise FormInvalid(errors)
    return values


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _checked(spec: FieldSpec, raw: Any, path: str, errors: list[FieldError]) -> Any:
    if _is_empty(raw):
        return None
    try:
        if spec.type == "table":
            return _table(spec, raw, path, errors)
        if spec.type == "diagnostic":
            return _diagnostic(spec, raw)
        if spec.type == "multi_choice":
            return _multi_choice(spec, raw)
        return _scalar(spec.type, raw, spec.options)
    except ValueError as exc:
        errors.append(FieldError(path, spec.label, str(exc)))
        return None


def _scalar(kind: str, raw: Any, options: tuple[str, ...]) -> Any:
    if kind in ("text", "address", "person", "signature"):
        return _string(raw, MAX_TEXT)
    if kind == "long_text":
        return _string(raw, MAX_LONG_TEXT)
    if kind == "date":
        if not isinstance(raw, str):
            raise ValueError("ожидалась дата ГГГГ-ММ-ДД")
        try:
            return dt.date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError("ожидалась дата ГГГГ-ММ-ДД") from None
    if kind == "number":
        number = _decimal(raw)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "money":
        return str(_decimal(raw).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if kind == "choice":
        if raw not in options:
            raise ValueError("выберите значение из списка")
        return raw
    if kind == "yes_no":
        if not isinstance(raw, bool):
            raise ValueError("ожидалось «да» или «нет»")
        return raw
    raise ValueError(f"неизвестный тип поля {kind}")


def _string(raw: Any, limit: int) -> str:
    if not isinstance(raw, str):
        raise ValueError("ожидался текст")
    if len(raw) > limit:
        raise ValueError(f"слишком длинное значение: не более {limit} символов")
    if "\x00" in raw:
        raise ValueError("недопустимые символы")
    return raw.strip()


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError("ожидалось число")
    try:
        number = Decimal(str(raw).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError("ожидалось число") from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 12:
        raise ValueError("ожидалось число")
    return number


def _multi_choice(spec: FieldSpec, raw: Any) -> list[str]:
    if not isinstance(raw, list) or any(item not in spec.options for item in raw):
        raise ValueError("выберите значения из списка")
    return [option for option in spec.options if option in raw]


def _diagnostic(spec: FieldSpec, raw: Any) -> dict[str, str | None]:
    if not isinstance(raw, dict) or set(raw) - set(STAGES):
        raise ValueError("ожидались значения этапов: initial, intermediate, final")
    result: dict[str, str | None] = {}
    for stage in STAGES:
        value = raw.get(stage)
        if _is_empty(value):
            result[stage] = None
        elif spec.options:
            result[stage] = _scalar("choice", value, spec.options)
        else:
            result[stage] = _string(value, MAX_TEXT)
    return result


def _table(spec: FieldSpec, raw: Any, path: str, errors: list[FieldError]) -> list[dict[str, Any]] | None:
    if not isinstance(raw, list) or any(not isinstance(row, dict) for row in raw):
        raise ValueError("ожидался список строк таблицы")
    if spec.rows and len(raw) != len(spec.rows):
        raise ValueError(f"в таблице должно быть строк: {len(spec.rows)}")
    if not spec.min_rows <= len(raw) <= spec.max_rows:
        raise ValueError(f"число строк таблицы: от {spec.min_rows} до {spec.max_rows}")
    columns = {column.name: column for column in spec.columns}
    rows = []
    for number, row in enumerate(raw, start=1):
        row_path = f"{path}[{number}]"
        for name in row:
            if name not in columns:
                errors.append(FieldError(f"{row_path}.{name}", spec.label, "неизвестный столбец"))
        rows.append(
            {name: _cell(column, row.get(name), f"{row_path}.{name}", spec, errors) for name, column in columns.items()}
        )
    return rows


def _cell(column: ColumnSpec, raw: Any, path: str, spec: FieldSpec, errors: list[FieldError]) -> Any:
    label = f"{spec.label}: {column.label}"
    if _is_empty(raw):
        if column.required:
            errors.append(FieldError(path, label, "обязательное поле"))
        return None
    try:
        return _scalar(column.type, raw, column.options)
    except ValueError as exc:
        errors.append(FieldError(path, label, str(exc)))
        return None


# Formatting for print and display ---------------------------------------------------------------------------


def display_scalar(kind: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if kind == "date":
        return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
    if kind == "money":
        whole, _, cents = str(value).partition(".")
        sign = "-" if whole.startswith("-") else ""
        digits = whole.lstrip("-")
        groups = f"{int(digits):,}".replace(",", "\u00a0")
        return f"{sign}{groups},{cents or '00'} руб."
    if kind == "number":
        return str(value).replace(".", ",")
    if kind == "yes_no":
        return "да" if value else "нет"
    return str(value)


def display_value(spec: FieldSpec, value: Any) -> Any:
    """Strings for scalars; lists of row dicts for tables (with `_label` for fixed rows); stage dicts."""
    if spec.type == "table":
        rows = value or ([{}] * len(spec.rows) if spec.rows else [])
        labels = spec.rows or ("",) * len(rows)
        return [
            {"_label": label, **{c.name: display_scalar(c.type, row.get(c.name)) for c in spec.columns}}
            for label, row in zip(labels, rows, strict=False)
        ]
    if spec.type == "diagnostic":
        stages = value or {}
        return {stage: stages.get(stage) or "" for stage in STAGES}
    if spec.type == "multi_choice":
        return "; ".join(value or [])
    return display_scalar(spec.type, value)
