"""Input of the case endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pydantic

from webapp.nomenclature.schemas import Year
from webapp.validation import NOMENCLATURE_INDEX_PATTERN, StrictInput

ShortText = pydantic.Field(default="", max_length=500)


class SubjectInput(StrictInput):
    """Whom the case is about. Personal data: kept in the database only."""

    kind: Literal["family", "citizen", "district", "department"] = "family"
    name: str = pydantic.Field(default="", max_length=300)
    address: str = ShortText
    note: str = pydantic.Field(default="", max_length=2000)


class CaseInput(StrictInput):
    nomenclature_index: str = pydantic.Field(pattern=NOMENCLATURE_INDEX_PATTERN, max_length=20)
    year: Year
    title: str = pydantic.Field(min_length=1, max_length=500)
    district: str = pydantic.Field(min_length=1, max_length=40)
    subject: SubjectInput | None = None
    opened_on: dt.date | None = None


class CaseFilters(pydantic.BaseModel):
    district: str | None = None
    status: str | None = None
    year: int | None = None
    nomenclature: str | None = None


class CloseInput(StrictInput):
    closed_on: dt.date


class ReasonInput(StrictInput):
    reason: str = pydantic.Field(min_length=1, max_length=2000)


class GrantInput(StrictInput):
    username: str = pydantic.Field(min_length=1, max_length=64)
    reason: str = pydantic.Field(min_length=1, max_length=500)


class ExpertReviewInput(StrictInput):
    decision: Literal["destroy", "extend"]
    protocol: str = pydantic.Field(min_length=1, max_length=500)
    extend_years: int | None = pydantic.Field(default=None, ge=1, le=50)
