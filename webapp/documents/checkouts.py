"""Working copies («Взять на редактирование»): a writer of the case takes a document out to edit it outside the
browser; until the holder checks a new version in (any new version of theirs) or cancels, no one else adds a
version or takes it out (423 `locked`, webapp.documents.services.require_not_locked). The head may break someone
else's lock with a reason, kept in the case's history; locks older than CASEFILES_CHECKOUT_STALE_HOURS are listed
on the head's first screen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.cases.lifecycle import record_case_event
from webapp.cases.models import Case
from webapp.cases.permissions import can_write_case, content_cases_clause
from webapp.documents import services, workflow
from webapp.documents.corrections import case_refusal
from webapp.documents.models import Document, DocumentCheckout
from webapp.exceptions import Conflict, Forbidden, ValidationError
from webapp.extensions import db
from webapp.policy import Action, allowed, require


def check_out(actor: User, document_id: int) -> DocumentCheckout:
    """Take the document out for editing; taking out one's own again answers the same check-out."""
    document = services.get_document(actor, document_id)
    if not can_write_case(actor, document.case):
        raise Forbidden("Нет права изменять документы этого дела")
    refusal = case_refusal(document.case)
    if refusal is not None:
        raise refusal
    workflow.require_not_annulled(document)
    held = services.require_not_locked(actor, document)
    if held is not None:
        return held
    checkout = DocumentCheckout(document_id=document.id, holder_id=actor.id)
    db.session.add(checkout)
    db.session.flush()  # two at once: the second is an IntegrityError on the key, a 409
    record_event(actor, "document.checkout", "document", document.id, case_id=document.case_id)
    return checkout


def cancel_checkout(actor: User, document_id: int, reason: str = "") -> None:
    """The holder gives the document back without a new version; the head breaks someone else's lock, with a
    reason recorded in the case's history."""
    document = services.get_document(actor, document_id)
    checkout = current_checkout(document)
    if checkout is None:
        raise Conflict("Документ не на редактировании", code="not_checked_out")
    if checkout.holder_id == actor.id:
        db.session.delete(checkout)
        record_event(actor, "document.checkout_cancel", "document", document.id, case_id=document.case_id)
        return
    require(actor, Action.BREAK_CHECKOUTS)
    reason = reason.strip()
    if not reason:
        raise ValidationError("reason: укажите, почему снимается чужая блокировка", code="reason_required")
    db.session.delete(checkout)
    record_case_event(actor, document.case, "checkout_broken", reason, document_id=document.id)


def current_checkout(document: Document) -> DocumentCheckout | None:
    return db.session.get(DocumentCheckout, document.id)


@dataclass(frozen=True)
class HeldDocument:
    """A document checked out, with its check-out (who, since when)."""

    document: Document
    checkout: DocumentCheckout


def stale_checkouts(actor: User, now: dt.datetime) -> list[HeldDocument]:
    """The check-outs older than CASEFILES_CHECKOUT_STALE_HOURS in the cases whose content the actor reads,
    oldest first."""
    hours: int = current_app.config["CASEFILES"].checkout_stale_hours
    query = (
        select(Document, DocumentCheckout)
        .join(DocumentCheckout, DocumentCheckout.document_id == Document.id)
        .join(Case, Case.id == Document.case_id)
        .where(DocumentCheckout.since < now - dt.timedelta(hours=hours), Case.status != "destroyed")
        .order_by(DocumentCheckout.since)
    )
    readable = content_cases_clause(actor)
    if readable is not None:
        query = query.where(readable)
    return [HeldDocument(document, checkout) for document, checkout in db.session.execute(query).all()]


def may_break(actor: User) -> bool:
    return allowed(actor, Action.BREAK_CHECKOUTS)
