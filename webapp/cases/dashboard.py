"""The first screen of each role, above the case list: what is waiting for this person now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from webapp.auth import access_requests
from webapp.auth.models import AccessRequest, User
from webapp.cases.models import Case
from webapp.cases.permissions import readable_cases_clause
from webapp.documents.models import Document, DocumentTransition, DocumentVersion
from webapp.documents.workflow import approval_queue
from webapp.extensions import db
from webapp.policy import Action, allowed
from webapp.support.schemas import DeadlineFilters
from webapp.support.services import CaseDeadline, find_deadlines

LIMIT = 8


@dataclass
class Dashboard:
    open_cases: list[Case] = field(default_factory=list)  # specialists: the open cases they work on
    drafts: list[Document] = field(default_factory=list)  # their documents not yet submitted
    returned: list[Document] = field(default_factory=list)  # sent back by the head for rework
    awaiting_approval: list[Document] = field(default_factory=list)  # the head's queue
    closed_not_transferred: int = 0  # archivists: closed cases still to go into an inventory
    retention_expired: int = 0  # archivists: closed cases past their retention date, not in an act
    fixity_failures: int = 0  # administrators
    recent: list[DocumentVersion] = field(default_factory=list)  # the latest versions in the cases they see
    overdue: list[CaseDeadline] = field(default_factory=list)  # specialists: their deadlines missed, not yet met
    due_this_week: list[CaseDeadline] = field(default_factory=list)  # ... and those due by Sunday
    department_overdue: int = 0  # the head: missed deadlines across the department
    access_requests: list[AccessRequest] = field(default_factory=list)  # the head: changes of access to confirm
    password_resets: list[User] = field(default_factory=list)  # the head: passwords an administrator set lately


def dashboard(actor: User, today: dt.date) -> Dashboard:
    board = Dashboard()
    visible = readable_cases_clause(actor)
    if allowed(actor, Action.PREPARE_DOCUMENTS):
        cases = select(Case).where(Case.status == "open")
        if visible is not None:
            cases = cases.where(visible)
        if allowed(actor, Action.TAKE_CASES):
            board.open_cases = list(db.session.scalars(cases.order_by(Case.created_at.desc()).limit(LIMIT)))
        mine = select(Document).where(Document.created_by_id == actor.id, Document.status == "draft")
        drafts = list(db.session.scalars(mine.order_by(Document.created_at.desc()).limit(LIMIT * 2)))
        returned_ids = _returned(drafts)
        board.returned = [document for document in drafts if document.id in returned_ids][:LIMIT]
        board.drafts = [document for document in drafts if document.id not in returned_ids][:LIMIT]
    if allowed(actor, Action.TAKE_CASES):
        own = find_deadlines(actor, DeadlineFilters(specialist=actor.username, outstanding=True), today)
        sunday = today + dt.timedelta(days=6 - today.weekday())
        board.overdue = [item for item in own if item.deadline.status == "overdue"]
        board.due_this_week = [
            item for item in own if item.deadline.status == "open" and item.deadline.due_on <= sunday
        ]
    if allowed(actor, Action.APPROVE_DOCUMENTS):
        board.awaiting_approval = approval_queue(actor)[:LIMIT]
    if allowed(actor, Action.COMPUTE_REPORT):
        outstanding = find_deadlines(actor, DeadlineFilters(status="overdue", outstanding=True), today)
        board.department_overdue = len(outstanding)
    if allowed(actor, Action.CONFIRM_ACCESS_REQUESTS):
        board.access_requests = list(access_requests.pending_requests())
        board.password_resets = list(access_requests.password_reset_notices(actor))
    if allowed(actor, Action.KEEP_ARCHIVE):
        closed = select(func.count(Case.id)).where(Case.status == "closed")
        board.closed_not_transferred = db.session.scalar(closed) or 0
        expired = select(func.count(Case.id)).where(
            Case.status.in_(("closed", "transferred")),
            Case.retention_until.is_not(None),
            Case.retention_until <= today,
            Case.destruction_act_id.is_(None),
        )
        board.retention_expired = db.session.scalar(expired) or 0
    if allowed(actor, Action.SEE_STORAGE):
        from webapp.blobs.models import StoredFile

        failures = select(func.count()).select_from(StoredFile).where(StoredFile.outcome != "ok")
        board.fixity_failures = db.session.scalar(failures) or 0
    if allowed(actor, Action.WRITE_CASES):
        latest = select(DocumentVersion).join(Document).join(Case).where(Case.status != "destroyed")
        if visible is not None:
            latest = latest.where(visible)
        board.recent = list(db.session.scalars(latest.order_by(DocumentVersion.id.desc()).limit(LIMIT)))
    return board


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
