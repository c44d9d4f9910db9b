"""The support journals of the demo families and citizens: a year of visits, measures and assessments, so the
statistical report has figures, and a few entries near today, so the dashboards show deadlines due and missed.

Pure data like the rest of the demo; dates after `today` or before the case was opened are left out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from demo.people import workday

# The report's categories of each demo recipient (by the subject's name).
CATEGORIES = {
    "Семья Журавлёвых": ("with_children", "sop"),
    "Семья Крыловых": ("with_children",),
    "Семья Мельниковых": ("with_children",),
    "Семья Тарасовых": ("with_children", "disabled_children"),
    "Гусева Антонина Фёдоровна": ("elderly_alone", "disabled_2"),
    "Лукин Геннадий Петрович": ("hardship",),
}
MEASURES = ("psychological", "pedagogical", "legal", "social", "medical")


@dataclass(frozen=True)
class DemoEntry:
    kind: str
    on: dt.date
    detail: str = ""
    note: str = ""


def journal(name: str, kind: str, opened: dt.date, today: dt.date, number: int) -> list[DemoEntry]:
    """The entries of the `number`-th demo family or citizen."""
    y = opened.year
    entries = [
        DemoEntry("recognized_in_need", opened + dt.timedelta(days=7), "support" if kind == "family" else "services")
    ]
    last_month = today.month if today.year == y else 12
    for month in range(opened.month, last_month + 1):
        if kind == "family":
            entries.append(DemoEntry("home_visit", workday(y, month, 4 + number), note="патронаж семьи"))
            entries.append(DemoEntry("support_measure", workday(y, month, 12 + number), MEASURES[(month + number) % 5]))
        elif name.startswith("Гусева") and month != 10:  # October's call was missed
            entries.append(DemoEntry("contact", workday(y, month, 9), note="телефонный звонок"))
    if kind == "family":
        approved = opened + dt.timedelta(days=14)
        entries += [DemoEntry("ippsu_approved", approved), DemoEntry("ippsu_started", approved + dt.timedelta(days=12))]
        months = (3, 6, 9) if number != 3 else (3, 6)  # the fourth family's September assessment is missing
        entries += [DemoEntry("effectiveness_assessed", workday(y, month, 20)) for month in months]
        entries.append(DemoEntry("prevention", workday(y, 7 + number % 3, 15), ("raid", "letter", "other")[number % 3]))
    if name.startswith("Гусева"):
        entries += [
            DemoEntry("yard_management", workday(y, 8, 14), "cultural", "концерт в ДК «Октябрь»"),
            DemoEntry("yard_management", workday(y, 9, 11), "volunteer", "клуб «Серебряный возраст»"),
            DemoEntry("home_visit", workday(y, 7, 21)),
        ]
    if name.startswith("Лукин"):
        entries += [
            DemoEntry("support_measure", workday(y, 7, 8), "legal", "восстановление паспорта"),
            DemoEntry("adaptation_report_sent", workday(y, 9, 28)),
            DemoEntry("yard_management", workday(y, 8, 20), "employment"),
        ]
    if name == "Семья Тарасовых":
        entries.append(DemoEntry("rehabilitation_started", opened + dt.timedelta(days=21), note="«Семейный психолог»"))
    entries += _near_today(name, today)
    return [entry for entry in entries if opened <= entry.on <= today]


def _near_today(name: str, today: dt.date) -> list[DemoEntry]:
    """What keeps deadlines live whenever the demo is loaded: a problem found yesterday (information due in
    days), an appeal a fortnight ago still without proposals (overdue), a programme approved last week."""
    if name == "Гусева Антонина Фёдоровна":
        return [
            DemoEntry("problem_detected", today - dt.timedelta(days=1), note="сообщение соседей: не выходит из дома")
        ]
    if name == "Семья Мельниковых":
        return [DemoEntry("appeal", today - dt.timedelta(days=14), note="заявление о помощи в оформлении пособия")]
    if name == "Семья Тарасовых":
        return [DemoEntry("ippsu_approved", today - dt.timedelta(days=6))]
    return []
