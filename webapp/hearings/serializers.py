"""The JSON records of commissions, hearings and agenda items, cut for each viewer.

Commissions are the institution's bodies: every user is shown them whole. A hearing is shown to whoever sees it
(webapp.hearings.permissions.can_see_hearing); its items one by one:

- an item the viewer may not see (can_see_item) is its id and position with `"hidden": true`, nothing of its
  case, question or decision;
- an item whose case the viewer sees but does not read (the archivist; a member whose access window has ended)
  is cut by the case's Disclosure to ITEM_METADATA: which case and documents, not the question or the decision;
- whoever reads the case's content gets the whole item.

Case headings, questions and decisions are case data: they are answered here and nowhere else (the audit log
keeps ids, error messages case numbers at most)."""

from __future__ import annotations

from typing import Any

from webapp.auth.models import User
from webapp.cases.serializers import Disclosure, iso
from webapp.hearings.models import (
    Commission,
    CommissionMember,
    Hearing,
    HearingItem,
    HearingItemDocument,
    HearingQuestion,
)
from webapp.hearings.permissions import can_see_item, may_manage

Record = dict[str, Any]

ITEM_METADATA = frozenset(
    {"id", "hearing_id", "position", "hidden", "case", "speaker", "documents", "decided", "planned_on"}
)


def commission_json(commission: Commission, viewer: User) -> Record:
    return {
        "id": commission.id,
        "name": commission.name,
        "kind": commission.kind,
        "kind_label": commission.kind_label,
        "protocols_case_id": commission.protocols_case_id,
        "access_days": commission.access_days,
        "active": commission.active,
        "created_at": commission.created_at.isoformat(),
        "members": [member_json(member) for member in commission.current_members],
        "can_manage": may_manage(viewer, commission),
    }


def member_json(member: CommissionMember) -> Record:
    return {
        "id": member.id,
        "username": member.user.username if member.user is not None else None,
        "name": member.display_name,
        "position": member.position,
        "organization": member.organization,
        "role": member.role,
        "role_label": member.role_label,
        "external": member.is_external,
        "added_at": member.added_at.isoformat(),
    }


def question_json(question: HearingQuestion) -> Record:
    return {"id": question.id, "title": question.title, "active": question.active}


def hearing_json(hearing: Hearing, viewer: User, *, with_items: bool = False) -> Record:
    """A hearing; with its agenda (each item cut for the viewer) when `with_items`."""
    record = {
        "id": hearing.id,
        "commission": {"id": hearing.commission.id, "name": hearing.commission.name, "kind": hearing.commission.kind},
        "number": hearing.number,
        "starts_at": hearing.starts_at.isoformat(),
        "place": hearing.place,
        "status": hearing.status,
        "status_label": hearing.status_label,
        "agenda_sent_at": iso(hearing.agenda_sent_at),
        "held_at": iso(hearing.held_at),
        "access_until": iso(hearing.access_until),
        "protocol_document_id": hearing.protocol_document_id,
        "protocol_approved_at": iso(hearing.protocol_approved_at),
        "package_job_id": hearing.package_job_id,
        "package_built_at": iso(hearing.package_built_at),
        "items_total": len(hearing.items),
        "revision": hearing.revision,
        "can_manage": may_manage(viewer, hearing.commission),
    }
    if with_items:
        shown = Disclosure(viewer)
        record["items"] = [item_json(item, viewer, shown) for item in hearing.items]
    return record


def item_json(item: HearingItem, viewer: User, shown: Disclosure) -> Record:
    if not can_see_item(viewer, item):
        return {"id": item.id, "position": item.position, "hidden": True}
    decided = item.decided_at is not None
    record = {
        "id": item.id,
        "hearing_id": item.hearing_id,
        "position": item.position,
        "hidden": False,
        "case": {"id": item.case.id, "number": item.case.number, "title": item.case.title},
        "question_id": item.question_id,
        "question": item.question,
        "speaker": item.speaker.username if item.speaker is not None else None,
        "documents": [presented_json(presented) for presented in item.documents],
        "decided": decided,
        "decision": _decision_json(item) if decided else None,
        "planned_on": iso(item.planned_on),
        "origin_item_id": item.origin_item_id,
        "extract_document_id": item.extract_document_id,
    }
    return shown.cut(item.case, record, ITEM_METADATA)


def _decision_json(item: HearingItem) -> Record:
    return {
        "kind": item.decision_kind,
        "kind_label": item.decision_label,
        "heard": item.heard,
        "spoke": item.spoke,
        "decision": item.decision,
        "repeat_on": iso(item.repeat_on),
        "decided_by_id": item.decided_by_id,
        "decided_at": iso(item.decided_at),
    }


def presented_json(presented: HearingItemDocument) -> Record:
    document = presented.document
    return {
        "document_id": document.id,
        "title": document.title,
        "type": document.type,
        "dated_on": iso(document.dated_on),
        "version": presented.version.number if presented.version is not None else None,
        "is_new": presented.is_new,
    }


def case_hearing_json(item: HearingItem, viewer: User, shown: Disclosure) -> Record:
    """An item of the case's page «Заседания»: the hearing it is on, and the item."""
    assert item.hearing is not None
    return {"hearing": hearing_json(item.hearing, viewer), "item": item_json(item, viewer, shown)}
