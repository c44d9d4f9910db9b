"""The support journal of a case and the deadlines that follow from it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.cases.permissions import content_cases_clause
from webapp.cases.services import get_case, require_content_access
from webapp.dbtypes import utcnow
from webapp.documents.models import Document
from webapp.documents.services import writable_case
from webapp.exceptions import Conflict, Forbidden, NotFound, ValidationError
from webapp.extensions import db
from webapp.forms.services import create_form_document
from webapp.policy import Action, allowed, require
from webapp.support.calendar import WorkCalendar, load_calendar
from webapp.support.deadlines import DEADLINE_KINDS, STATUSES, Deadline, case_deadlines, load_facts
from webapp.support.models import SupportEvent
from webapp.support.report import (
    REPORT_TITLE,
    Correction,
    Indicator,
    Report,
    compute_report,
    parse_period,
    report_values,
)
from webapp.support.schemas import DeadlineFilters, SupportEventInput


def work_calendar() -> WorkCalendar:
    return load_calendar(current_app.config["CASEFILES"].calendar_file)


def record_support_event(actor: User, case_id: int, data: SupportEventInput, *, today: dt.date) -> SupportEvent:
    case = writable_case(actor, case_id)
    if data.occurred_on > today:
        raise ValidationError("occurred_on: дата ещё не наступила", code="future_date")
    if data.occurred_on < case.opened_on:
        raise ValidationError("occurred_on: раньше открытия дела", code="before_case")
    if data.document_id is not None:
        document = db.session.get(Document, data.document_id)
        if document is None or document.case_id != case.id:
            raise ValidationError("document_id: в этом деле такого документа нет", code="unknown_document")
    event = SupportEvent(
        case_id=case.id,
        kind=data.kind,
        detail=data.detail,
        occurred_on=data.occurred_on,
        note=data.note,
        document_id=data.document_id,
        recorded_by_id=actor.id,
    )
    db.session.add(event)
    db.session.flush()
    record_event(actor, "support.record", "case", case.id, entry=event.id, kind=event.kind)
    return event


def cancel_support_event(actor: User, event_id: int, reason: str) -> SupportEvent:
    """A mistaken entry stays in the journal, struck out with the reason; only its author or the head may."""
    event = db.session.get(SupportEvent, event_id)
    if event is None:
        raise NotFound("Запись журнала не найдена")
    writable_case(actor, event.case_id)
    if actor.id != event.recorded_by_id and not allowed(actor, Action.CANCEL_JOURNAL_ENTRIES):
        raise Forbidden("Отменить запись может её автор или заведующий отделением", code="forbidden")
    if event.cancelled_at is not None:
        raise Conflict("Запись уже отменена", code="already_cancelled")
    event.cancelled_at, event.cancelled_by_id, event.cancel_reason = utcnow(), actor.id, reason
    record_event(actor, "support.cancel", "case", event.case_id, entry=event.id)
    return event


def case_journal(actor: User, case_id: int) -> tuple[Case, list[SupportEvent]]:
    """The journal of a case, newest first; its notes are content, so each read is audited."""
    case = get_case(actor, case_id)
    require_content_access(actor, case)
    record_event(actor, "support.read", "case", case.id)
    query = select(SupportEvent).where(SupportEvent.case_id == case.id)
    return case, list(db.session.scalars(query.order_by(SupportEvent.occurred_on.desc(), SupportEvent.id.desc())))


@dataclass(frozen=True)
class CaseDeadline:
    """A deadline with the case it belongs to (for lists across cases)."""

    case: Case
    deadline: Deadline

    @property
    def pair(self) -> tuple[Case, Deadline]:
        return self.case, self.deadline


def deadlines_of_case(actor: User, case: Case, today: dt.date) -> list[Deadline]:
    require_content_access(actor, case)
    return case_deadlines(load_facts([case])[0], work_calendar(), today)


def find_deadlines(actor: User, filters: DeadlineFilters, today: dt.date) -> list[CaseDeadline]:
    """The deadlines in the cases whose content the actor reads that match the filters, most urgent first."""
    return select_deadlines(all_deadlines(actor, today, case_id=filters.case_id), filters)


def own_deadlines(actor: User, today: dt.date) -> tuple[list[CaseDeadline], list[CaseDeadline]]:
    """The actor's outstanding deadlines: those missed, and those due by this Sunday."""
    own = find_deadlines(actor, DeadlineFilters(specialist=actor.username, outstanding=True), today)
    sunday = today + dt.timedelta(days=6 - today.weekday())
    overdue = [item for item in own if item.deadline.status == "overdue"]
    due = [item for item in own if item.deadline.status == "open" and item.deadline.due_on <= sunday]
    return overdue, due


def department_overdue(actor: User, today: dt.date) -> int:
    """How many deadlines across the cases the actor reads are missed and not yet met."""
    return len(find_deadlines(actor, DeadlineFilters(status="overdue", outstanding=True), today))


def all_deadlines(actor: User, today: dt.date, *, case_id: int | None = None) -> list[CaseDeadline]:
    """Every deadline in the open cases whose content the actor reads (or in one case, open or not)."""
    query = select(Case).where(Case.status == "open") if case_id is None else select(Case).where(Case.id == case_id)
    clause = content_cases_clause(actor)
    if clause is not None:
        query = query.where(clause)
    cases = {case.id: case for case in db.session.scalars(query)}
    workdays = work_calendar()
    found = [
        CaseDeadline(cases[facts.case_id], deadline)
        for facts in load_facts(cases.values())
        for deadline in case_deadlines(facts, workdays, today)
    ]
    return sorted(found, key=lambda item: (item.deadline.due_on, item.case.number, item.deadline.kind))


def select_deadlines(items: Sequence[CaseDeadline], filters: DeadlineFilters) -> list[CaseDeadline]:
    if filters.status is not None and filters.status not in STATUSES:
        raise ValidationError("status: допустимо " + ", ".join(STATUSES), code="invalid_parameter")
    if filters.kind is not None and filters.kind not in DEADLINE_KINDS:
        raise ValidationError("kind: допустимо " + ", ".join(DEADLINE_KINDS), code="invalid_parameter")
    return [item for item in items if _wanted(item, filters)]


def _wanted(item: CaseDeadline, filters: DeadlineFilters) -> bool:
    deadline, case = item.deadline, item.case
    return (
        (filters.case_id is None or case.id == filters.case_id)
        and (filters.district is None or case.district.code == filters.district)
        and (
            filters.specialist is None
            or (case.responsible is not None and case.responsible.username == filters.specialist)
        )
        and (filters.status is None or deadline.status == filters.status)
        and (filters.kind is None or deadline.kind == filters.kind)
        and (filters.due_from is None or deadline.due_on >= filters.due_from)
        and (filters.due_to is None or deadline.due_on <= filters.due_to)
        and (not filters.outstanding or deadline.is_outstanding)
    )


@dataclass
class Tally:
    """Outstanding deadlines of one specialist or district: overdue and due within the week."""

    name: str
    overdue: int = 0
    due_soon: int = 0


def department_tallies(items: Sequence[CaseDeadline], today: dt.date) -> tuple[list[Tally], list[Tally]]:
    """Per responsible specialist and per district, the outstanding deadlines: overdue, due within 7 days."""
    specialists: dict[str, Tally] = {}
    districts: dict[str, Tally] = {}
    soon = today + dt.timedelta(days=7)
    for item in items:
        if not item.deadline.is_outstanding:
            continue
        who = item.case.responsible.full_name if item.case.responsible else "Не назначен"
        for tallies, name in ((specialists, who), (districts, item.case.district.name)):
            tally = tallies.setdefault(name, Tally(name))
            if item.deadline.status == "overdue":
                tally.overdue += 1
            elif item.deadline.due_on <= soon:
                tally.due_soon += 1
    return sorted(specialists.values(), key=_urgency), sorted(districts.values(), key=_urgency)


def _urgency(tally: Tally) -> tuple[int, int, str]:
    return -tally.overdue, -tally.due_soon, tally.name


def department_report(actor: User, period: str) -> Report:
    require(actor, Action.COMPUTE_REPORT)
    return compute_report(parse_period(period))


def indicator_cases(actor: User, report: Report, code: str) -> tuple[Indicator, list[tuple[Case, int]]]:
    """The cases behind one figure of the report, with what each adds to it."""
    indicator = report.indicators.get(code)
    if indicator is None:
        raise NotFound("Такой строки в отчёте нет")
    cases = db.session.scalars(select(Case).where(Case.id.in_(indicator.cases))).all()
    listed = sorted(cases, key=lambda case: case.number)
    record_event(actor, "report.trace", "report", None, period=report.period.code, indicator=code)
    return indicator, [(case, indicator.cases[case.id]) for case in listed]


def save_report(
    actor: User,
    period: str,
    case_id: int,
    corrections: dict[str, Correction],
    *,
    institution: str,
    today: dt.date,
) -> Document:
    """The report as a document of the statistical report form in a case: versioned and signable like any."""
    report = department_report(actor, period)
    writable_case(actor, case_id)
    values = report_values(report, corrections, institution=institution, today=today, compiled_by=actor.full_name)
    document = create_form_document(
        actor,
        case_id,
        "statistical_report",
        values,
        title=f"{REPORT_TITLE} {report.period.title}",
        dated_on=today,
    )
    record_event(actor, "report.save", "document", document.id, period=report.period.code)
    return document
