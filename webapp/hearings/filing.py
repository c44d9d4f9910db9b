"""Decisions filed back: when a hearing's protocol is approved, each case on its agenda receives its extract
(«Выписка из протокола заседания», approved and signed «утверждаю» by the head who approved the protocol), and the
decision starts what follows it:

- programme_approved: the journal entry «Утверждена ИППСУ» on the hearing's date, pointing at the extract, from
  which the deadlines that follow (the programme's start within 15 working days, ...) are computed as for any entry;
- remove_from_support: the entry «Снят с социального обслуживания: с социального сопровождения», and the case is
  proposed to close (`close_proposals`) while it stays open;
- repeat_hearing: an item planned for a later hearing of the commission on the date the decision named;
- other: the extract only.

A case that is no longer open accepts no documents or entries (webapp.documents): its item gets nothing, the
audit log records the skip, and `filing_note` says so on the hearing. All of it happens in the approval's
transaction: if any part fails, the protocol is not approved either."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.cases.permissions import readable_cases_clause
from webapp.dbtypes import utcnow
from webapp.documents import workflow
from webapp.documents.events import DocumentApproved
from webapp.documents.models import Document
from webapp.events import publish
from webapp.exceptions import Conflict
from webapp.extensions import db
from webapp.forms.services import create_form_document
from webapp.hearings.events import DecisionsFiledBack
from webapp.hearings.models import Hearing, HearingItem
from webapp.hearings.protocol import hearing_day, institution_name
from webapp.policy import Action, allowed
from webapp.runtime import local_time
from webapp.signing.services import APPROVAL_ROLE, sign_version
from webapp.support.schemas import SupportEventInput
from webapp.support.services import record_support_event

EXTRACT_FORM = "protocol_extract"
# The journal entry each decision adds: (kind, detail).
JOURNAL_ENTRIES = {
    "programme_approved": ("ippsu_approved", ""),
    "remove_from_support": ("service_ended", "support"),
}


def file_decisions_back(approved: DocumentApproved) -> None:
    """Subscriber of DocumentApproved: the approval of a hearing's protocol files its decisions into the cases."""
    hearing = db.session.scalar(select(Hearing).where(Hearing.protocol_document_id == approved.document_id))
    if hearing is None or hearing.status != "held":  # not a protocol, or one already filed back
        return
    actor = db.session.get(User, approved.actor_id) if approved.actor_id is not None else None
    assert actor is not None, "a protocol is approved by a head"
    _require_rendered_after_decisions(hearing)
    filed = []
    for position, item in enumerate(hearing.items, 1):
        if file_item(actor, hearing, item, position):
            filed.append(item.case_id)
    hearing.status, hearing.protocol_approved_at = "protocol_approved", utcnow()
    record_event(actor, "hearing.filed_back", "hearing", hearing.id, cases=len(filed))
    publish(DecisionsFiledBack(hearing.id, tuple(filed), actor.id))


def _require_rendered_after_decisions(hearing: Hearing) -> None:
    """What is approved must be what was decided: a decision changed after the protocol was last rendered asks
    for the protocol to be rendered again."""
    document = hearing.protocol_document
    latest = document.latest_version if document is not None else None
    assert latest is not None
    for position, item in enumerate(hearing.items, 1):
        if item.decided_at is None or item.decided_at > latest.created_at:
            raise Conflict(
                f"Решение по вопросу № {position} изменено после составления протокола: составьте протокол заново",
                code="protocol_outdated",
            )


def file_item(actor: User, hearing: Hearing, item: HearingItem, position: int) -> bool:
    """The item's extract and what its decision starts; False when its case takes nothing any more."""
    case = item.case
    if case.status != "open":
        record_event(actor, "hearing.extract_skipped", "hearing", hearing.id, item=item.id, reason="case_not_open")
        return False
    extract = file_extract(actor, hearing, item, position)
    item.extract_document_id = extract.id
    if item.decision_kind in JOURNAL_ENTRIES:
        item.support_event_id = _journal_entry(actor, hearing, item, extract).id
    elif item.decision_kind == "repeat_hearing":
        _plan_repeat(item)
    return True


def file_extract(actor: User, hearing: Hearing, item: HearingItem, position: int) -> Document:
    """The extract in the item's case: rendered, approved and signed «утверждаю» by the actor, so it verifies like
    any signature and cannot change without a new version that leaves the signed one on record."""
    title = f"Выписка из протокола заседания № {hearing.number} от {hearing_day(hearing):%d.%m.%Y}"
    document = create_form_document(
        actor,
        item.case_id,
        EXTRACT_FORM,
        extract_values(actor, hearing, item, position),
        title=f"{title}: {hearing.commission.name}"[:500],
        dated_on=hearing_day(hearing),
    )
    workflow.submit(actor, document, "Выписка из утверждённого протокола")
    workflow.approve(actor, document, 1, "Выписка из утверждённого протокола")
    sign_version(actor, document.id, 1, APPROVAL_ROLE)
    return document


def extract_values(actor: User, hearing: Hearing, item: HearingItem, position: int) -> dict[str, Any]:
    return {
        "institution": institution_name(),
        "commission": hearing.commission.name,
        "number": hearing.number,
        "hearing_date": hearing_day(hearing).isoformat(),
        "case_number": item.case.number,
        "item_number": position,
        "question": item.question,
        "heard": item.heard,
        "decided": item.decision,
        "certified_by": actor.full_name,
    }


def _journal_entry(actor: User, hearing: Hearing, item: HearingItem, extract: Document) -> Any:
    kind, detail = JOURNAL_ENTRIES[item.decision_kind or ""]
    today = local_time(utcnow()).date()
    # The hearing's date; never ahead of today (a hearing marked held early) nor before the case was opened.
    occurred_on = max(min(hearing_day(hearing), today), item.case.opened_on)
    entry = SupportEventInput(
        kind=kind,
        detail=detail,
        occurred_on=occurred_on,
        note=f"Решение комиссии «{hearing.commission.name}», протокол № {hearing.number}"[:2000],
        document_id=extract.id,
    )
    return record_support_event(actor, item.case_id, entry, today=today)


def _plan_repeat(item: HearingItem) -> HearingItem:
    planned = HearingItem(
        commission_id=item.commission_id,
        hearing_id=None,
        case_id=item.case_id,
        question_id=item.question_id,
        question=item.question,
        speaker_id=item.speaker_id,
        planned_on=item.repeat_on,
        origin_item_id=item.id,
    )
    db.session.add(planned)
    db.session.flush()
    return planned


def filing_note(item: HearingItem) -> str:
    """What the hearing page says of an item of an approved protocol whose case took no extract."""
    hearing = item.hearing
    if hearing is None or hearing.status != "protocol_approved" or item.extract_document_id is not None:
        return ""
    return f"Выписка не подшита: дело {item.case.number} на момент утверждения протокола было закрыто"


# --- cases proposed to close ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseProposal:
    """An open case whose latest decision filed back is its removal from support."""

    case: Case
    item: HearingItem
    hearing: Hearing

    @property
    def decided_on(self) -> dt.date:
        return hearing_day(self.hearing)


def close_proposals(actor: User, limit: int = 50) -> list[CloseProposal]:
    """«Предложено закрыть», a dashboard panel: for the head, every open case they see; for a specialist, the open
    cases they are responsible for; each whose latest filed decision removed it from support."""
    query = (
        select(HearingItem, Hearing)
        .join(Hearing, HearingItem.hearing_id == Hearing.id)
        .join(Case, HearingItem.case_id == Case.id)
        .where(Hearing.status == "protocol_approved", HearingItem.extract_document_id.is_not(None))
        .where(Case.status == "open")
        .order_by(Hearing.starts_at.desc(), HearingItem.id.desc())
    )
    if not allowed(actor, Action.MANAGE_HEARINGS):
        query = query.where(Case.responsible_id == actor.id)
    clause = readable_cases_clause(actor)
    if clause is not None:
        query = query.where(clause)
    latest: dict[int, tuple[HearingItem, Hearing]] = {}
    for item, hearing in db.session.execute(query):
        latest.setdefault(item.case_id, (item, hearing))
    proposals = [
        CloseProposal(item.case, item, hearing)
        for item, hearing in latest.values()
        if item.decision_kind == "remove_from_support"
    ]
    return proposals[:limit]
