"""The archival lifecycle of a case: closing (with its retention date), reopening, legal holds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.cases.events import CaseClosed, CaseReopened, HoldReleased, HoldSet, RetentionExtended
from webapp.cases.models import Case, CaseEvent
from webapp.cases.services import get_case
from webapp.dbtypes import utcnow
from webapp.documents.models import Document
from webapp.events import publish
from webapp.exceptions import Conflict, Forbidden, ValidationError
from webapp.extensions import db
from webapp.nomenclature.models import years_ru
from webapp.policy import Action, allowed, require
from webapp.runtime import local_today

MIN_REASON_LENGTH = 5


def retention_until(closed_on: dt.date, retention_years: int | None) -> dt.date | None:
    """Retention counts from 1 January of the year after closing; permanent files (None) never expire."""
    if retention_years is None:
        return None
    return dt.date(closed_on.year + 1 + retention_years, 1, 1)


def close_case(actor: User, case_id: int, closed_on: dt.date, *, today: dt.date | None = None) -> Case:
    case = get_case(actor, case_id)
    require(actor, Action.CLOSE_CASES)
    if case.status != "open":
        raise Conflict("Дело уже закрыто", code="case_closed")
    _check_closing_date(case, closed_on, today or local_today())
    case.status = "closed"
    case.closed_on = closed_on
    entry = case.entry
    case.retention_until = retention_until(closed_on, None if entry.is_permanent else entry.retention_years)
    record_case_event(actor, case, "close", "")
    publish(CaseClosed(case.id, actor.id))
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
    require(actor, Action.REOPEN_CASES)
    if case.status == "transferred":
        raise Conflict("Дело передано в архив по описи: открыть его нельзя", code="case_transferred")
    if case.status != "closed":
        raise Conflict("Дело не закрыто", code="case_open")
    if case.destruction_act_id is not None:
        raise Conflict("Дело включено в акт о выделении к уничтожению", code="case_in_destruction_act")
    case.status, case.closed_on, case.retention_until = "open", None, None
    record_case_event(actor, case, "reopen", _reason(reason))
    publish(CaseReopened(case.id, actor.id))
    return case


def set_legal_hold(actor: User, case_id: int, reason: str) -> Case:
    case = get_case(actor, case_id)
    require(actor, Action.SET_HOLDS)
    if case.is_on_hold:
        raise Conflict("Дело уже на удержании", code="already_on_hold")
    if case.status == "destroyed":
        raise Conflict("Дело уже уничтожено", code="case_destroyed")
    case.legal_hold_since = utcnow()
    record_case_event(actor, case, "hold", _reason(reason))
    publish(HoldSet(case.id, actor.id))
    return case


def release_legal_hold(actor: User, case_id: int, reason: str) -> Case:
    case = get_case(actor, case_id)
    if not allowed(actor, Action.SET_HOLDS):
        raise Forbidden("Снимает удержание архивариус")
    if not case.is_on_hold:
        raise Conflict("Дело не на удержании", code="not_on_hold")
    case.legal_hold_since = None
    record_case_event(actor, case, "release", _reason(reason))
    publish(HoldReleased(case.id, actor.id))
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


def record_case_event(
    actor: User,
    case: Case,
    action: str,
    reason: str,
    *,
    document_id: int | None = None,
    changes: list[dict[str, Any]] | None = None,
) -> CaseEvent:
    """A step of the case's history, and its audit event. The old and new values of `changes` stay in the
    history (they are case data); the audit log gets the ids and the names of the fields changed."""
    event = CaseEvent(
        case_id=case.id, action=action, reason=reason, actor_id=actor.id, document_id=document_id, changes=changes
    )
    db.session.add(event)
    db.session.flush()
    extra: dict[str, Any] = {"case_event_id": event.id}
    if document_id is not None:
        extra["document_id"] = document_id
    if changes:
        extra["fields"] = [change["field"] for change in changes]
    record_event(actor, f"case.{action}", "case", case.id, **extra)
    return event


EXPERT_DECISIONS = ("destroy", "extend")


def record_expert_review(
    actor: User, case_id: int, decision: str, protocol: str, *, extend_years: int | None = None, today: dt.date
) -> Case:
    """The expert commission's (ЭК) decision on a closed ЭПК file: it may be destroyed, or it is kept longer.
    `protocol` cites the commission's minutes; it is kept in the case history."""
    case = get_case(actor, case_id)
    if not allowed(actor, Action.KEEP_ARCHIVE):
        raise Forbidden("Отметку экспертной комиссии вносит архивариус")
    if case.status not in ("closed", "transferred"):
        raise Conflict("Экспертиза ценности проводится для закрытых дел", code="case_not_closed")
    if case.retention_until is None:
        raise Conflict("Дело постоянного хранения не уничтожается", code="case_permanent")
    if decision not in EXPERT_DECISIONS:
        raise ValidationError("decision: destroy или extend", code="invalid_decision")
    protocol = _reason(protocol)
    if decision == "destroy":
        case.expert_review_on = today
        record_case_event(actor, case, "expert_review", f"Уничтожить. {protocol}")
        return case
    if extend_years is None or not 1 <= extend_years <= 50:
        raise ValidationError("Укажите, на сколько лет продлить хранение (1–50)", code="invalid_extend_years")
    if case.destruction_act_id is not None:
        raise Conflict("Дело включено в акт о выделении к уничтожению", code="case_in_destruction_act")
    case.retention_until = case.retention_until.replace(year=case.retention_until.year + extend_years)
    case.expert_review_on = None
    record_case_event(actor, case, "expert_review", f"Продлить хранение на {years_ru(extend_years)}. {protocol}")
    publish(RetentionExtended(case.id, actor.id))
    return case
