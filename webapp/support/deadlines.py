"""Deadlines of the support algorithm, computed from what a case records (DOMAIN.md, «Deadlines»).

Nothing here is stored: each deadline follows from the journal entries and documents of a case, the working-day
calendar and today's date, so it can never disagree with them. `case_deadlines` is pure; `load_facts` reads the
facts of many cases with a few queries."""

from __future__ import annotations

import calendar as monthdays
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from webapp.cases.models import Case
from webapp.cases.schemas import MONTHLY_CONTACT_CATEGORIES
from webapp.documents.models import Document, DocumentVersion
from webapp.extensions import db
from webapp.runtime import local_time
from webapp.support.calendar import WorkCalendar
from webapp.support.models import SupportEvent

DEADLINE_KINDS = {
    "information": "Сбор и анализ информации о проблеме (3 рабочих дня)",
    "ippsu_proposals": "Предложения в проект ИППСУ (5 рабочих дней от обращения)",
    "ippsu_start": "Начало реализации ИППСУ (15 рабочих дней от утверждения)",
    "family_passport": "Обновление социального паспорта семьи (раз в полгода)",
    "district_passport": "Обновление социального паспорта участка (раз в полгода)",
    "monthly_contact": "Ежемесячный контакт с гражданином «55+» или инвалидом",
    "effectiveness": "Оценка эффективности программы (ежеквартально)",
    "rehabilitation": "Реабилитация «Семейный психолог» (6–12 месяцев)",
}
STATUSES = {"open": "Ожидается", "met": "Выполнено", "overdue": "Просрочено", "early": "Завершено раньше 6 месяцев"}


@dataclass(frozen=True)
class Fact:
    """An entry of the journal or a document: what may start or meet a deadline."""

    source: str  # "event" | "document"
    id: int
    kind: str  # the event's kind or the document's type
    on: dt.date
    title: str = ""


@dataclass
class CaseFacts:
    case_id: int
    subject_kind: str
    categories: frozenset[str]
    opened_on: dt.date
    closed_on: dt.date | None
    facts: list[Fact] = field(default_factory=list)
    contacts_from: dt.date | None = None  # monthly contacts are owed from then (default: the case's opening)

    def of(self, *kinds: str) -> list[Fact]:
        return sorted((fact for fact in self.facts if fact.kind in kinds), key=lambda fact: (fact.on, fact.id))


@dataclass(frozen=True)
class Deadline:
    case_id: int
    kind: str
    starts_on: dt.date  # the fact that set it running
    due_on: dt.date
    status: str
    met_by: Fact | None = None
    earliest_on: dt.date | None = None  # rehabilitation: not to end before this
    started_by: Fact | None = None

    @property
    def kind_label(self) -> str:
        return DEADLINE_KINDS[self.kind]

    @property
    def status_label(self) -> str:
        if self.status == "overdue" and self.met_by is not None:
            return "Выполнено с опозданием"
        return STATUSES[self.status]

    @property
    def met_on(self) -> dt.date | None:
        return self.met_by.on if self.met_by else None

    @property
    def is_outstanding(self) -> bool:
        """Still to be done: open, or overdue and not done yet."""
        return self.met_by is None and self.status in ("open", "overdue")


# Working-day deadlines: kind → (the fact that starts it, days, the facts that meet it).
WORKING_DAY_RULES = {
    "information": ("problem_detected", 3, ("information_collected", "inspection_act", "family_passport")),
    "ippsu_proposals": ("appeal", 5, ("ippsu_proposals",)),
    "ippsu_start": ("ippsu_approved", 15, ("ippsu_started",)),
}
HALF_YEAR = 6
QUARTER = 3
RENEWED_DOCUMENTS = ("family_passport", "district_passport")  # renewed every half-year


def case_deadlines(case: CaseFacts, workdays: WorkCalendar, today: dt.date) -> list[Deadline]:
    deadlines: list[Deadline] = []
    for kind, (start_kind, days, meeting) in WORKING_DAY_RULES.items():
        for start in case.of(start_kind):
            met = _first_on_or_after(case.of(*meeting), start.on)
            due = workdays.add_working_days(start.on, days)
            deadlines.append(_judged(case.case_id, kind, start, due, met, today))
    for kind in RENEWED_DOCUMENTS:  # the deadline is named after the passport it renews
        deadlines += _renewals(case, kind, case.of(kind), HALF_YEAR, today, case.closed_on)
    deadlines += _effectiveness(case, today)
    deadlines += _monthly_contacts(case, today)
    deadlines += _rehabilitation(case, today)
    return sorted(deadlines, key=lambda deadline: (deadline.due_on, deadline.kind))


def _judged(
    case_id: int,
    kind: str,
    start: Fact,
    due: dt.date,
    met: Fact | None,
    today: dt.date,
    earliest: dt.date | None = None,
) -> Deadline:
    if met is not None and earliest is not None and met.on < earliest:
        status = "early"
    elif met is not None:
        status = "met" if met.on <= due else "overdue"
    else:
        status = "overdue" if today > due else "open"
    return Deadline(case_id, kind, start.on, due, status, met, earliest, start)


def _first_on_or_after(facts: Sequence[Fact], day: dt.date) -> Fact | None:
    return next((fact for fact in facts if fact.on >= day), None)


def _renewals(
    case: CaseFacts, kind: str, facts: list[Fact], months: int, today: dt.date, ends_on: dt.date | None
) -> list[Deadline]:
    """«At least every N months»: each fact is due again N months later, met by the next one. The first fact
    starts the chain; once the case has ended, a renewal that was not yet due is no longer owed."""
    deadlines = []
    for index, start in enumerate(facts):
        following = facts[index + 1] if index + 1 < len(facts) else None
        due = add_months(start.on, months)
        if following is None and ends_on is not None and ends_on <= due:
            break
        deadlines.append(_judged(case.case_id, kind, start, due, following, today))
    return deadlines


def _effectiveness(case: CaseFacts, today: dt.date) -> list[Deadline]:
    """Quarterly assessment of a programme while it runs: from its start until the recipient leaves support."""
    started = case.of("ippsu_started")
    if not started:
        return []
    first = started[0]
    ended = _first_on_or_after(case.of("service_ended"), first.on)
    ends_on = min((day for day in (ended.on if ended else None, case.closed_on) if day is not None), default=None)
    assessments = [fact for fact in case.of("effectiveness_assessed", "ippsu_conclusion") if fact.on > first.on]
    return _renewals(case, "effectiveness", [first, *assessments], QUARTER, today, ends_on)


def _monthly_contacts(case: CaseFacts, today: dt.date) -> list[Deadline]:
    if case.subject_kind != "citizen" or not case.categories & MONTHLY_CONTACT_CATEGORIES:
        return []
    contacts = case.of("contact", "home_visit")
    last = min(today, case.closed_on) if case.closed_on else today
    deadlines = []
    month = max(case.opened_on, case.contacts_from or case.opened_on).replace(day=1)
    while month <= last:
        end = month.replace(day=monthdays.monthrange(month.year, month.month)[1])
        met = next((fact for fact in contacts if month <= fact.on <= end), None)
        start = Fact("case", case.case_id, "month", month)
        deadlines.append(_judged(case.case_id, "monthly_contact", start, end, met, today))
        month = end + dt.timedelta(days=1)
    return deadlines


def _rehabilitation(case: CaseFacts, today: dt.date) -> list[Deadline]:
    deadlines = []
    for start in case.of("rehabilitation_started"):
        earliest, due = add_months(start.on, 6), add_months(start.on, 12)
        completed = _first_on_or_after(case.of("rehabilitation_completed"), start.on)
        deadlines.append(_judged(case.case_id, "rehabilitation", start, due, completed, today, earliest))
    return deadlines


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day when it is shorter (31 August + 6 → 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, monthdays.monthrange(year, month + 1)[1]))


# Which journal entries and documents count as facts (annulled documents and cancelled entries do not).
FACT_EVENT_KINDS = frozenset(
    {kind for rule in WORKING_DAY_RULES.values() for kind in (rule[0], *rule[2])}
    | {"service_ended", "ippsu_started", "effectiveness_assessed", "contact", "home_visit"}
    | {"rehabilitation_started", "rehabilitation_completed"}
)
FACT_DOCUMENT_TYPES = ("inspection_act", "family_passport", "district_passport", "ippsu_conclusion")


def load_facts(cases: Iterable[Case]) -> list[CaseFacts]:
    """The facts of these cases: their journal entries, dated documents and passport versions, in three queries."""
    by_id = {
        case.id: CaseFacts(
            case.id,
            case.subject.get("kind", ""),
            frozenset(case.subject.get("categories") or ()),
            case.opened_on,
            case.closed_on,
            contacts_from=_date(case.subject.get("contacts_from")),
        )
        for case in cases
    }
    if not by_id:
        return []
    facts: dict[int, list[Fact]] = defaultdict(list)
    events = select(SupportEvent).where(
        SupportEvent.case_id.in_(by_id), SupportEvent.cancelled_at.is_(None), SupportEvent.kind.in_(FACT_EVENT_KINDS)
    )
    for event in db.session.scalars(events):
        facts[event.case_id].append(Fact("event", event.id, event.kind, event.occurred_on, event.label))
    documents = select(Document.id, Document.case_id, Document.type, Document.dated_on, Document.title).where(
        Document.case_id.in_(by_id),
        Document.type.in_(FACT_DOCUMENT_TYPES),
        Document.dated_on.is_not(None),
        Document.status != "annulled",
    )
    found = {row[0]: row for row in db.session.execute(documents)}
    for document_id, case_id, kind, dated_on, title in found.values():
        if dated_on is not None:
            facts[case_id].append(Fact("document", document_id, kind, dated_on, title))
    # A passport is updated by a new version of it: the day that version was recorded.
    updates = select(DocumentVersion.document_id, DocumentVersion.created_at).where(
        DocumentVersion.document_id.in_([row[0] for row in found.values() if row[2] in RENEWED_DOCUMENTS]),
        DocumentVersion.number > 1,
    )
    for document_id, created_at in db.session.execute(updates):
        _, case_id, kind, _, title = found[document_id]
        day = local_time(created_at).date()  # the institution's day, as local_today() counts
        if day not in {fact.on for fact in facts[case_id] if fact.id == document_id}:
            facts[case_id].append(Fact("document", document_id, kind, day, title))
    for case_id, case_facts in by_id.items():
        case_facts.facts = facts[case_id]
    return list(by_id.values())


def _date(raw: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None
