"""What follows what: every reaction to a published fact, and every after-commit and after-rollback hook,
registered here and only here (see webapp.events). A subscriber runs inside the publisher's transaction and writes
rows that commit with it (search outbox rows, job rows); an after-commit hook runs once a unit of work has
committed (webapp.uow), an after-rollback hook once a failed one has been rolled back (webapp.errors).

To react to a fact, write a subscriber (a function taking the event) in the area that reacts, and add one line
below. `create_app()` and the worker call `wire()`; calling it again does nothing.
"""

from __future__ import annotations

from webapp.archive.events import CaseDestroyed
from webapp.blobs.events import IntegrityFailed
from webapp.blobs.relocation import resume_relocations
from webapp.blobs.retention import request_retention
from webapp.cases.events import (
    CaseClosed,
    CaseEdited,
    CaseGranted,
    CaseOpened,
    CaseRenumbered,
    HoldReleased,
    HoldSet,
    ResponsibleAssigned,
    RetentionExtended,
)
from webapp.documents.events import (
    DocumentApproved,
    DocumentEdited,
    DocumentMoved,
    DocumentReturned,
    DocumentSubmitted,
    VersionAdded,
)
from webapp.documents.moves import rekey_case
from webapp.events import before_commit, every_ten_minutes, on_commit, on_rollback, subscribe
from webapp.exports.services import purge_expired_exports
from webapp.hearings.events import AgendaSent
from webapp.hearings.filing import file_decisions_back
from webapp.hearings.package import purge_hearing_packages
from webapp.jobs.services import discard_uncommitted_jobs, enqueue_committed_jobs
from webapp.notifications import subscribers as notifications
from webapp.notifications.backups import warn_backup_overdue
from webapp.notifications.deadlines import scan_deadlines_daily
from webapp.notifications.digest import send_digests
from webapp.notifications.mail import send_due_mail
from webapp.previews.services import request_on_rendition_made, request_on_version_added
from webapp.renditions.events import RenditionMade
from webapp.renditions.services import request_rendition
from webapp.search.ocr import request_ocr
from webapp.search.queries import purge_stale_queries
from webapp.search.services import (
    drain_after_commit,
    index_before_commit,
    index_document,
    reindex_case,
    remove_destroyed,
)
from webapp.signing.events import VersionSigned
from webapp.tasks.events import TaskAssigned, TaskClosed
from webapp.tasks.notices import scan_tasks, tell_assigned, tell_closed


def wire() -> None:
    """Register every subscriber and after-commit and after-rollback hook (registering one again does nothing)."""
    # A version was added: its document is indexed again, a PDF copy is made, a scan's text is recognised.
    subscribe(VersionAdded, index_document)
    subscribe(VersionAdded, request_rendition)
    subscribe(VersionAdded, request_ocr)
    # ... and a PDF's or an image's pages are rendered for the viewer (an office document's once it has its PDF
    # copy, below; with AUTO_PREVIEWS off, when someone opens it).
    subscribe(VersionAdded, request_on_version_added)
    # A version's PDF copy was made: its pages are rendered for the viewer from it.
    subscribe(RenditionMade, request_on_rendition_made)
    # A version was signed: the signer's name becomes searchable.
    subscribe(VersionSigned, index_document)
    # A document's title, type or date was corrected: it is indexed again under them.
    subscribe(DocumentEdited, index_document)
    # Retention or hold of a closed case changed: its objects are locked (held, released) in S3 by a job.
    subscribe(CaseClosed, request_retention)
    subscribe(HoldSet, request_retention)
    subscribe(HoldReleased, request_retention)
    subscribe(RetentionExtended, request_retention)
    # A case's details were corrected: where the index keeps them (its district, its number), its documents are
    # indexed again.
    subscribe(CaseEdited, reindex_case)
    # A document was moved to another case: it is indexed under that case. (Its files follow it to the new case's
    # keys: the move itself asks for that, as part of what a move is.)
    subscribe(DocumentMoved, index_document)
    # A case was filed under another nomenclature entry: its files are relocated to its new number's keys.
    subscribe(CaseRenumbered, rekey_case)
    # A case was destroyed by an approved act: its documents leave the index.
    subscribe(CaseDestroyed, remove_destroyed)
    # A hearing's protocol was approved: each case on its agenda receives its signed extract and what its decision
    # starts (a journal entry, a proposal to close, an item planned for a later hearing).
    subscribe(DocumentApproved, file_decisions_back)
    # Who is told (webapp.notifications.subscribers; `notify` adds deputies, never tells the actor or anyone who
    # may not see the case): a document submitted, to the heads; returned or approved, and signed by someone
    # else, to its author; a case opened, assigned or granted to someone, to them; an agenda sent, to the
    # commission's internal members; a fixity check's failures, to the administrators.
    subscribe(DocumentSubmitted, notifications.on_document_submitted)
    subscribe(DocumentReturned, notifications.on_document_returned)
    subscribe(DocumentApproved, notifications.on_document_approved)
    subscribe(VersionSigned, notifications.on_version_signed)
    subscribe(CaseOpened, notifications.on_case_opened)
    subscribe(ResponsibleAssigned, notifications.on_responsible_assigned)
    subscribe(CaseGranted, notifications.on_case_granted)
    subscribe(AgendaSent, notifications.on_agenda_sent)
    subscribe(IntegrityFailed, notifications.on_integrity_failed)
    # A task was given (or given to another colleague, or moved): its assignee is notified; closed: the other party.
    subscribe(TaskAssigned, tell_assigned)
    subscribe(TaskClosed, tell_closed)

    # Just before commit: where the search index is kept in the database, the unit of work's changes to it join
    # its transaction.
    before_commit(index_before_commit)
    # After commit, in this order: new jobs go to the queue, then the search outbox is applied.
    on_commit(enqueue_committed_jobs)
    on_commit(drain_after_commit)
    # After rollback: the jobs the failed unit of work created are not handed to the queue.
    on_rollback(discard_uncommitted_jobs)

    # Every ten minutes in the worker: exports past their time (CASEFILES_EXPORT_TTL_HOURS) are deleted, and the
    # search page's kept words once unused for CASEFILES_SESSION_MINUTES.
    every_ten_minutes(purge_expired_exports)
    every_ten_minutes(purge_stale_queries)
    # ... and files whose relocation a killed or failed job left unfinished are relocated (webapp.blobs.relocation).
    every_ten_minutes(resume_relocations)
    # ... and the members' packages of hearings whose access window ended, or that a newer package replaced.
    every_ten_minutes(purge_hearing_packages)
    # ... and, the first time on each institution day, the open cases' deadlines due soon or missed are announced
    # (webapp.notifications.deadlines).
    every_ten_minutes(scan_deadlines_daily)
    # ... and once a day (the first run of the institution's day): open tasks due soon or overdue are announced.
    every_ten_minutes(scan_tasks)
    # ... and, once a day while a backup is overdue, the administrators are told (webapp.notifications.backups).
    every_ten_minutes(warn_backup_overdue)
    # ... and each user's daily digest by e-mail, once the institution's CASEFILES_DIGEST_HOUR has come
    # (webapp.notifications.digest); then every e-mail a failure left waiting whose next attempt is due.
    every_ten_minutes(send_digests)
    every_ten_minutes(send_due_mail)
