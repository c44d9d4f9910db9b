"""Reading a search query from request arguments: shared by the JSON API and the search page."""

from __future__ import annotations

from collections.abc import Mapping

from search_index import SearchQuery
from webapp.exceptions import ValidationError
from webapp.validation import parse_optional_date, parse_optional_int

SORTS = ("relevance", "date")
YEAR_MIN, YEAR_MAX = 1990, 2100
# Hits on a page (the search page and the API's default): every hit is highlighted, so a page costs in proportion.
PER_PAGE = 20
MAX_WORDS = 1000  # characters of `q`: more than anyone types, and the search page keeps them on the server


def search_query(args: Mapping[str, str], *, page: int, per_page: int) -> SearchQuery:
    """The query and filters from `args` (q, type, nomenclature, year, district, case, date_from, date_to, sort).

    Malformed numbers and dates and overlong words raise ValidationError; an unknown sort falls back to relevance."""
    if len(args.get("q", "")) > MAX_WORDS:
        raise ValidationError(f"q: не длиннее {MAX_WORDS} знаков", code="invalid_parameter")
    sort = args.get("sort") or "relevance"
    return SearchQuery(
        text=args.get("q", ""),
        type=args.get("type") or None,
        nomenclature=args.get("nomenclature") or None,
        year=parse_optional_int(args.get("year"), "year", minimum=YEAR_MIN, maximum=YEAR_MAX),
        district=args.get("district") or None,
        case_id=parse_optional_int(args.get("case"), "case"),
        date_from=parse_optional_date(args.get("date_from"), "date_from"),
        date_to=parse_optional_date(args.get("date_to"), "date_to"),
        page=page,
        per_page=per_page,
        sort=sort if sort in SORTS else "relevance",
    )
