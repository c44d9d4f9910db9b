"""Input of the support journal and deadline endpoints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pydantic

from webapp.support.models import EVENT_KINDS
from webapp.validation import RecordId, StrictInput, parse_optional_date, parse_optional_int


class SupportEventInput(StrictInput):
    kind: str = pydantic.Field(max_length=40)
    detail: str = pydantic.Field(default="", max_length=40, validate_default=True)
    occurred_on: dt.date
    note: str = pydantic.Field(default="", max_length=2000)
    document_id: RecordId | None = None

    @pydantic.field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in EVENT_KINDS:
            raise ValueError("неизвестный вид записи; допустимо: " + ", ".join(EVENT_KINDS))
        return kind

    @pydantic.field_validator("detail")
    @classmethod
    def _known_detail(cls, detail: str, info: pydantic.ValidationInfo) -> str:
        details = EVENT_KINDS.get(info.data.get("kind", ""), ("", {}))[1]
        if details and detail not in details:
            raise ValueError("для этого вида записи укажите одно из: " + ", ".join(details))
        if not details and detail:
            raise ValueError("у этого вида записи уточнений нет")
        return detail


class CancelInput(StrictInput):
    reason: str = pydantic.Field(min_length=1, max_length=2000)


class DeadlineFilters(pydantic.BaseModel):
    status: str | None = None
    kind: str | None = None
    district: str | None = None
    specialist: str | None = None  # username of the responsible specialist
    case_id: int | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    outstanding: bool = False  # only what is still to be done

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> DeadlineFilters:
        """The filters of a query string (the API's and the page's)."""
        return cls(
            status=args.get("status") or None,
            kind=args.get("kind") or None,
            district=args.get("district") or None,
            specialist=args.get("specialist") or None,
            case_id=parse_optional_int(args.get("case"), "case", minimum=1),
            due_from=parse_optional_date(args.get("due_from"), "due_from"),
            due_to=parse_optional_date(args.get("due_to"), "due_to"),
            outstanding=args.get("outstanding") in ("1", "true"),
        )


class CorrectionInput(StrictInput):
    value: int = pydantic.Field(ge=0, le=10**6)
    note: str = pydantic.Field(default="", max_length=500)


class ReportInput(StrictInput):
    period: str = pydantic.Field(max_length=10)
    case_id: RecordId
    institution: str = pydantic.Field(min_length=1, max_length=500)
    corrections: dict[str, CorrectionInput] = pydantic.Field(default_factory=dict, max_length=100)
