"""Input of the case endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pydantic

from webapp.nomenclature.schemas import Year
from webapp.validation import NOMENCLATURE_INDEX_PATTERN, RecordId, StrictInput

ShortText = pydantic.Field(default="", max_length=500)


# The categories of the statistical report (Appendix 5, rows 2 and 3) a recipient of services falls in.
CITIZEN_CATEGORIES = {
    "elderly_alone": "пожилого возраста: одиноко проживающий",
    "elderly_lonely": "пожилого возраста: одинокий (нет родственников в населённом пункте)",
    "elderly_in_family": "пожилого возраста: проживает в семье",
    "disabled_1": "инвалид I группы",
    "disabled_2": "инвалид II группы",
    "disabled_3": "инвалид III группы",
    "minor_at_risk": "несовершеннолетний, входящий в группу риска",
    "hardship": "в иной трудной жизненной ситуации",
    "migrant": "мигрант, беженец",
    "other": "иная категория",
}
FAMILY_CATEGORIES = {
    "with_children": "семья с детьми",
    "sop": "семья в социально опасном положении",
    "disabled_children": "семья с детьми-инвалидами",
    "with_disabled": "семья, в состав которой входят инвалиды",
    "other": "иная категория",
}
CATEGORIES_BY_KIND = {"citizen": CITIZEN_CATEGORIES, "family": FAMILY_CATEGORIES}
# Categories of a citizen whose district specialist must contact them every month (webapp/support/deadlines.py).
MONTHLY_CONTACT_CATEGORIES = frozenset(
    {"elderly_alone", "elderly_lonely", "elderly_in_family", "disabled_1", "disabled_2", "disabled_3"}
)


def check_categories(kind: str, categories: list[str]) -> list[str]:
    allowed = CATEGORIES_BY_KIND.get(kind, {})
    unknown = [category for category in categories if category not in allowed]
    if unknown:
        choices = ", ".join(allowed) or "категорий нет — дело не о гражданине и не о семье"
        raise ValueError(f"неизвестная категория «{unknown[0][:40]}»; допустимо: {choices}")
    return sorted(set(categories), key=list(allowed).index)


class SubjectInput(StrictInput):
    """Whom the case is about. Personal data: kept in the database only."""

    kind: Literal["family", "citizen", "district", "department"] = "family"
    name: str = pydantic.Field(default="", max_length=300)
    address: str = ShortText
    note: str = pydantic.Field(default="", max_length=2000)
    categories: list[str] = pydantic.Field(default_factory=list, max_length=20)

    @pydantic.model_validator(mode="after")
    def _known_categories(self) -> SubjectInput:
        self.categories = check_categories(self.kind, self.categories)
        return self


class CaseInput(StrictInput):
    nomenclature_index: str = pydantic.Field(pattern=NOMENCLATURE_INDEX_PATTERN, max_length=20)
    year: Year
    title: str = pydantic.Field(min_length=1, max_length=500)
    district: str = pydantic.Field(min_length=1, max_length=40)
    subject: SubjectInput | None = None
    opened_on: dt.date | None = None
    responsible: str | None = pydantic.Field(default=None, max_length=64)  # username; default: the specialist


class CaseFilters(pydantic.BaseModel):
    district: str | None = None
    status: str | None = None
    year: int | None = None
    nomenclature: str | None = None
    number: str | None = None  # the current number or a former one


class SubjectEdit(StrictInput):
    """A correction of whom the case is about: the fields given change, the kind and categories stay."""

    name: str | None = pydantic.Field(default=None, max_length=300)
    address: str | None = pydantic.Field(default=None, max_length=500)
    note: str | None = pydantic.Field(default=None, max_length=2000)


class CaseEdit(StrictInput):
    """A correction of a case's details (webapp.cases.corrections): only the fields given change, and every change
    takes a reason. `revision` is the one the editor saw (the API also takes it from If-Match)."""

    title: str | None = pydantic.Field(default=None, min_length=1, max_length=500)
    subject: SubjectEdit | None = None
    district: str | None = pydantic.Field(default=None, min_length=1, max_length=40)
    responsible: str | None = pydantic.Field(default=None, min_length=1, max_length=64)  # username; null clears
    nomenclature_index: str | None = pydantic.Field(default=None, pattern=NOMENCLATURE_INDEX_PATTERN, max_length=20)
    reason: str = pydantic.Field(min_length=1, max_length=2000)
    revision: RecordId | None = None

    @property
    def changed(self) -> list[str]:
        """The fields the editor asked to change, in the order of the form."""
        return [name for name in EDITABLE_FIELDS if name in self.model_fields_set]


EDITABLE_FIELDS = ("title", "subject", "district", "responsible", "nomenclature_index")


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


class ProfileInput(StrictInput):
    """Who works the case and the categories of its recipient (a family or a citizen)."""

    responsible: str | None = pydantic.Field(default=None, max_length=64)
    categories: list[str] = pydantic.Field(default_factory=list, max_length=20)
