"""Input of the nomenclature endpoints and the CSV import."""

from __future__ import annotations

from typing import Annotated

import pydantic

from webapp.validation import NOMENCLATURE_INDEX_PATTERN, StrictInput

Year = Annotated[int, pydantic.Field(ge=1990, le=2100)]


class EntryInput(StrictInput):
    index: str = pydantic.Field(pattern=NOMENCLATURE_INDEX_PATTERN, max_length=20)
    title: str = pydantic.Field(min_length=1, max_length=500)
    year: Year
    retention_years: int | None = pydantic.Field(default=None, ge=1, le=100)
    permanent: bool = False
    epk: bool = False
    article: str = pydantic.Field(default="", max_length=100)
    note: str = pydantic.Field(default="", max_length=2000)

    @pydantic.model_validator(mode="after")
    def _retention_is_years_or_permanent(self) -> EntryInput:
        if self.permanent == (self.retention_years is not None):
            raise ValueError("укажите либо срок хранения в годах (retention_years), либо permanent: true")
        return self


class CopyYearInput(StrictInput):
    from_year: Year
    to_year: Year


class EntryUpdate(StrictInput):
    """What may change in an entry; its index and year never do (case numbers are made of them)."""

    title: str | None = pydantic.Field(default=None, min_length=1, max_length=500)
    retention_years: int | None = pydantic.Field(default=None, ge=1, le=100)
    permanent: bool | None = None
    epk: bool | None = None
    article: str | None = pydantic.Field(default=None, max_length=100)
    note: str | None = pydantic.Field(default=None, max_length=2000)
