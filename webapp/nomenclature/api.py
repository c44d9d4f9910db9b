"""Nomenclature endpoints."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.api import actor, api, json_body, page_params, paginated
from webapp.exceptions import ValidationError
from webapp.nomenclature import services
from webapp.nomenclature.schemas import CopyYearInput, EntryInput, EntryUpdate
from webapp.nomenclature.serializers import entry_json
from webapp.uow import commit
from webapp.validation import parse_input, parse_optional_int


@api.get("/nomenclature")
def list_nomenclature() -> dict[str, Any]:
    year = parse_optional_int(request.args.get("year"), "year", minimum=1990, maximum=2100)
    page, per_page = page_params()
    items, total = services.list_entries(year, page=page, per_page=per_page)
    return paginated(items, total, entry_json)


@api.post("/nomenclature")
def create_nomenclature_entry() -> tuple[dict[str, Any], int]:
    entry = services.create_entry(actor(), parse_input(EntryInput, json_body()))
    commit()
    return entry_json(entry), 201


@api.post("/nomenclature/copy")
def copy_nomenclature_year() -> tuple[dict[str, Any], int]:
    data = parse_input(CopyYearInput, json_body())
    entries = services.copy_year(actor(), data.from_year, data.to_year)
    commit()
    return paginated(entries, len(entries), entry_json), 201


@api.patch("/nomenclature/<int:entry_id>")
def update_nomenclature_entry(entry_id: int) -> dict[str, Any]:
    body = json_body()
    if "index" in body or "year" in body:
        raise ValidationError("Индекс и год статьи не меняются: номера дел составлены из них", code="immutable_field")
    entry = services.update_entry(actor(), entry_id, parse_input(EntryUpdate, body))
    commit()
    return entry_json(entry)


@api.delete("/nomenclature/<int:entry_id>")
def delete_nomenclature_entry(entry_id: int) -> tuple[str, int]:
    services.delete_entry(actor(), entry_id)
    commit()
    return "", 204
