"""Full-text search over whoosh with a Russian analyzer. Plain dataclasses in and out; no Flask here."""

from search_index.documents import (
    IndexBusy,
    IndexDamaged,
    IndexedDocument,
    IndexMissing,
    IndexUnavailable,
    QueryError,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from search_index.extract import extract_text, extractable
from search_index.index import SearchIndex

__all__ = [
    "IndexBusy",
    "IndexDamaged",
    "IndexMissing",
    "IndexUnavailable",
    "IndexedDocument",
    "QueryError",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
    "extract_text",
    "extractable",
]
