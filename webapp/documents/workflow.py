"""The approval workflow of a document: draft → on approval → approved, or back to draft with the head's comment;
annulled for good. A new version of a submitted or approved document starts a new draft: the approval and the
signatures stay with the bytes they were given to. Every step is a DocumentTransition and an audit event."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from webapp.audit.services import record_event
from webapp.auth.deputies import acting_principal, require_acting
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.cases.permissions import can_write_case, readable_cases_clause
from webapp.documents.events import (
    ApprovalReset,
    DocumentAnnulled,
    DocumentApproved,
    DocumentReturned,
    DocumentSubmitted,
    DocumentTransitioned,
)
from webapp.documents.models import Document, DocumentTransition
from webapp.events import publish
from webapp.exceptions import Conflict, Forbidden, ValidationError
from webapp.extensions import db
from webapp.policy import Action, require

MIN_COMMENT = 3
PUBLISHED: dict[str, type[DocumentTransitioned]] = {
    "submit": DocumentSubmitted,
    "approve": DocumentApproved,
    "return": DocumentReturned,
    "annul": DocumentAnnulled,
    "new_version": ApprovalReset,
}


def submit(actor: User, document: Document, comment: str = "") -> Document:
    """The author sends the latest version to the head."""
    if not can_write_case(actor, document.case):
        raise Forbidden("Нет права направлять документы этого дела на утверждение")
    _require_open(document)
    _require_status(document, "draft", "На утверждение направляется только черновик")
    return _move(actor, document, "submit", "on_approval", comment)


def approve(actor: User, document: Document, version: int, comment: str = "") -> Document:
    """The head (or their deputy in force) approves the version they have read: naming it guards against approving
    newer, unread bytes."""
    acting_for = _require_approver(actor)
    _require_open(document)
    _require_status(document, "on_approval", "Утвердить можно только документ, направленный на утверждение")
    latest = document.latest_version
    if latest is None or latest.number != version:
        raise Conflict(
            f"На утверждении версия {latest.number if latest else 0}, а не {version}: откройте её и утвердите",
            code="stale_version",
        )
    return _move(actor, document, "approve", "approved", comment, acting_for=acting_for)


def return_for_rework(actor: User, document: Document, comment: str) -> Document:
    acting_for = _require_approver(actor)
    _require_open(document)
    _require_status(document, "on_approval", "Вернуть на доработку можно только документ на утверждении")
    comment = _required(comment, "Укажите, что нужно доработать")
    return _move(actor, document, "return", "draft", comment, acting_for=acting_for)


def annul(actor: User, document: Document, reason: str) -> Document:
    require(actor, Action.APPROVE_DOCUMENTS)  # annulling is the head's own: a deputy takes approvals only
    _require_open(document)
    if document.status == "annulled":
        raise Conflict("Документ уже аннулирован", code="invalid_transition")
    return _move(actor, document, "annul", "annulled", _required(reason, "Укажите причину аннулирования"))


def after_new_version(actor: User, document: Document, comment: str) -> None:
    """A new version resets a submitted or approved document to draft (called once the version is stored)."""
    if document.status in ("on_approval", "approved"):
        _move(actor, document, "new_version", "draft", comment)


def require_not_annulled(document: Document) -> None:
    if document.status == "annulled":
        raise Conflict("Документ аннулирован: новые версии не принимаются", code="document_annulled")


def transitions(document: Document) -> list[DocumentTransition]:
    return list(
        db.session.scalars(
            select(DocumentTransition)
            .where(DocumentTransition.document_id == document.id)
            .order_by(DocumentTransition.occurred_at, DocumentTransition.id)
        ).all()
    )


def transitions_of(documents: Sequence[Document]) -> dict[int, list[DocumentTransition]]:
    """`transitions` of many documents in one query, by document id (every document listed, steps or not)."""
    steps: dict[int, list[DocumentTransition]] = {document.id: [] for document in documents}
    query = select(DocumentTransition).where(DocumentTransition.document_id.in_(list(steps)))
    for step in db.session.scalars(query.order_by(DocumentTransition.occurred_at, DocumentTransition.id)):
        steps[step.document_id].append(step)
    return steps


def approval_queue(actor: User) -> list[Document]:
    """Documents waiting for approval in the cases the actor may read, oldest case first; for a deputy in force,
    those of the principal they approve for (webapp.auth.deputies), which they may read while they wait."""
    approver = acting_principal(actor, Action.APPROVE_DOCUMENTS) or actor
    query = select(Document).join(Document.case).where(Document.status == "on_approval", Case.status == "open")
    clause = readable_cases_clause(approver)
    if clause is not None:
        query = query.where(clause)
    return list(db.session.scalars(query.order_by(Document.id)).unique().all())


def own_drafts(actor: User, limit: int) -> tuple[list[Document], list[Document]]:
    """The actor's latest drafts: those never submitted, and those the head returned for rework."""
    mine = select(Document).where(Document.created_by_id == actor.id, Document.status == "draft")
    drafts = list(db.session.scalars(mine.order_by(Document.created_at.desc()).limit(limit * 2)))
    returned_ids = _returned(drafts)
    returned = [document for document in drafts if document.id in returned_ids][:limit]
    return [document for document in drafts if document.id not in returned_ids][:limit], returned


def _returned(documents: list[Document]) -> set[int]:
    """Which of these drafts are drafts because the head returned them (their last step was «return»)."""
    if not documents:
        return set()
    last_steps = (
        select(DocumentTransition.document_id, func.max(DocumentTransition.id))
        .where(DocumentTransition.document_id.in_([document.id for document in documents]))
        .group_by(DocumentTransition.document_id)
    )
    last_ids = [step_id for _, step_id in db.session.execute(last_steps)]
    returned = select(DocumentTransition.document_id).where(
        DocumentTransition.id.in_(last_ids), DocumentTransition.action == "return"
    )
    return set(db.session.scalars(returned))


def _move(
    actor: User, document: Document, action: str, to_status: str, comment: str, *, acting_for: User | None = None
) -> Document:
    """Record the step; a deputy's step names whom they acted for, in the transition and in the audit event."""
    latest = document.latest_version
    assert latest is not None
    db.session.add(
        DocumentTransition(
            document_id=document.id,
            version_number=latest.number,
            action=action,
            from_status=document.status,
            to_status=to_status,
            actor_id=actor.id,
            acting_for_id=acting_for.id if acting_for else None,
            comment=comment.strip(),
        )
    )
    acting = {"acting_for": acting_for.id} if acting_for else {}
    record_event(
        actor, f"document.{action}", "document", document.id, version=latest.number, status=to_status, **acting
    )
    document.status = to_status
    db.session.flush()
    publish(PUBLISHED[action](document.id, latest.number, actor.id))
    return document


def _require_approver(actor: User) -> User | None:
    """The head approves; so does a deputy in force for them. Returns whom the actor acts for (None: themselves)."""
    return require_acting(actor, Action.APPROVE_DOCUMENTS)


def _require_open(document: Document) -> None:
    if document.case.status != "open":
        raise Conflict("Дело закрыто: состояние документов не меняется", code="case_closed")


def _require_status(document: Document, status: str, message: str) -> None:
    if document.status != status:
        raise Conflict(f"{message} (сейчас: {document.status_label.lower()})", code="invalid_transition")


def _required(text: str, message: str) -> str:
    if len(text.strip()) < MIN_COMMENT:
        raise ValidationError(message, code="comment_required")
    return text.strip()
