"""Which page of a case's documents the case page and GET /api/v1/cases/{id} show: `documents_page` and
`documents_per_page` in the query string, shared by both."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from webapp.pagination import page_count
from webapp.validation import parse_int

DOCUMENTS_PER_PAGE = 50  # a page a person reads through; a case of a thousand documents answers as fast as this
MAX_DOCUMENTS_PER_PAGE = 200


@dataclass(frozen=True)
class DocumentsPage:
    page: int
    per_page: int

    def pages(self, total: int) -> int:
        return page_count(total, self.per_page)


def documents_page(args: Mapping[str, str]) -> DocumentsPage:
    """The page asked for; a malformed or out-of-range number is a ValidationError (400)."""
    return DocumentsPage(
        page=parse_int(args.get("documents_page"), "documents_page", default=1),
        per_page=parse_int(
            args.get("documents_per_page"),
            "documents_per_page",
            default=DOCUMENTS_PER_PAGE,
            maximum=MAX_DOCUMENTS_PER_PAGE,
        ),
    )
