"""Search endpoint."""

from __future__ import annotations

from typing import Any

from flask import request

from search_index import SearchHit, SearchQuery, SearchResult
from webapp.api import actor, api, page_params
from webapp.search import services
from webapp.search.params import search_query
from webapp.uow import commit


def query_from_args() -> SearchQuery:
    page, per_page = page_params()
    return search_query(request.args, page=page, per_page=min(per_page, 100))


@api.get("/search")
def search() -> dict[str, Any]:
    result = services.search(actor(), query_from_args())
    commit()
    return result_json(result)


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
