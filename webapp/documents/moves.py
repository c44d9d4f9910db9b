"""Moving a misfiled document, with all its versions, PDF copies and signatures, to another case. Its bytes
never change (signatures cover bytes, not the folder); both cases' histories record the move with its reason;
the document's stored files follow it to the new case's keys (webapp.blobs.relocation)."""

from __future__ import annotations

from sqlalchemy import select

from webapp.auth.models import User
from webapp.blobs.relocation import relocate_documents
from webapp.cases.events import CaseRenumbered
from webapp.cases.lifecycle import record_case_event
from webapp.cases.models import Case
from webapp.cases.permissions import can_write_case
from webapp.cases.services import get_case
from webapp.documents.corrections import case_refusal
from webapp.documents.events import DocumentMoved
from webapp.documents.models import Document
from webapp.documents.services import get_document, require_not_locked
from webapp.events import publish
from webapp.exceptions import Conflict, Forbidden, ValidationError
from webapp.extensions import db
from webapp.validation import require_revision


def move_document(actor: User, document_id: int, case_id: int, reason: str, *, revision: int | None = None) -> Document:
    """Move the document to case `case_id`: both cases must be open, not on hold, and writable by the actor.
    Given the document's `revision` the mover saw, a change made since (another move, say) makes it a 409."""
    document = get_document(actor, document_id)
    source = document.case
    if not can_write_case(actor, source):
        raise Forbidden("Переносить документы может тот, кто работает с делом", code="forbidden")
    target = get_case(actor, case_id)
    if not can_write_case(actor, target):
        raise Forbidden("Нет права добавлять документы в дело, куда переносится документ", code="forbidden")
    reason = reason.strip()
    if not reason:
        raise ValidationError("reason: укажите причину переноса", code="invalid", details=[_field("reason")])
    if target.id == source.id:
        raise Conflict("Документ уже в этом деле", code="same_case")
    require_revision(revision, document.revision, record="документа", required=False)
    require_not_locked(actor, document)  # a working copy taken out by someone else comes back to where it was
    _require_movable(source, "дело, где документ сейчас")
    _require_movable(target, "дело, куда он переносится")
    document.case_id = target.id
    document.case = target
    db.session.flush()  # the document's revision moves on: a concurrent move of it fails (changed_meanwhile)
    change = [{"field": "case", "old": source.number, "new": target.number}]
    record_case_event(actor, source, "document_moved_out", reason, document_id=document.id, changes=change)
    record_case_event(actor, target, "document_moved_in", reason, document_id=document.id, changes=change)
    moved = select(Document.id).where(Document.id == document.id)
    relocate_documents(moved, target.year, target.entry.index, target.sequence)
    publish(DocumentMoved(document.id, source.id, target.id, actor.id))
    return document


def rekey_case(renumbered: CaseRenumbered) -> None:
    """Subscriber: a case whose nomenclature entry was corrected has its files relocated to its new number."""
    case = db.session.get(Case, renumbered.case_id)
    assert case is not None
    documents = select(Document.id).where(Document.case_id == case.id)
    relocate_documents(documents, case.year, case.entry.index, case.sequence)


def _require_movable(case: Case, which: str) -> None:
    refusal = case_refusal(case)
    if refusal is not None:
        raise Conflict(f"Перенос невозможен ({which}): {refusal.message}", code=refusal.code)


def _field(name: str) -> dict[str, str]:
    return {"field": name, "message": "обязательное поле"}
