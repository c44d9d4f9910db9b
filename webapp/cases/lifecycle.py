"""The archival lifecycle of a case: closing (with its retention date), reopening, legal holds."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.cases.models import Case, CaseEvent
from webapp.cases.permissions import can_close_case, can_reopen_or_hold
from webapp.cases.services import get_case
from webapp.dbtypes import utcnow
from webapp.documents.models import Document
from webapp.exceptions import Conflict, Forbidden, ValidationError
from webapp.extensions import db

MIN_REASON_LENGTH = 5


def retention_until(closed_on: dt.date, retention_years: int | None) -> dt.date | None:
    """Retention counts from 1 January of the year after closing; permanent files (None) never expire."""
    if retention_years is None:
        return None
    return dt.date(closed_on.year + 1 + retention_years, 1, 1)


def close_case(actor: User, case_id: int, closed_on: dt.date, *, today: dt.date | None = None) -> Case:
    case = get_case(actor, case_id)
    if not can_close_case(actor):
        raise Forbidden("Закрывают дело архивариус или заведующий отделением")
    if case.status != "open":
        raise Conflict("Дело уже закрыто", code="case_closed")
    _check_closing_date(case, closed_on, today or dt.date.today())
    case.status = "closed"
    case.closed_on = closed_on
    entry = case.entry
    case.retention_until = retention_until(closed_on, None if entry.is_permanent else entry.retention_years)
    _event(actor, case, "close", "")
    return case


def _check_closing_date(case: Case, closed_on: dt.date, today: dt.date) -> None:
    if closed_on > today:
        raise ValidationError("Дата закрытия не может быть в будущем", code="invalid_closed_on")
    if closed_on < case.opened_on:
        raise ValidationError("Дата закрытия раньше даты открытия дела", code="invalid_closed_on")
    last_document = db.session.scalar(select(func.max(Document.dated_on)).where(Document.case_id == case.id))
    if last_document is not None and closed_on < last_document:
        raise ValidationError(
            f"Дата закрытия раньше даты последнего документа дела ({last_document:%d.%m.%Y})",
            code="invalid_closed_on",
        )


def reopen_case(actor: User, case_id: int, reason: str) -> Case:
    case = get_case(actor, case_id)
    if not can_reopen_or_hold(actor):
        raise Forbidden("Открыть закрытое дело может только архивариус")
    if case.status != "closed":
        raise Conflict("Дело не закрыто", code="case_open")
    case.status, case.closed_on, case.retention_until = "open", None, None
    _event(actor, case, "reopen", _reason(reason))
    return case


def set_legal_hold(actor: User, case_id: int, reason: str) -> Case:
    case = get_case(actor, case_id)
    if not can_reopen_or_hold(actor):
        raise Forbidden("Приостановку уничтожения (legal hold) устанавливает архивариус")
    if case.is_on_hold:
        raise Conflict("Дело уже на удержании", code="already_on_hold")
    case.legal_hold_since = utcnow()
    _event(actor, case, "hold", _reason(reason))
    return case


def release_legal_hold(actor: User, case_id: int, reason: str) -> Case:
    case = get_case(actor, case_id)
    if not can_reopen_or_hold(actor):
        raise Forbidden("Снимает удержание архивариус")
    if not case.is_on_hold:
        raise Conflict("Дело не на удержании", code="not_on_hold")
    case.legal_hold_since = None
    _event(actor, case, "release", _reason(reason))
    return case


def case_history(case: Case) -> list[CaseEvent]:
    """For a case the caller has already been allowed to read."""
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.occurred_at, CaseEvent.id)
    return list(db.session.scalars(query).all())


def current_hold(case: Case) -> CaseEvent | None:
    if not case.is_on_hold:
        return None
    holds = [event for event in case_history(case) if event.action == "hold"]
    return holds[-1] if holds else None


def _reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError("Укажите причину (не короче 5 символов)", code="reason_required")
    return reason


def _event(actor: User, case: Case, action: str, reason: str) -> None:
    event = CaseEvent(case_id=case.id, action=action, reason=reason, actor_id=actor.id)
    db.session.add(event)
    db.session.flush()
    record_event(actor, f"case.{action}", "case", case.id, case_event_id=event.id)
