"""JSON records of archive inventories and destruction acts (see API.md)."""

from __future__ import annotations

from typing import Any

from webapp.archive.models import ArchiveInventory, DestructionAct
from webapp.cases.serializers import iso


def inventory_json(inventory: ArchiveInventory) -> dict[str, Any]:
    return {
        "id": inventory.id,
        "year": inventory.year,
        "number": inventory.number,
        "retention_class": inventory.retention_class,
        "case_count": inventory.case_count,
        "compiled_on": iso(inventory.compiled_on),
        "compiled_by": inventory.compiled_by.username,
        "docx_sha256": inventory.docx_sha256,
    }


def act_json(act: DestructionAct) -> dict[str, Any]:
    return {
        "id": act.id,
        "year": act.year,
        "number": act.number,
        "status": act.status,
        "drafted_on": iso(act.drafted_on),
        "drafted_by": act.drafted_by.username,
        "approved_on": iso(act.approved_on),
        "approved_by": act.approved_by.username if act.approved_by else None,
        "executed_at": iso(act.executed_at),
        "docx_sha256": act.docx_sha256,
    }
