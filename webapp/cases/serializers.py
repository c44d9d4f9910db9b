"""What of a case each viewer is shown, and the records of cases and grants cut for them.

A viewer who reads a case's content (webapp.cases.permissions.can_read_case) gets the whole record. A viewer who
only sees the case (the archivist: every case's metadata, no content unless granted) gets the fields named in the
allow-lists beside each record and nothing else, so a field added to a record later stays hidden from them until
someone decides there that it is metadata. Whom a case is about (name, address, note, categories), comments,
reasons typed as free text, the names of those who signed a paper original, form values and text are content.

Search hits, the support journal and deadlines are content as a whole: their services answer only within the cases
whose content the viewer reads (permissions.search_scope, content_cases_clause, require_content_access).

The records of what is in a case live with their areas (documents/serializers.py: documents, versions,
workflow steps; signing/serializers.py: signatures); each names its metadata fields beside the record and goes
through `Disclosure.cut`, the one place that cuts per viewer."""

from __future__ import annotations

from typing import Any

from webapp.auth.models import User
from webapp.cases.models import Case, CaseEvent, CaseGrant
from webapp.cases.permissions import content_reader

Record = dict[str, Any]

CASE_METADATA = frozenset(
    {
        "id",
        "number",
        "nomenclature_index",
        "nomenclature_title",
        "year",
        "title",
        "district",
        "responsible",
        "status",
        "opened_on",
        "closed_on",
        "retention_until",
        "permanent",
        "legal_hold",
        "legal_hold_since",
        "epk",
        "expert_review_on",
        "inventory_id",
        "transferred_on",
        "destruction_act_id",
        "destroyed_on",
        "content_access",
        "documents",
        "revision",
        "former_numbers",
    }
)
# A history step without its content: what was done, by whom, when, to which document, and the names of the
# fields a correction changed (their old and new values, like the reason, are content).
HISTORY_METADATA = frozenset({"action", "actor", "at", "document_id", "changes"})
GRANT_METADATA = frozenset(
    {"id", "case_id", "username", "full_name", "role", "granted_by", "granted_at", "expires_at", "hearing_id"}
)


class Disclosure:
    """One viewer's view of cases. Their grants are read once, so a list of cases costs one query more, not one
    a case."""

    def __init__(self, viewer: User) -> None:
        self._reads = content_reader(viewer)

    def shows_content(self, case: Case) -> bool:
        return self._reads(case)

    def cut(self, case: Case, record: Record, metadata: frozenset[str]) -> Record:
        """`record` (of `case` or of something in it) as this viewer is shown it."""
        if self.shows_content(case):
            return record
        return {key: value for key, value in record.items() if key in metadata}


def case_json(case: Case, shown: Disclosure) -> Record:
    record = {
        "id": case.id,
        "number": case.number,
        "nomenclature_index": case.entry.index,
        "nomenclature_title": case.entry.title,
        "year": case.year,
        "title": case.title,
        "district": case.district.code,
        "subject": case.subject,
        "responsible": case.responsible.username if case.responsible else None,
        "status": case.status,
        "opened_on": iso(case.opened_on),
        "closed_on": iso(case.closed_on),
        "retention_until": iso(case.retention_until),
        "permanent": case.entry.is_permanent,
        "legal_hold": case.is_on_hold,
        "legal_hold_since": iso(case.legal_hold_since),
        "epk": case.entry.is_epk,
        "expert_review_on": iso(case.expert_review_on),
        "inventory_id": case.inventory_id,
        "transferred_on": iso(case.transferred_on),
        "destruction_act_id": case.destruction_act_id,
        "destroyed_on": iso(case.destroyed_on),
        "content_access": shown.shows_content(case),
        "revision": case.revision,
        "former_numbers": [former.number for former in case.former_numbers],
    }
    return shown.cut(case, record, CASE_METADATA)


def history_json(event: CaseEvent, case: Case, shown: Disclosure) -> Record:
    """A step of the case's history (webapp.cases.lifecycle.case_history)."""
    changes = event.changes or []
    record = {
        "action": event.action,
        "reason": event.reason,
        "actor": event.actor.username,
        "actor_name": event.actor.full_name,
        "at": event.occurred_at.isoformat(),
        "document_id": event.document_id,
        "changes": changes,
    }
    if not shown.shows_content(case):
        record["changes"] = [{"field": change["field"]} for change in changes]
    return shown.cut(case, record, HISTORY_METADATA)


def grant_json(grant: CaseGrant, case: Case, shown: Disclosure) -> Record:
    """Who may read `case` beyond their role; the reason given is free text."""
    record = {
        "id": grant.id,
        "case_id": grant.case_id,
        "username": grant.user.username,
        "full_name": grant.user.full_name,
        "role": grant.user.role,
        "reason": grant.reason,
        "granted_by": grant.granted_by.username,
        "granted_at": grant.granted_at.isoformat(),
        "expires_at": iso(grant.expires_at),
        "hearing_id": grant.hearing_id,
    }
    return shown.cut(case, record, GRANT_METADATA)


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
