"""What of a case each viewer is shown: the records of cases, documents, versions, signatures, workflow steps and
grants that the API answers with and the case page renders. The one place that cuts them per viewer.

A viewer who reads a case's content (webapp.cases.permissions.can_read_case) gets the whole record. A viewer who
only sees the case (the archivist: every case's metadata, no content unless granted) gets the fields named in the
allow-lists below and nothing else, so a field added to a record later stays hidden from them until someone decides
here that it is metadata. Whom a case is about (name, address, note, categories), comments, reasons typed as free
text, the names of those who signed a paper original, form values and text are content.

Search hits, the support journal and deadlines are content as a whole: their services answer only within the cases
whose content the viewer reads (permissions.search_scope, content_cases_clause, require_content_access)."""

from __future__ import annotations

from typing import Any

from webapp.auth.models import User
from webapp.cases.models import Case, CaseGrant
from webapp.cases.permissions import content_reader
from webapp.documents.models import Document, DocumentTransition, DocumentVersion
from webapp.signing.models import Signature
from webapp.signing.services import Verdict

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
    }
)
DOCUMENT_METADATA = frozenset({"id", "case_id", "title", "type", "date", "status", "versions"})
VERSION_METADATA = frozenset(
    {
        "number",
        "sha256",
        "size",
        "media_type",
        "created_at",
        "author",
        "author_name",
        "template",
        "status",
        "signatures",
        "signed_on_paper",
    }
)
# Electronic signatures are made by the department's staff, in the roles of the form's signature blocks.
SIGNATURE_METADATA = frozenset(
    {
        "id",
        "document_id",
        "version",
        "signer",
        "signer_username",
        "role",
        "signed_at",
        "algorithm",
        "certificate_sha256",
        "certificate_serial",
        "valid",
        "status",
        "reason",
    }
)
TRANSITION_METADATA = frozenset({"version", "action", "from_status", "to_status", "actor", "actor_name", "at"})
GRANT_METADATA = frozenset({"id", "case_id", "username", "full_name", "role", "granted_by", "granted_at"})


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
        "opened_on": _iso(case.opened_on),
        "closed_on": _iso(case.closed_on),
        "retention_until": _iso(case.retention_until),
        "permanent": case.entry.is_permanent,
        "legal_hold": case.is_on_hold,
        "legal_hold_since": _iso(case.legal_hold_since),
        "epk": case.entry.is_epk,
        "expert_review_on": _iso(case.expert_review_on),
        "inventory_id": case.inventory_id,
        "transferred_on": _iso(case.transferred_on),
        "destruction_act_id": case.destruction_act_id,
        "destroyed_on": _iso(case.destroyed_on),
        "content_access": shown.shows_content(case),
    }
    return shown.cut(case, record, CASE_METADATA)


def case_with_documents_json(case: Case, documents: list[Document], shown: Disclosure) -> Record:
    return {**case_json(case, shown), "documents": [document_json(document, shown) for document in documents]}


def document_json(document: Document, shown: Disclosure) -> Record:
    record = {
        "id": document.id,
        "case_id": document.case_id,
        "title": document.title,
        "type": document.type,
        "date": _iso(document.dated_on),
        "status": document.status,
        "versions": [version_json(version, shown) for version in document.versions],
    }
    return shown.cut(document.case, record, DOCUMENT_METADATA)


def version_json(version: DocumentVersion, shown: Disclosure) -> Record:
    record = {
        "number": version.number,
        "sha256": version.sha256,
        "size": version.size,
        "media_type": version.media_type,
        "created_at": version.created_at.isoformat(),
        "author": version.author.username,
        "author_name": version.author.full_name,
        "comment": version.comment,
        "template": (
            {"id": version.template_version.template.code, "version": version.template_version.number}
            if version.template_version
            else None
        ),
        "status": version.document.version_status(version),
        "signatures": [signature_json(signature, shown) for signature in version.signatures],
        "signed_on_paper": version.signed_on_paper,
        "paper_signatures": [{"name": paper.name, "role": paper.role} for paper in version.paper_signatures],
    }
    return shown.cut(version.document.case, record, VERSION_METADATA)


def signature_json(signature: Signature, shown: Disclosure, verdict: Verdict | None = None) -> Record:
    record: Record = {
        "id": signature.id,
        "document_id": signature.version.document_id,
        "version": signature.version.number,
        "signer": signature.signer.full_name,
        "signer_username": signature.signer.username,
        "role": signature.role,
        "signed_at": signature.signed_at.isoformat(),
        "algorithm": signature.algorithm,
        "certificate_sha256": signature.certificate.sha256,
        "certificate_serial": signature.certificate.serial_number,
    }
    if verdict is not None:
        record.update(valid=verdict.valid, status=verdict.code, reason=verdict.reason)
    return shown.cut(signature.version.document.case, record, SIGNATURE_METADATA)


def transition_json(transition: DocumentTransition, case: Case, shown: Disclosure) -> Record:
    """A step of the workflow of a document of `case`."""
    record = {
        "version": transition.version_number,
        "action": transition.action,
        "from_status": transition.from_status,
        "to_status": transition.to_status,
        "actor": transition.actor.username,
        "actor_name": transition.actor.full_name,
        "at": transition.occurred_at.isoformat(),
        "comment": transition.comment,
    }
    return shown.cut(case, record, TRANSITION_METADATA)


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
    }
    return shown.cut(case, record, GRANT_METADATA)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
