"""Who is told of what: each function reacts to one published fact (registered in webapp.wiring) by naming the
people concerned and calling `notify`, which adds their deputies in force and leaves out the actor, inactive users,
users who may not see the case and kinds turned off. The daily deadline check is webapp.notifications.deadlines.

A document's author is the user who created it (`Document.created_by`: its drafts are theirs, the dashboard lists
them as returned) and, for a decision on it, also whoever submitted the version decided on when that was someone
else (they are the one waiting for the answer)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from webapp.auth.models import User
from webapp.blobs.events import IntegrityFailed
from webapp.cases.events import CaseGranted, CaseOpened, ResponsibleAssigned
from webapp.cases.models import Case
from webapp.documents.events import DocumentApproved, DocumentReturned, DocumentSubmitted, DocumentTransitioned
from webapp.documents.models import Document, DocumentTransition
from webapp.extensions import db
from webapp.hearings.events import AgendaSent
from webapp.hearings.models import Hearing
from webapp.notifications.services import notify
from webapp.policy import Action, roles_with
from webapp.runtime import local_time
from webapp.signing.events import VersionSigned

DATE_FORMAT = "%d.%m.%Y"  # dates in params: the institution's, as pages print them


def users_who_may(action: Action) -> list[User]:
    """The active users whose role may take `action` (policy.roles_with); whether each sees a given case is
    `notify`'s to check."""
    query = select(User).where(User.is_active.is_(True), User.role.in_(roles_with(action)))
    return list(db.session.scalars(query.order_by(User.id)))


# --- documents -----------------------------------------------------------------------------------------------


def on_document_submitted(event: DocumentSubmitted) -> None:
    """To those who approve documents and see the case (the heads, and their deputies)."""
    document = db.session.get_one(Document, event.document_id)
    _tell_about(document, "document_submitted", users_who_may(Action.APPROVE_DOCUMENTS), event.actor_id)


def on_document_returned(event: DocumentReturned) -> None:
    _tell_author(event, "document_returned")


def on_document_approved(event: DocumentApproved) -> None:
    _tell_author(event, "document_approved")


def on_version_signed(event: VersionSigned) -> None:
    """To the document's author, when someone else signed (`notify` never tells the signer)."""
    document = db.session.get_one(Document, event.document_id)
    _tell_about(document, "version_signed", [_creator(document)], event.actor_id)


def _tell_author(event: DocumentTransitioned, kind: str) -> None:
    document = db.session.get_one(Document, event.document_id)
    authors = [_creator(document)]
    submitter = _submitter(document.id, event.version_number)
    if submitter is not None:
        authors.append(submitter)
    _tell_about(document, kind, authors, event.actor_id)


def _creator(document: Document) -> User:
    return db.session.get_one(User, document.created_by_id)


def _submitter(document_id: int, version_number: int) -> User | None:
    """Who last submitted this version of the document (None when nobody did)."""
    query = (
        select(User)
        .join(DocumentTransition, DocumentTransition.actor_id == User.id)
        .where(
            DocumentTransition.document_id == document_id,
            DocumentTransition.version_number == version_number,
            DocumentTransition.action == "submit",
        )
        .order_by(DocumentTransition.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def _tell_about(document: Document, kind: str, recipients: Iterable[User], actor_id: int | None) -> None:
    notify(kind, recipients, actor_id=actor_id, case=document.case, document_id=document.id)


# --- cases -----------------------------------------------------------------------------------------------------


def on_case_opened(event: CaseOpened) -> None:
    """To the responsible specialist named when the case was opened, unless they opened it themselves."""
    case = db.session.get_one(Case, event.case_id)
    if case.responsible is not None:
        notify("case_assigned", [case.responsible], actor_id=event.actor_id, case=case)


def on_responsible_assigned(event: ResponsibleAssigned) -> None:
    _tell_user_of_case(event.case_id, event.user_id, event.actor_id)


def on_case_granted(event: CaseGranted) -> None:
    _tell_user_of_case(event.case_id, event.user_id, event.actor_id)


def _tell_user_of_case(case_id: int, user_id: int, actor_id: int | None) -> None:
    case = db.session.get_one(Case, case_id)
    notify("case_assigned", [db.session.get_one(User, user_id)], actor_id=actor_id, case=case)


# --- hearings and storage ------------------------------------------------------------------------------------------


def on_agenda_sent(event: AgendaSent) -> None:
    """To the commission's internal members (users); external members get their links from the secretary."""
    hearing = db.session.get_one(Hearing, event.hearing_id)
    members = [member.user for member in hearing.commission.current_members if member.user is not None]
    params = {"number": hearing.number or "б/н", "date": local_time(hearing.starts_at).strftime(DATE_FORMAT)}
    notify("agenda_sent", members, actor_id=event.actor_id, hearing_id=hearing.id, params=params)


def on_integrity_failed(event: IntegrityFailed) -> None:
    """To those who see the storage (the administrators): how many files failed, never which."""
    admins = users_who_may(Action.SEE_STORAGE)
    notify("integrity_failed", admins, actor_id=event.actor_id, params={"count": event.count})
