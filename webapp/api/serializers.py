"""JSON shapes of the API's objects (see API.md). Cases and what is in them (documents, versions, signatures,
workflow steps, grants) are cut per viewer in webapp/disclosure.py, which the case page shares."""

from __future__ import annotations

from typing import Any

from webapp.archive.models import ArchiveInventory, DestructionAct
from webapp.nomenclature.models import NomenclatureEntry


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


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
