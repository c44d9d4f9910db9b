"""Turning untrusted input into typed values, with messages a person can act on."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

import pydantic

from webapp.exceptions import ValidationError

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

NOMENCLATURE_INDEX_PATTERN = r"^\d{1,3}(?:[-.]\d{1,3}){0,3}$"


class StrictInput(pydantic.BaseModel):
    """Base for request bodies: unknown fields are errors, strings are trimmed."""

    model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)


def parse_input(model: type[ModelT], data: Any) -> ModelT:
    if not isinstance(data, dict):
        raise ValidationError("Ожидался JSON-объект", code="invalid_body")
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        details = [_describe(error) for error in exc.errors(include_url=False, include_input=False)]
        first = details[0]
        raise ValidationError(f"{first['field']}: {first['message']}", details=details) from None


def _describe(error: Any) -> dict[str, str]:
    field = ".".join(str(part) for part in error["loc"]) or "body"
    if error["type"] == "value_error":
        return {"field": field, "message": str(error["ctx"]["error"])}
    return {"field": field, "message": _MESSAGES.get(error["type"], error["msg"])}


_MESSAGES = {
    "missing": "обязательное поле",
    "extra_forbidden": "неизвестное поле",
    "string_too_long": "слишком длинное значение",
    "string_too_short": "пустое значение",
    "string_pattern_mismatch": "неверный формат",
    "int_parsing": "ожидалось целое число",
    "int_type": "ожидалось целое число",
    "bool_parsing": "ожидалось true или false",
    "bool_type": "ожидалось true или false",
    "date_from_datetime_parsing": "ожидалась дата ГГГГ-ММ-ДД",
    "date_parsing": "ожидалась дата ГГГГ-ММ-ДД",
    "date_type": "ожидалась дата ГГГГ-ММ-ДД",
    "greater_than_equal": "слишком маленькое значение",
    "less_than_equal": "слишком большое значение",
    "string_type": "ожидалась строка",
    "dict_type": "ожидался объект",
}


def parse_int(raw: str | None, name: str, *, default: int, minimum: int = 1, maximum: int = 10**9) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(f"{name}: ожидалось целое число", code="invalid_parameter") from None
    if not minimum <= value <= maximum:
        raise ValidationError(f"{name}: допустимо от {minimum} до {maximum}", code="invalid_parameter")
    return value


def parse_optional_int(raw: str | None, name: str, *, minimum: int = 1, maximum: int = 10**9) -> int | None:
    if raw is None or raw == "":
        return None
    return parse_int(raw, name, default=0, minimum=minimum, maximum=maximum)


def parse_optional_date(raw: str | None, name: str) -> dt.date | None:
    if raw is None or raw == "":
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"{name}: ожидалась дата ГГГГ-ММ-ДД", code="invalid_parameter") from None
