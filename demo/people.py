"""The invented institution, its staff and districts, and date helpers. Every name here is made up."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from demo.records import read

TOWN = "г. Кедровогорск"
POSTCODE = "628499"
REGION = "Ханты-Мансийского автономного округа – Югры"
INSTITUTION = f"бюджетное учреждение {REGION} «Кедровогорский комплексный центр социального обслуживания населения»"
INSTITUTION_SHORT = "БУ «Кедровогорский комплексный центр социального обслуживания населения»"
INSTITUTION_ADDRESS = f"{POSTCODE}, Ханты-Мансийский автономный округ – Югра, {TOWN}, ул. Геологов, д. 11"
INSTITUTION_PHONE = "8 (34667) 2-41-05"
DEPARTMENT = "отделение социального сопровождения граждан"
DEPARTMENT_GENITIVE = "отделения социального сопровождения граждан"
DEPARTMENT_TITLE = "Отделение социального сопровождения граждан"


@dataclass(frozen=True)
class Staff:
    username: str
    full_name: str
    position: str
    role: str  # specialist | head | archivist | admin
    districts: tuple[str, ...] = ()

    @property
    def initials(self) -> str:
        return initials(self.full_name)


def initials(full_name: str) -> str:
    """«Соколова Марина Викторовна» -> «М.В. Соколова»."""
    surname, name, patronymic = full_name.split()
    return f"{name[0]}.{patronymic[0]}. {surname}"


def _staff() -> dict[str, Staff]:
    """The users of the demo, by login (data/staff.json)."""
    return {item["username"]: Staff(**{**item, "districts": tuple(item["districts"])}) for item in read("staff")}


STAFF_BY_LOGIN = _staff()
STAFF = tuple(STAFF_BY_LOGIN.values())
SOKOLOVA, GALIEV, ORLOVA, BELOVA, KUZNETSOV = (
    STAFF_BY_LOGIN[name] for name in ("sokolova", "galiev", "orlova", "belova", "kuznetsov")
)

# People who sign or take part but do not log in.
DIRECTOR = "Е.Н. Лаптева"
DEPUTY_DIRECTOR = "Л.Г. Фомина"
PSYCHOLOGIST = "А.О. Кравец"
LAWYER = "Д.А. Рябов"


@dataclass(frozen=True)
class District:
    code: str
    number: int
    name: str
    territory: str
    streets: tuple[str, ...]
    specialist: Staff
    reception: str
    phone: str
    schedule: str


def _districts() -> tuple[District, ...]:
    """The two social districts (data/districts.json), each with its specialist."""
    return tuple(
        District(
            code,
            item["number"],
            item["name"],
            item["territory"],
            tuple(item["streets"]),
            STAFF_BY_LOGIN[item["specialist"]],
            item["reception"],
            item["phone"],
            item["schedule"],
        )
        for code, item in read("districts").items()
    )


DISTRICTS = _districts()

MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
LATEST_DAY = (12, 1)  # nothing in the demo is dated after 1 December of the demo year


def workday(year: int, month: int, day: int) -> dt.date:
    """The date, moved forward to Monday when it falls on a weekend; never past 1 December."""
    date = dt.date(year, month, day)
    while date.weekday() >= 5:
        date += dt.timedelta(days=1)
    return min(date, dt.date(year, *LATEST_DAY))


def born(year: int, years_ago: int, month: int, day: int) -> dt.date:
    return dt.date(year - years_ago, month, day)


def working_day(month_day: str, y: int) -> dt.date:
    """The working day of "MM-DD" in the year `y` (see `workday`)."""
    month, day = month_day.split("-")
    return workday(y, int(month), int(day))


_IN_YEAR = re.compile(r"\{\{|\}\}|\{y([+-]\d+)?\}|\{date:(\d\d-\d\d)\}")


def in_year(template: str, y: int) -> str:
    """A text of the demo's records in the year `y`: `{y}`, `{y-1}`, `{y+4}` are years counted from `y`,
    `{date:MM-DD}` the working day of that date (dd.mm.yyyy), `{{` and `}}` plain braces."""

    def value(match: re.Match[str]) -> str:
        if match[0] in ("{{", "}}"):
            return match[0][0]
        if match[2]:
            return ddmmyyyy(working_day(match[2], y))
        return str(y + int(match[1] or 0))

    return _IN_YEAR.sub(value, template)


def ddmmyyyy(date: dt.date) -> str:
    return date.strftime("%d.%m.%Y")


def long_date(date: dt.date) -> str:
    """«20» января 2026 г."""
    return f"«{date.day:02d}» {MONTHS_GENITIVE[date.month - 1]} {date.year} г."


def rub(amount: int) -> str:
    """12345 -> «12 345,00 руб.»"""
    return f"{amount:,}".replace(",", " ") + ",00 руб."


def district(code: str) -> District:
    for item in DISTRICTS:
        if item.code == code:
            return item
    raise KeyError(code)
