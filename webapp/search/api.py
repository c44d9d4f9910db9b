"""Search endpoints: the query string (GET), or the same fields in a JSON body (POST), which keeps the words out
of URLs and access logs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request

from search_index import SearchHit, SearchQuery, SearchResult
from webapp.api import MAX_PER_PAGE, actor, api, json_body
from webapp.exceptions import ValidationError
from webapp.search import services
from webapp.search.params import PER_PAGE, search_query
from webapp.uow import commit
from webapp.validation import parse_int

FIELDS = ("q", "type", "nomenclature", "year", "district", "case", "date_from", "date_to", "sort", "page", "per_page")


@api.get("/search")
def search() -> dict[str, Any]:
    return _answer(request.args)


@api.post("/search")
def search_with_body() -> dict[str, Any]:
    return _answer(_fields(json_body()))


def _answer(args: Mapping[str, str]) -> dict[str, Any]:
    page = parse_int(args.get("page"), "page", default=1)
    per_page = parse_int(args.get("per_page"), "per_page", default=PER_PAGE, maximum=MAX_PER_PAGE)
    query: SearchQuery = search_query(args, page=page, per_page=min(per_page, 100))
    result = services.search(actor(), query)
    commit()
    return result_json(result)


def _fields(body: dict[str, Any]) -> dict[str, str]:
    """The body's fields as the query string would carry them (numbers as digits); null is left out."""
    if set(body) - set(FIELDS):
        raise ValidationError("Неизвестное поле; допустимы: " + ", ".join(FIELDS), code="invalid_body")
    fields = {}
    for name, value in body.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError(f"{name}: ожидалась строка или целое число", code="invalid_parameter")
        fields[name] = str(value)
    return fields


@api.get("/documents/<int:document_id>/similar")
def similar(document_id: int) -> dict[str, Any]:
    hits = services.similar_documents(actor(), document_id)
    return {"total": len(hits), "items": [hit_json(hit) for hit in hits]}


def result_json(result: SearchResult) -> dict[str, Any]:
    return {
        "total": result.total,
        "items": [hit_json(hit) for hit in result.hits],
        "facets": result.facets,
        "fuzzy": result.fuzzy,
    }


def hit_json(hit: SearchHit) -> dict[str, Any]:
    return {
        "document_id": hit.document_id,
        "version": hit.version,
        "case_id": hit.case_id,
        "case_number": hit.case_number,
        "title": hit.title,
        "type": hit.type,
        "date": hit.date.isoformat() if hit.date else None,
        "highlights": hit.highlights,
    }
