"""Invented families and citizens of the demo districts. Any resemblance to real people is accidental.

Their records are in data/households.json; here they become the households the forms are filled from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from demo.people import born, in_year, working_day
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


def load_household(key: str, y: int) -> Household:
    """A family or a citizen of data/households.json as of the demo year `y`.

    Texts are templates of `in_year`, days "MM-DD" of `working_day`, and `born` is years ago, month, day."""
    record = read("households")[key]
    fields = {name: in_year(value, y) for name, value in record.items() if isinstance(value, str)}
    return Household(
        **fields,
        members=tuple(
            Member(in_year(item["name"], y), born(y, *item["born"]), item["relation"], in_year(item["occupation"], y))
            for item in record["members"]
        ),
        incomes=tuple(Income(member, kind, amount) for member, kind, amount in record["incomes"]),
        passport=_passport(record["passport"], y) if "passport" in record else None,
        extra={name: in_year(value, y) for name, value in record.get("extra", {}).items()},
    )


def _passport(record: dict[str, Any], y: int) -> PassportPlan:
    date, protocol, decision = record["council"]
    return PassportPlan(
        number=record["number"],
        stages=tuple(working_day(day, y) for day in record["stages"]),
        family_type={name: in_year(value, y) for name, value in record["family_type"].items()},
        hardship={name: in_year(value, y) for name, value in record["hardship"].items()},
        marks={name: _stages(values, y) for name, values in record["marks"].items()} | checks(record["checks"]),
        council=(working_day(date, y), protocol, in_year(decision, y)),
        notes=_stages(record["notes"], y),
    )


def _stages(values: list[str], y: int) -> Stages:
    first, second, third = (in_year(value, y) for value in values)
    return first, second, third
