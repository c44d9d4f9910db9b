"""Full-text search over whoosh with a Russian analyzer. Plain dataclasses in and out; no Flask here."""

from search_index.documents import (
    IndexBusy,
    IndexedDocument,
    QueryError,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from search_index.extract import extract_text, extractable
from search_index.index import SearchIndex

__all__ = [
    "IndexBusy",
    "IndexedDocument",
    "QueryError",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
    "extract_text",
    "extractable",
]
