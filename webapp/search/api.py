"""Search endpoint."""

from __future__ import annotations

from typing import Any

from flask import request

from search_index import SearchHit, SearchQuery, SearchResult
from webapp.api import actor, api, page_params
from webapp.search import services
from webapp.validation import parse_optional_date, parse_optional_int

SORTS = ("relevance", "date")


def query_from_args() -> SearchQuery:
    page, per_page = page_params()
    sort = request.args.get("sort") or "relevance"
    return SearchQuery(
        text=request.args.get("q", ""),
        type=request.args.get("type") or None,
        nomenclature=request.args.get("nomenclature") or None,
        year=parse_optional_int(request.args.get("year"), "year", minimum=1990, maximum=2100),
        district=request.args.get("district") or None,
        case_id=parse_optional_int(request.args.get("case"), "case"),
        date_from=parse_optional_date(request.args.get("date_from"), "date_from"),
        date_to=parse_optional_date(request.args.get("date_to"), "date_to"),
        page=page,
        per_page=min(per_page, 100),
        sort=sort if sort in SORTS else "relevance",
    )


@api.get("/search")
def search() -> dict[str, Any]:
    return result_json(services.search(actor(), query_from_args()))


def result_json(result: SearchResult) -> dict[str, Any]:
    return {"total": result.total, "items": [hit_json(hit) for hit in result.hits], "facets": result.facets}


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
