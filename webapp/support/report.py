"""The statistical report of the department (Appendix 5 of the order), computed from the case files.

Every figure keeps the cases behind it (`Indicator.cases`: case id → how much it adds), so a number on the page
opens the list it was counted from. How each row is counted is written in docs/support.md."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select

from document_templates import load_manifest
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.documents.models import Document, DocumentVersion
from webapp.exceptions import ValidationError
from webapp.extensions import db
from webapp.policy import Action, roles_with
from webapp.support.models import SupportEvent

MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
QUARTERS = ("I квартал", "II квартал", "III квартал", "IV квартал")
WHOLE_YEAR = "I–IV кварталы"
REPORT_TITLE = "Статистический отчёт за"  # + the period's title: the saved document's title
SOCIAL_CONTRACT_ACT = "материально-бытовые условия (социальный контракт)"


@dataclass(frozen=True)
class Period:
    code: str  # 2026-10, 2026-Q3, 2026
    start: dt.date
    end: dt.date
    label: str  # the report form's period: «октябрь», «III квартал», «I–IV кварталы»

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def title(self) -> str:
        return f"{self.label} {self.year} г."


def parse_period(raw: str) -> Period:
    """`YYYY-MM` (a month), `YYYY-Qn` (a quarter) or `YYYY` (the year)."""
    text = (raw or "").strip().upper()
    if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and 2000 <= year <= 2100:
            return Period(text, dt.date(year, month, 1), _month_end(year, month), MONTHS[month - 1])
    elif match := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        year, quarter = int(match[1]), int(match[2])
        if 2000 <= year <= 2100:
            start = dt.date(year, quarter * 3 - 2, 1)
            return Period(text, start, _month_end(year, quarter * 3), QUARTERS[quarter - 1])
    elif re.fullmatch(r"\d{4}", text) and 2000 <= int(text) <= 2100:
        return Period(text, dt.date(int(text), 1, 1), dt.date(int(text), 12, 31), WHOLE_YEAR)
    raise ValidationError("period: укажите месяц (2026-10), квартал (2026-Q3) или год (2026)", code="invalid_period")


def last_quarter(today: dt.date) -> Period:
    quarter = (today.month - 1) // 3
    return parse_period(f"{today.year}-Q{quarter}" if quarter else f"{today.year - 1}-Q4")


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


def _rows() -> tuple[tuple[str, str], ...]:
    """The rows of Appendix 5 as the report form has them: (code, label), `indicator_2_1_1` → `2.1.1`."""
    rows = []
    for spec in load_manifest("statistical_report").fields:
        if spec.name.startswith("indicator_"):
            code = spec.name.removeprefix("indicator_").replace("_", ".")
            rows.append((code, re.sub(r"^\d+(?:\.\d+)*\.?\s*", "", spec.label).rstrip(":").strip()))
    return tuple(rows)


ROWS = _rows()
# Rows the case files cannot know: the head enters them (the staff list is not kept here).
MANUAL_ROWS = frozenset({"1.2", "1.3", "1.4"})
LABELS = dict(ROWS)


def field_name(code: str) -> str:
    """The report form's field of a row: 2.1.1 → indicator_2_1_1."""
    return "indicator_" + code.replace(".", "_")


@dataclass
class Indicator:
    code: str
    value: int = 0
    cases: dict[int, int] = field(default_factory=dict)  # case id → what it adds to the value
    manual: bool = False

    @property
    def label(self) -> str:
        return LABELS[self.code]

    @property
    def depth(self) -> int:
        return self.code.count(".")


@dataclass
class Report:
    period: Period
    indicators: dict[str, Indicator]
    notes: list[str]  # explanations written by the computation (e.g. the disabled by group)

    def __getitem__(self, code: str) -> Indicator:
        return self.indicators[code]


ELDERLY = {"elderly_alone": "2.1.1", "elderly_lonely": "2.1.2", "elderly_in_family": "2.1.3"}
DISABLED = {"disabled_1": "I", "disabled_2": "II", "disabled_3": "III"}
CITIZEN_ROWS = {"minor_at_risk": "2.3", "hardship": "2.4", "migrant": "2.5", "other": "2.6"}
FAMILY_ROWS = {"sop": "3.2", "disabled_children": "3.3", "with_disabled": "3.4", "other": "3.5"}
WITH_CHILDREN = {"with_children", "sop", "disabled_children"}
EVENT_ROWS = {
    ("prevention", "raid"): "11.1",
    ("prevention", "letter"): "11.2",
    ("support_measure", "medical"): "12.1",
    ("support_measure", "psychological"): "12.2",
    ("support_measure", "pedagogical"): "12.3",
    ("support_measure", "legal"): "12.4",
    ("support_measure", "social"): "12.5",
}
YARD_ROWS = {
    "cultural": "13.1",
    "fitness": "13.2",
    "sport": "13.3",
    "tourism": "13.4",
    "volunteer": "13.5",
    "other_event": "13.6",
    "retraining": "13.7",
    "employment": "13.8",
    "other": "13.other",
}
INTAKE_EVENTS = ("appeal", "problem_detected", "home_visit")


def compute_report(period: Period) -> Report:
    rows = {code: Indicator(code, manual=code in MANUAL_ROWS) for code, _ in ROWS}
    notes: list[str] = []
    cases = {case.id: case for case in db.session.scalars(select(Case).where(Case.status != "destroyed"))}
    events = _events(period.end)
    in_period = [event for event in events if event.occurred_on >= period.start]

    specialists = select(func.count(User.id)).where(_takes_cases(), User.is_active.is_(True))
    rows["1.1"].value = db.session.scalar(specialists) or 0

    acts = _acts(period)
    intake = _intake(period, cases.values(), in_period, acts)
    disabled_groups: dict[str, int] = defaultdict(int)
    for case_id in intake:
        case = cases[case_id]
        categories = set(case.subject.get("categories") or ())
        if case.subject.get("kind") == "citizen":
            _count(rows["2"], case_id)
            for category in categories & ELDERLY.keys():
                _count(rows[ELDERLY[category]], case_id)
            if categories & ELDERLY.keys():
                _count(rows["2.1"], case_id)
            if categories & DISABLED.keys():
                _count(rows["2.2"], case_id)
                for category in categories & DISABLED.keys():
                    disabled_groups[DISABLED[category]] += 1
            for category in categories & CITIZEN_ROWS.keys():
                _count(rows[CITIZEN_ROWS[category]], case_id)
        elif case.subject.get("kind") == "family":
            _count(rows["3"], case_id)
            if categories & WITH_CHILDREN:
                _count(rows["3.1"], case_id)
            for category in categories & FAMILY_ROWS.keys():
                _count(rows[FAMILY_ROWS[category]], case_id)
    if disabled_groups:
        groups = ", ".join(f"{group} группа — {disabled_groups[group]}" for group in ("I", "II", "III"))
        notes.append(f"Строка 2.2 по группам инвалидности: {groups}.")

    for event in in_period:
        if event.kind == "home_visit":
            _add(rows["4"], event.case_id)
        elif event.kind == "adaptation_report_sent":
            _add(rows["10"], event.case_id)
        elif event.kind in ("prevention", "support_measure"):
            _add(rows["11" if event.kind == "prevention" else "12"], event.case_id)
            if (event.kind, event.detail) in EVENT_ROWS:
                _add(rows[EVENT_ROWS[event.kind, event.detail]], event.case_id)
        elif event.kind in ("recognized_in_need", "service_ended"):
            total = "7" if event.kind == "recognized_in_need" else "8"
            _count(rows[total], event.case_id)
            if event.detail == "support":
                _count(rows[total + ".1"], event.case_id)
        elif event.kind == "yard_management":
            _count(rows["13"], event.case_id)
            _count(rows[YARD_ROWS[event.detail]], event.case_id)

    for case_id, purpose in acts:
        _add(rows["5" if purpose == SOCIAL_CONTRACT_ACT else "6"], case_id)
    for case_id in _on_service(events, support_only=False):
        _count(rows["9"], case_id)
    for case_id in _on_service(events, support_only=True):
        _count(rows["9.1"], case_id)

    rows["1"].value = sum(rows[code].value for code in ("1.1", "1.2", "1.3", "1.4"))
    return Report(period, rows, notes)


def _count(indicator: Indicator, case_id: int) -> None:
    """Each case once: the row counts people or families."""
    indicator.cases[case_id] = 1
    indicator.value = len(indicator.cases)


def _add(indicator: Indicator, case_id: int) -> None:
    """Each occurrence: the row counts visits, acts, measures."""
    indicator.cases[case_id] = indicator.cases.get(case_id, 0) + 1
    indicator.value += 1


def _events(until: dt.date) -> list[SupportEvent]:
    query = select(SupportEvent).where(SupportEvent.cancelled_at.is_(None), SupportEvent.occurred_on <= until)
    return list(db.session.scalars(query.order_by(SupportEvent.occurred_on, SupportEvent.id)))


def _acts(period: Period) -> list[tuple[int, str]]:
    """Inspection acts dated in the period, with the purpose their latest version gives (scans give none)."""
    latest = (
        select(DocumentVersion.document_id, func.max(DocumentVersion.number).label("number"))
        .group_by(DocumentVersion.document_id)
        .subquery()
    )
    query = (
        select(Document.case_id, DocumentVersion.form_data)
        .join(latest, latest.c.document_id == Document.id)
        .join(
            DocumentVersion,
            (DocumentVersion.document_id == Document.id) & (DocumentVersion.number == latest.c.number),
        )
        .where(
            Document.type == "inspection_act",
            Document.status != "annulled",
            Document.dated_on.between(period.start, period.end),
        )
    )
    return [(case_id, (form_data or {}).get("purpose") or "") for case_id, form_data in db.session.execute(query)]


def _intake(
    period: Period, cases: Iterable[Case], events: list[SupportEvent], acts: list[tuple[int, str]]
) -> list[int]:
    """Families and citizens accepted or examined in the period: their case opened, an appeal or a detected
    problem recorded, a home visit made, or an inspection act drawn up."""
    found = {case.id for case in cases if period.start <= case.opened_on <= period.end}
    found |= {event.case_id for event in events if event.kind in INTAKE_EVENTS}
    found |= {case_id for case_id, _ in acts}
    return sorted(found)


def _on_service(events: list[SupportEvent], *, support_only: bool) -> list[int]:
    """Whose last recognition or removal up to the reporting date was a recognition."""
    last: dict[int, str] = {}
    for event in events:
        if event.kind in ("recognized_in_need", "service_ended") and (not support_only or event.detail == "support"):
            last[event.case_id] = event.kind
    return sorted(case_id for case_id, kind in last.items() if kind == "recognized_in_need")


Correction = tuple[int, str]  # the value the head enters, and why


def report_values(
    report: Report, corrections: dict[str, Correction], *, institution: str, today: dt.date, compiled_by: str
) -> dict[str, object]:
    """The report form's values: the computed figures, with the head's corrections; each change of a computed
    figure needs a reason, and the reasons go into the report's notes with the figure that was computed."""
    notes = list(report.notes)
    figures = {code: indicator.value for code, indicator in report.indicators.items()}
    unknown = [code for code in corrections if code not in report.indicators]
    if unknown:
        raise ValidationError(f"Строки {unknown[0][:10]} в отчёте нет", code="unknown_indicator")
    for code, indicator in report.indicators.items():  # in the order of the form
        if code not in corrections:
            continue
        value, why = corrections[code]
        if value < 0:
            raise ValidationError(f"Строка {code}: значение не может быть отрицательным", code="invalid_value")
        if value == indicator.value and not indicator.manual:
            continue
        if not why and not indicator.manual:
            raise ValidationError(f"Строка {code}: укажите, почему значение исправлено", code="correction_note")
        was = "в системе не ведётся" if indicator.manual else f"рассчитано {indicator.value}"
        notes.append(f"Строка {code}: {was}, указано {value}" + (f" — {why}" if why else "") + ".")
        figures[code] = value
    if "1" not in corrections:
        figures["1"] = sum(figures[code] for code in ("1.1", "1.2", "1.3", "1.4"))
    return {
        "institution_name": institution,
        "period": report.period.label,
        "period_year": report.period.year,
        "report_date": today.isoformat(),
        "compiled_by": compiled_by,
        **{field_name(code): value for code, value in figures.items()},
        "notes": "\n".join(notes),
    }


def _takes_cases() -> ColumnElement[bool]:
    """The department's specialists: the accounts that work cases as their responsible specialist."""
    return User.role.in_(roles_with(Action.TAKE_CASES))
