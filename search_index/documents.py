"""Plain data in and out of the search index."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class IndexedDocument:
    document_id: int
    version: int
    case_id: int
    case_number: str
    title: str
    type: str
    date: dt.date | None
    district: str
    nomenclature: str
    nomenclature_title: str
    year: int
    text: str
    author: str = ""
    signers: str = ""  # who signed: electronic signers and the hand signers of a paper original
    former_case_numbers: str = ""  # the numbers the case had before (space-separated): searching one finds it


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    type: str | None = None
    nomenclature: str | None = None
    year: int | None = None
    district: str | None = None
    case_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    allowed_districts: frozenset[str] | None = None  # None: no restriction; else only these districts...
    allowed_case_ids: frozenset[int] = frozenset()  # ...plus these cases (explicit grants)
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"  # or "date", newest first


@dataclass(frozen=True)
class SearchHit:
    document_id: int
    version: int
    case_id: int
    case_number: str
    title: str
    type: str
    date: dt.date | None
    highlights: list[str]
    score: float


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    fuzzy: bool = False  # found only by tolerating typos


class QueryError(ValueError):
    """A query that cannot be understood at all; the web layer answers 400."""


class IndexBusy(RuntimeError):
    """Another writer holds the index lock for longer than the timeout."""


class IndexUnavailable(RuntimeError):
    """The index cannot be read or written until it is rebuilt (`casefiles reindex`)."""


class IndexMissing(IndexUnavailable):
    """The index folder is gone or holds no index."""


class IndexDamaged(IndexUnavailable):
    """The index's files cannot be read: damaged, truncated or replaced."""
