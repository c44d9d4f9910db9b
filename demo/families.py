"""Invented families and citizens of the demo districts. Any resemblance to real people is accidental.

Their records are in data/households.json; here they become the households the forms are filled from."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from demo.people import born, ddmmyyyy, workday
from demo.records import read

Stages = tuple[str, str, str]


@dataclass(frozen=True)
class Member:
    name: str
    birth: dt.date
    relation: str
    occupation: str

    @property
    def short(self) -> str:
        surname, name, patronymic = self.name.split()
        return f"{surname} {name[0]}.{patronymic[0]}."


@dataclass(frozen=True)
class Income:
    member: str
    kind: str
    amount: int


@dataclass(frozen=True)
class PassportPlan:
    """A family's social passport over time: one date per diagnostic stage reached (2 or 3)."""

    number: str
    stages: tuple[dt.date, ...]
    family_type: Mapping[str, str]
    hardship: Mapping[str, str]
    marks: Mapping[str, Stages]
    council: tuple[dt.date, str, str]  # date, protocol number, decision
    notes: Stages


@dataclass(frozen=True)
class Household:
    key: str
    kind: str  # family | citizen
    name: str  # «Семья Журавлёвых» or the citizen's full name
    genitive: str  # «Журавлёвых» / «Гусевой А.Ф.»
    district: str
    address: str  # inside the town, as kept in the case subject
    locality: str  # «г. Кедровогорск» or «пос. Таёжный»
    members: tuple[Member, ...]  # the first one represents the family
    incomes: tuple[Income, ...]
    housing: str
    sanitary: str
    present: str
    relations: str
    neighbours: str
    parents: str
    reason: str
    conclusion: str
    note: str = ""
    draft_conclusion: str = ""  # when set, the first version of the act was incomplete and later corrected
    passport: PassportPlan | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def representative(self) -> Member:
        return self.members[0]

    @property
    def full_address(self) -> str:
        return f"628499, Ханты-Мансийский автономный округ – Югра, {self.locality}, {self.address}"


def checks(stages: Mapping[str, str]) -> dict[str, Stages]:
    """checks({"row": "++-"}) is shorthand for a row marked «+» in the first two stages only."""
    result: dict[str, Stages] = {}
    for name, flags in stages.items():
        first, second, third = ("+" if flag == "+" else "" for flag in flags)
        result[name] = (first, second, third)
    return result


# --- the records of data/households.json ------------------------------------------------------------------------

_YEAR = re.compile(r"\{y([+-]\d+)?\}")
_DATE = re.compile(r"\{date:(\d\d-\d\d)\}")


def load_household(key: str, y: int) -> Household:
    """A family or a citizen of data/households.json as of the demo year `y`.

    In the records `{y}`, `{y-1}`, `{y+4}` stand for years counted from `y`, `{date:MM-DD}` for the working day
    of that date in `y` (dd.mm.yyyy), "MM-DD" alone for that working day, and `born` for years ago, month, day."""
    record = read("households")[key]
    fields = {name: _text(value, y) for name, value in record.items() if isinstance(value, str)}
    return Household(
        **fields,
        members=tuple(
            Member(_text(item["name"], y), born(y, *item["born"]), item["relation"], _text(item["occupation"], y))
            for item in record["members"]
        ),
        incomes=tuple(Income(member, kind, amount) for member, kind, amount in record["incomes"]),
        passport=_passport(record["passport"], y) if "passport" in record else None,
        extra={name: _text(value, y) for name, value in record.get("extra", {}).items()},
    )


def _passport(record: dict[str, Any], y: int) -> PassportPlan:
    date, protocol, decision = record["council"]
    return PassportPlan(
        number=record["number"],
        stages=tuple(_day(day, y) for day in record["stages"]),
        family_type={name: _text(value, y) for name, value in record["family_type"].items()},
        hardship={name: _text(value, y) for name, value in record["hardship"].items()},
        marks={name: _stages(values, y) for name, values in record["marks"].items()} | checks(record["checks"]),
        council=(_day(date, y), protocol, _text(decision, y)),
        notes=_stages(record["notes"], y),
    )


def _stages(values: list[str], y: int) -> Stages:
    first, second, third = (_text(value, y) for value in values)
    return first, second, third


def _day(month_day: str, y: int) -> dt.date:
    month, day = month_day.split("-")
    return workday(y, int(month), int(day))


def _text(template: str, y: int) -> str:
    text = _DATE.sub(lambda match: ddmmyyyy(_day(match[1], y)), template)
    return _YEAR.sub(lambda match: str(y + int(match[1] or 0)), text)
