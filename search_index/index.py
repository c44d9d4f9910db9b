"""SearchIndex: whoosh underneath, plain dataclasses at the surface, permissions inside every query."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import highlight, index, qparser, sorting
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.query import And, DateRange, Every, NullQuery, Or, Query, Term
from whoosh.writing import CLEAR

from search_index.analysis import russian_analyzer
from search_index.documents import IndexBusy, IndexedDocument, QueryError, SearchHit, SearchQuery, SearchResult

MAX_QUERY_CHARS = 1000
MAX_PER_PAGE = 100
WRITE_TIMEOUT = 30.0
FACET_FIELDS = ("type", "year", "district", "nomenclature")
SEARCH_FIELDS = ("title", "text", "case_number_text", "nomenclature_title", "author")
_FRAGMENT_SEPARATOR = "\x1f"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def build_schema() -> Schema:
    analyzer = russian_analyzer()
    return Schema(
        doc_key=ID(unique=True, stored=True),
        document_id=STORED,
        version=STORED,
        case_id=ID(stored=True),
        case_number=ID(stored=True),
        case_number_text=TEXT(analyzer=analyzer),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=2.0),
        text=TEXT(analyzer=analyzer, stored=True),
        nomenclature_title=TEXT(analyzer=analyzer),
        author=TEXT(analyzer=analyzer),
        type=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        district=ID(stored=True, sortable=True),
        nomenclature=ID(stored=True, sortable=True),
        date=DATETIME(stored=True),
        sort_date=NUMERIC(sortable=True),
    )


class SearchIndex:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        if index.exists_in(str(self.path)):
            self._index = index.open_dir(str(self.path))
        else:
            self._index = index.create_in(str(self.path), build_schema())

    def index(self, docs: Iterable[IndexedDocument]) -> None:
        with self._writer() as writer:
            for doc in docs:
                writer.update_document(**_fields(doc))

    def remove(self, document_ids: Iterable[int]) -> None:
        ids = list(document_ids)
        if not ids:
            return
        with self._writer() as writer:
            for document_id in ids:
                writer.delete_by_term("doc_key", str(document_id))

    def rebuild(self, docs: Iterable[IndexedDocument]) -> int:
        """Replace the whole index in one commit: readers see the old index until the new one is complete."""
        count = 0
        with self._writer(mergetype=CLEAR) as writer:
            for doc in docs:
                writer.add_document(**_fields(doc))
                count += 1
        return count

    def count(self) -> int:
        self._index = self._index.refresh()
        return int(self._index.doc_count())

    def search(self, query: SearchQuery) -> SearchResult:
        allowed = _permission_filter(query)
        if allowed is None:
            return SearchResult(total=0, hits=[], facets={name: {} for name in FACET_FIELDS})
        parsed = self._parse(query.text)
        if parsed is NullQuery and _clean(query.text).strip():
            return SearchResult(total=0, hits=[], facets={name: {} for name in FACET_FIELDS})
        filters = And([allowed, *_filters(query)]) if _filters(query) else allowed
        by_date = query.sort == "date" or isinstance(parsed, Every)
        self._index = self._index.refresh()
        with self._index.searcher() as searcher:
            return _run(searcher, parsed, filters, query, by_date)

    def _parse(self, text: str) -> Query:
        cleaned = _clean(text)
        if not cleaned.strip():
            return Every()
        parser = qparser.MultifieldParser(list(SEARCH_FIELDS), self._index.schema, group=qparser.AndGroup)
        parser.remove_plugin_class(qparser.FieldsPlugin)  # users may not address internal fields
        parser.remove_plugin_class(qparser.BoostPlugin)
        parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?:(?<=\s)|^)\+(?=\S)", minusexpr=r"(?:(?<=\s)|^)-(?=\S)"))
        try:
            return parser.parse(cleaned)
        except Exception:
            try:  # fall back to the words alone
                return parser.parse(re.sub(r"[^\w\s*-]", " ", cleaned))
            except Exception as exc:
                raise QueryError("the query cannot be understood") from exc

    def _writer(self, **commit_options: Any) -> _WriterContext:
        return _WriterContext(self, commit_options)


class _WriterContext:
    def __init__(self, owner: SearchIndex, commit_options: dict[str, Any]) -> None:
        self.owner = owner
        self.commit_options = commit_options
        self.writer: Any = None

    def __enter__(self) -> Any:
        try:
            self.writer = self.owner._index.writer(timeout=WRITE_TIMEOUT)
        except LockError as exc:
            raise IndexBusy("the search index is locked by another writer") from exc
        return self.writer

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc_type is None:
            self.writer.commit(**self.commit_options)
        else:
            self.writer.cancel()


def _fields(doc: IndexedDocument) -> dict[str, Any]:
    date = dt.datetime.combine(doc.date, dt.time()) if doc.date else None
    fields: dict[str, Any] = {
        "doc_key": str(doc.document_id),
        "document_id": doc.document_id,
        "version": doc.version,
        "case_id": str(doc.case_id),
        "case_number": doc.case_number,
        "case_number_text": doc.case_number,
        "title": doc.title,
        "text": doc.text,
        "nomenclature_title": doc.nomenclature_title,
        "author": doc.author,
        "type": doc.type,
        "year": str(doc.year),
        "district": doc.district,
        "nomenclature": doc.nomenclature,
        "sort_date": doc.date.toordinal() if doc.date else 0,
    }
    if date is not None:
        fields["date"] = date
    return fields


def _clean(text: str) -> str:
    return _CONTROL_CHARS.sub(" ", text)[:MAX_QUERY_CHARS]


def _permission_filter(query: SearchQuery) -> Query | None:
    """What the caller may see, as a query; None when that is nothing at all."""
    if query.allowed_districts is None:
        return Every()
    terms: list[Query] = [Term("district", code) for code in sorted(query.allowed_districts)]
    terms += [Term("case_id", str(case_id)) for case_id in sorted(query.allowed_case_ids)]
    return Or(terms) if terms else None


def _filters(query: SearchQuery) -> list[Query]:
    filters: list[Query] = []
    for name in ("type", "nomenclature", "district"):
        value = getattr(query, name)
        if value:
            filters.append(Term(name, value))
    if query.year is not None:
        filters.append(Term("year", str(query.year)))
    if query.case_id is not None:
        filters.append(Term("case_id", str(query.case_id)))
    if query.date_from or query.date_to:
        start = dt.datetime.combine(query.date_from, dt.time()) if query.date_from else None
        end = dt.datetime.combine(query.date_to, dt.time.max) if query.date_to else None
        filters.append(DateRange("date", start, end))
    return filters


def _run(searcher: Any, parsed: Query, filters: Query, query: SearchQuery, by_date: bool) -> SearchResult:
    per_page = max(1, min(query.per_page, MAX_PER_PAGE))
    page = max(1, query.page)
    facets = sorting.Facets()
    for name in FACET_FIELDS:
        facets.add_field(name, maptype=sorting.Count)
    options: dict[str, Any] = {"filter": filters, "groupedby": facets, "terms": True}
    if by_date:
        options.update(sortedby="sort_date", reverse=True)
    results = searcher.search(parsed, limit=page * per_page, **options)
    results.fragmenter = highlight.ContextFragmenter(maxchars=200, surround=60)
    results.formatter = _MarkFormatter()
    hits = [_hit(hit) for hit in results[(page - 1) * per_page : page * per_page]]
    facet_counts = {name: {str(k): int(v) for k, v in sorted(results.groups(name).items())} for name in FACET_FIELDS}
    return SearchResult(total=len(results), hits=hits, facets=facet_counts)


def _hit(hit: Any) -> SearchHit:
    stored = hit.fields()
    date = stored.get("date")
    fragments = [fragment for fragment in (hit.highlights("text", top=3) or "").split(_FRAGMENT_SEPARATOR) if fragment]
    if not fragments:
        fragments = [f for f in (hit.highlights("title") or "").split(_FRAGMENT_SEPARATOR) if f]
    return SearchHit(
        document_id=int(stored["document_id"]),
        version=int(stored["version"]),
        case_id=int(stored["case_id"]),
        case_number=str(stored["case_number"]),
        title=str(stored["title"]),
        type=str(stored["type"]),
        date=date.date() if isinstance(date, dt.datetime) else None,
        highlights=fragments,
        score=float(hit.score or 0.0),
    )


class _MarkFormatter(highlight.Formatter):  # type: ignore[misc]
    """Matched words in <mark>, everything else HTML-escaped: document text never reaches a page raw."""

    between = _FRAGMENT_SEPARATOR

    def _text(self, text: str) -> str:
        return html.escape(text)

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{html.escape(highlight.get_text(text, token, replace))}</mark>"
