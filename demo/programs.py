"""Individual programs (ИППСУ) and conclusions on how they went, for the invented recipients.

Their records are in data/programs.json."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from demo.people import STAFF_BY_LOGIN, Staff, born, in_year, working_day
from demo.records import read

Row = tuple[str, str, str]


@dataclass(frozen=True)
class Conclusion:
    key: str
    recipient: str
    birth: dt.date
    address: str
    program: str
    period: str
    form: str
    services: tuple[Row, ...]  # service, volume / frequency, what was done
    support: tuple[Row, ...]  # support measure, partner organisation, result
    result: str
    outcome: str
    proposals: str
    specialist: Staff
    date: dt.date
    draft_outcome: str = ""  # when set, the specialist's draft differed and the head corrected it
    draft_proposals: str = ""


def conclusions(y: int) -> dict[str, Conclusion]:
    """The conclusions on the programs of data/programs.json in the demo year `y`, by recipient."""
    items = (Conclusion(**_fields(record, y)) for record in read("programs")["conclusions"])
    return {item.key: item for item in items}


@dataclass(frozen=True)
class Program:
    number: str
    date: dt.date
    recipient: str
    birth: dt.date
    address: str
    form: str
    services: tuple[Row, ...]  # service, volume, periodicity
    support: tuple[Row, ...]  # measure, partner, term
    specialist: Staff


def guseva_program(y: int) -> Program:
    return Program(**_fields(read("programs")["guseva_program"], y))


def _fields(record: dict[str, Any], y: int) -> dict[str, Any]:
    """A record's values in the year `y`: texts are templates of `in_year`, `date` a day "MM-DD" of
    `working_day`, `birth` years ago, month, day, and `specialist` a login."""
    fields = {name: in_year(value, y) if isinstance(value, str) else value for name, value in record.items()}
    for name in ("services", "support"):
        fields[name] = tuple(tuple(in_year(cell, y) for cell in row) for row in record[name])
    fields["date"] = working_day(record["date"], y)
    fields["birth"] = born(y, *record["birth"])
    fields["specialist"] = STAFF_BY_LOGIN[record["specialist"]]
    return fields
