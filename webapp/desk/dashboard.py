"""The first screen of each role, above the case list: what is waiting for this person now. Each section is a
service function of the area that owns it, asked only of those whose role it concerns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from webapp.archive.common import backlog
from webapp.auth import access_requests
from webapp.auth.deputies import may_take
from webapp.auth.models import AccessRequest, User
from webapp.backups.status import backup_overdue
from webapp.blobs.services import fixity_failures
from webapp.cases.models import Case
from webapp.cases.services import recent_open_cases
from webapp.dbtypes import utcnow
from webapp.documents.checkouts import HeldDocument, stale_checkouts
from webapp.documents.models import Document, DocumentVersion
from webapp.documents.services import recent_versions
from webapp.documents.workflow import approval_queue, own_drafts
from webapp.hearings.filing import CloseProposal, close_proposals
from webapp.policy import Action, allowed
from webapp.support.services import CaseDeadline, department_overdue, own_deadlines
from webapp.tasks.panels import TaskLine, own_tasks

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
    backup_overdue: bool = False  # administrators: no good backup within CASEFILES_BACKUP_MAX_AGE_HOURS
    recent: list[DocumentVersion] = field(default_factory=list)  # the latest versions in the cases they see
    overdue: list[CaseDeadline] = field(default_factory=list)  # specialists: their deadlines missed, not yet met
    due_this_week: list[CaseDeadline] = field(default_factory=list)  # ... and those due by Sunday
    department_overdue: int = 0  # the head: missed deadlines across the department
    access_requests: list[AccessRequest] = field(default_factory=list)  # the head: changes of access to confirm
    password_resets: list[User] = field(default_factory=list)  # the head: passwords an administrator set lately
    stale_checkouts: list[HeldDocument] = field(default_factory=list)  # the head: documents checked out too long
    # The head (every case), a specialist (the cases they are responsible for): a commission removed it from support.
    close_proposals: list[CloseProposal] = field(default_factory=list)
    tasks: list[TaskLine] = field(default_factory=list)  # everyone: their open tasks, the overdue first


def dashboard(actor: User, today: dt.date) -> Dashboard:
    board = Dashboard(tasks=own_tasks(actor, today, LIMIT))
    if allowed(actor, Action.PREPARE_DOCUMENTS):
        if allowed(actor, Action.TAKE_CASES):
            board.open_cases = recent_open_cases(actor, LIMIT)
        board.drafts, board.returned = own_drafts(actor, LIMIT)
    if allowed(actor, Action.TAKE_CASES):
        board.overdue, board.due_this_week = own_deadlines(actor, today)
    if may_take(actor, Action.APPROVE_DOCUMENTS):  # the head, or a deputy in force for the head
        board.awaiting_approval = approval_queue(actor)[:LIMIT]
    if allowed(actor, Action.COMPUTE_REPORT):
        board.department_overdue = department_overdue(actor, today)
    if allowed(actor, Action.CONFIRM_ACCESS_REQUESTS):
        board.access_requests = list(access_requests.pending_requests())
        board.password_resets = list(access_requests.password_reset_notices(actor))
    if allowed(actor, Action.BREAK_CHECKOUTS):
        board.stale_checkouts = stale_checkouts(actor, utcnow())
    if allowed(actor, Action.MANAGE_HEARINGS) or allowed(actor, Action.TAKE_CASES):
        board.close_proposals = close_proposals(actor, LIMIT)
    if allowed(actor, Action.KEEP_ARCHIVE):
        board.closed_not_transferred, board.retention_expired = backlog(today)
    if allowed(actor, Action.SEE_STORAGE):
        board.fixity_failures = fixity_failures()
        board.backup_overdue = backup_overdue()
    if allowed(actor, Action.WRITE_CASES):
        board.recent = recent_versions(actor, LIMIT)
    return board
