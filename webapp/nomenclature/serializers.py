"""JSON records of nomenclature entries (see API.md)."""

from __future__ import annotations

from typing import Any

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
