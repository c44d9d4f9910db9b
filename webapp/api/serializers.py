"""JSON shapes of the API's objects (see API.md)."""

from __future__ import annotations

from typing import Any

from webapp.archive.models import ArchiveInventory, DestructionAct
from webapp.cases.models import Case
from webapp.documents.models import Document, DocumentTransition, DocumentVersion
from webapp.nomenclature.models import NomenclatureEntry
from webapp.signing.models import Signature
from webapp.signing.services import Verdict


def entry_json(entry: NomenclatureEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "index": entry.index,
        "title": entry.title,
        "year": entry.year,
        "retention_years": entry.retention_years,
        "permanent": entry.is_permanent,
        "epk": entry.is_epk,
        "article": entry.article,
        "note": entry.note,
    }


def case_json(case: Case) -> dict[str, Any]:
    return {
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
    }


def inventory_json(inventory: ArchiveInventory) -> dict[str, Any]:
    return {
        "id": inventory.id,
        "year": inventory.year,
        "number": inventory.number,
        "retention_class": inventory.retention_class,
        "case_count": inventory.case_count,
        "compiled_on": _iso(inventory.compiled_on),
        "compiled_by": inventory.compiled_by.username,
        "docx_sha256": inventory.docx_sha256,
    }


def act_json(act: DestructionAct) -> dict[str, Any]:
    return {
        "id": act.id,
        "year": act.year,
        "number": act.number,
        "status": act.status,
        "drafted_on": _iso(act.drafted_on),
        "drafted_by": act.drafted_by.username,
        "approved_on": _iso(act.approved_on),
        "approved_by": act.approved_by.username if act.approved_by else None,
        "executed_at": _iso(act.executed_at),
        "docx_sha256": act.docx_sha256,
    }


def case_with_documents_json(case: Case, documents: list[Document]) -> dict[str, Any]:
    return {**case_json(case), "documents": [document_json(document) for document in documents]}


def document_json(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "case_id": document.case_id,
        "title": document.title,
        "type": document.type,
        "date": _iso(document.dated_on),
        "status": document.status,
        "versions": [version_json(version) for version in document.versions],
    }


def version_json(version: DocumentVersion) -> dict[str, Any]:
    return {
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
        "signatures": [signature_json(signature) for signature in version.signatures],
        "signed_on_paper": version.signed_on_paper,
        "paper_signatures": [{"name": paper.name, "role": paper.role} for paper in version.paper_signatures],
    }


def signature_json(signature: Signature, verdict: Verdict | None = None) -> dict[str, Any]:
    data = {
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
        data.update(valid=verdict.valid, status=verdict.code, reason=verdict.reason)
    return data


def transition_json(transition: DocumentTransition) -> dict[str, Any]:
    return {
        "version": transition.version_number,
        "action": transition.action,
        "from_status": transition.from_status,
        "to_status": transition.to_status,
        "actor": transition.actor.username,
        "actor_name": transition.actor.full_name,
        "at": transition.occurred_at.isoformat(),
        "comment": transition.comment,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
