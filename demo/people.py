"""The invented institution, its staff and districts, and date helpers. Every name here is made up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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


SOKOLOVA = Staff(
    "sokolova",
    "Соколова Марина Викторовна",
    f"специалист по работе с семьей {DEPARTMENT_GENITIVE}",
    "specialist",
    ("u1",),
)
GALIEV = Staff(
    "galiev",
    "Галиев Ринат Ильдарович",
    f"специалист по работе с семьей {DEPARTMENT_GENITIVE}",
    "specialist",
    ("u2",),
)
ORLOVA = Staff(
    "orlova",
    "Орлова Татьяна Сергеевна",
    "заведующий отделением социального сопровождения граждан",
    "head",
    ("u1", "u2"),
)
BELOVA = Staff("belova", "Белова Ирина Павловна", "специалист по кадрам (ответственный за архив)", "archivist")
KUZNETSOV = Staff("kuznetsov", "Кузнецов Андрей Олегович", "инженер-программист", "admin")
STAFF = (SOKOLOVA, GALIEV, ORLOVA, BELOVA, KUZNETSOV)

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


DISTRICTS = (
    District(
        "u1",
        1,
        "Социальный участок № 1 (микрорайоны 1–4)",
        "микрорайоны 1–4 г. Кедровогорска (северная часть города)",
        (
            "ул. Кедровая",
            "ул. Геологов",
            "ул. Сибирская",
            "ул. Молодёжная",
            "ул. Строителей",
            "пр. Победы",
            "ул. Берёзовая",
            "ул. Школьная",
            "проезд Северный",
        ),
        SOKOLOVA,
        f"{TOWN}, ул. Геологов, д. 11, каб. 104",
        "8 (34667) 2-41-17",
        "пн–чт 09:00–17:00, пт 09:00–13:00; выход на участок — вторник, четверг после 14:00",
    ),
    District(
        "u2",
        2,
        "Социальный участок № 2 (микрорайоны 5–7, пос. Таёжный)",
        "микрорайоны 5–7 г. Кедровогорска и пос. Таёжный",
        (
            "пр. Нефтяников",
            "ул. Энтузиастов",
            "ул. Набережная",
            "ул. Полярная",
            "ул. Лесная (пос. Таёжный)",
            "ул. Речная (пос. Таёжный)",
            "ул. Заозёрная (пос. Таёжный)",
        ),
        GALIEV,
        f"{TOWN}, пр. Нефтяников, д. 30, пом. 2 (пункт приёма граждан)",
        "8 (34667) 2-58-30",
        "пн–пт 09:00–17:00; приём в пос. Таёжный — среда 10:00–13:00 (ФАП, ул. Лесная, д. 1)",
    ),
)

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
