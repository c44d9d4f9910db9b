"""Turning untrusted input into typed values, with messages a person can act on."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, TypeVar

import pydantic
from werkzeug.routing import IntegerConverter, Map

from webapp.exceptions import Conflict, PreconditionRequired, ValidationError

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

NOMENCLATURE_INDEX_PATTERN = r"^\d{1,3}(?:[-.]\d{1,3}){0,3}$"

# The largest id or version number: our INTEGER columns are 32-bit on PostgreSQL (SQLite's go to 2^63 - 1). A larger
# number reaching a query makes the driver raise (PostgreSQL: integer out of range) instead of finding nothing.
MAX_ID = 2**31 - 1

# An id or version number in a JSON body: a whole number from 1 to MAX_ID. Strict, so JSON floats (1.0, 1e30),
# strings and booleans are refused rather than converted.
RecordId = Annotated[int, pydantic.Strict(), pydantic.Field(ge=1, le=MAX_ID)]
# The same in a form field (multipart text), parsed from its digits.
RecordIdText = Annotated[int, pydantic.Field(ge=1, le=MAX_ID)]

_RECORD_IDS = pydantic.TypeAdapter(list[RecordId])


class RecordIdConverter(IntegerConverter):
    """`<int:...>` in every route (create_app registers it as `int`): an id above MAX_ID cannot exist, so its URL
    does not match and answers 404 before any query runs."""

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


class StrictInput(pydantic.BaseModel):
    """Base for request bodies: unknown fields are errors, strings are trimmed."""

    model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)


def parse_input(model: type[ModelT], data: Any) -> ModelT:
    if not isinstance(data, dict):
        raise ValidationError("Ожидался JSON-объект", code="invalid_body")
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _refusal(exc) from None


def parse_ids(value: Any, name: str, *, code: str = "invalid") -> list[int]:
    """A JSON list of ids, each a RecordId."""
    try:
        return _RECORD_IDS.validate_python(value)
    except pydantic.ValidationError as exc:
        raise _refusal(exc, name, code=code) from None


def _refusal(exc: pydantic.ValidationError, prefix: str = "", *, code: str | None = None) -> ValidationError:
    details = [_describe(error, prefix) for error in exc.errors(include_url=False, include_input=False)]
    first = details[0]
    return ValidationError(f"{first['field']}: {first['message']}", code=code, details=details)


def _describe(error: Any, prefix: str = "") -> dict[str, str]:
    field = ".".join(str(part) for part in (prefix, *error["loc"]) if part != "") or "body"
    if error["type"] == "value_error":
        return {"field": field, "message": str(error["ctx"]["error"])}
    return {"field": field, "message": _MESSAGES.get(error["type"], error["msg"])}


_DATETIME = "ожидались дата и время ГГГГ-ММ-ДДTЧЧ:ММ (со смещением, например +03:00, или без него)"
_MESSAGES = {
    "missing": "обязательное поле",
    "extra_forbidden": "неизвестное поле",
    "string_too_long": "слишком длинное значение",
    "string_too_short": "пустое значение",
    "string_pattern_mismatch": "неверный формат",
    "int_parsing": "ожидалось целое число",
    "int_type": "ожидалось целое число",
    "int_from_float": "ожидалось целое число",
    "int_parsing_size": "слишком большое значение",
    "bool_parsing": "ожидалось true или false",
    "bool_type": "ожидалось true или false",
    "date_from_datetime_parsing": "ожидалась дата ГГГГ-ММ-ДД",
    "date_parsing": "ожидалась дата ГГГГ-ММ-ДД",
    "date_type": "ожидалась дата ГГГГ-ММ-ДД",
    "greater_than_equal": "слишком маленькое значение",
    "less_than_equal": "слишком большое значение",
    "string_type": "ожидалась строка",
    "dict_type": "ожидался объект",
    "list_type": "ожидался список",
    "too_long": "слишком много элементов",
    "literal_error": "недопустимое значение",
    "model_type": "ожидался объект",
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_type": _DATETIME,
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


def require_revision(seen: int | None, current: int, *, record: str, required: bool = True) -> None:
    """A correction names the revision of the `record` («дела», «документа») it was based on: none is a 428 (unless
    not `required`), another than the `current` one a 409 `changed_meanwhile` naming the current one."""
    if seen is None:
        if required:
            raise PreconditionRequired(
                f"Укажите версию {record}, которую вы правили (заголовок If-Match или поле revision)",
                details=[{"field": "revision", "message": "обязательное поле"}],
            )
        return
    if seen != current:
        raise Conflict(
            f"Версия {record} {seen} устарела: её изменил другой пользователь (сейчас версия {current}); "
            "обновите страницу и повторите",
            code="changed_meanwhile",
            details=[{"field": "revision", "message": "устарела", "current": current}],
        )
