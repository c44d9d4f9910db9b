"""SearchIndex: whoosh underneath, plain dataclasses at the surface, permissions inside every query."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import html
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from whoosh import highlight, index, sorting
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, LockError
from whoosh.query import Every, NullQuery, Query
from whoosh.util.filelock import try_for

from search_index.analysis import russian_analyzer
from search_index.documents import IndexBusy, IndexedDocument, SearchHit, SearchQuery, SearchResult
from search_index.querying import SEARCH_FIELDS, combined_filter, parse_text

T = TypeVar("T")

MAX_PER_PAGE = 100
MAX_HIGHLIGHTS = 3
WRITE_TIMEOUT = 30.0
READ_ATTEMPTS = 10
PROGRESS_EVERY = 200
SIMILAR_LIMIT = 10
SIMILAR_TERMS = 15  # the most telling words of a document that make up its "more like this" query
FACET_FIELDS = ("type", "year", "district", "nomenclature")
# whoosh's writers lock "<index name>_WRITELOCK"; the default index name is MAIN.
_WRITE_LOCK = "MAIN_WRITELOCK"
_FRAGMENT_SEPARATOR = "\x1f"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
        signers=TEXT(analyzer=analyzer),
        type=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        district=ID(stored=True, sortable=True),
        nomenclature=ID(stored=True, sortable=True),
        date=DATETIME(stored=True),
        sort_date=NUMERIC(sortable=True),
    )


class SearchIndex:
    def __init__(self, path: Path, *, write_timeout: float = WRITE_TIMEOUT) -> None:
        self.path = Path(path)
        self.write_timeout = write_timeout
        # The schema (and with it the analyzer) always comes from this code, never from the pickle whoosh
        # keeps in the folder: an analyzer change then takes effect everywhere, and `rebuild` re-indexes.
        self.schema = build_schema()
        self.path.mkdir(parents=True, exist_ok=True)
        self._index = _reading(self._open_or_create)

    def index(self, docs: Iterable[IndexedDocument]) -> None:
        """Add or replace documents by document_id in one commit; the last copy of a repeated id wins.

        The batch is read before the lock is taken, so slow text extraction in the caller's generator does not
        hold back other writers (and whoosh cannot replace a document added earlier in the same writer)."""
        latest = list({doc.document_id: doc for doc in docs}.values())
        if latest:
            with self.writing() as writer:
                writer.index(latest)

    def remove(self, document_ids: Iterable[int]) -> None:
        ids = sorted(set(document_ids))
        if ids:
            with self.writing() as writer:
                writer.remove(ids)

    @contextlib.contextmanager
    def writing(self) -> Iterator[IndexWriter]:
        """The one writer of the index (across processes) until the block ends, then one commit. Whatever the
        block reads while holding it cannot be overtaken by another writer."""
        with self._writer() as writer:
            changes = IndexWriter(writer)
            yield changes
            if not changes.written:  # nothing to commit: no new generation of files
                writer.cancel()

    def rebuild(
        self,
        docs: Iterable[IndexedDocument],
        *,
        progress: Callable[[int], None] | None = None,
        catch_up: Callable[[IndexWriter], None] | None = None,
    ) -> int:
        """Build a fresh index beside the live one and swap it in; searches use the live index meanwhile.

        Documents are streamed (a repeated document_id keeps its first copy); `progress` hears the count every
        PROGRESS_EVERY documents. Once built, the live index's write lock is taken (no other writer can change
        it), `catch_up` may write what changed during the build into the fresh index, and the folders are
        swapped by two renames; readers that hit the instant between them retry."""
        fresh_path = self.path.with_name(f".{self.path.name}.new-{secrets.token_hex(4)}")
        fresh = index.create_in(str(_fresh_folder(fresh_path)), self.schema)
        try:
            count = _fill(fresh, docs, progress)
            lock = FileStorage(str(self.path)).lock(_WRITE_LOCK)
            if not try_for(lock.acquire, timeout=self.write_timeout):
                raise IndexBusy(f"the search index is locked by another writer for over {self.write_timeout:g}s")
            try:
                if catch_up is not None:
                    writer = fresh.writer()
                    catch_up(IndexWriter(writer))
                    writer.commit()
                retired = self.path.with_name(f".{self.path.name}.old-{secrets.token_hex(4)}")
                os.rename(self.path, retired)
                os.rename(fresh_path, self.path)
            finally:
                lock.release()
        except BaseException:
            shutil.rmtree(fresh_path, ignore_errors=True)
            raise
        shutil.rmtree(retired, ignore_errors=True)  # open readers keep their files (POSIX); new ones retry
        return count

    def contents(self) -> dict[int, int]:
        """document_id → indexed version, for checking the index against the database."""
        return _reading(self._contents)

    def count(self) -> int:
        return _reading(self._count)

    def search(self, query: SearchQuery) -> SearchResult:
        """Exact first; when that finds nothing, again tolerating typos (result.fuzzy tells which)."""
        parsed = parse_text(query.text, self.schema)
        visible = combined_filter(query)
        if visible is None or parsed is NullQuery:  # nothing may be seen, or every word was a stop word
            return SearchResult(total=0, hits=[], facets={name: {} for name in FACET_FIELDS})
        result = _reading(lambda: self._search(parsed, visible, query))
        if result.total or isinstance(parsed, Every):
            return result
        return _reading(lambda: self._search_tolerant(parsed, visible, query)) or result

    def _search_tolerant(self, exact: Query, visible: Query, query: SearchQuery) -> SearchResult | None:
        """The query again with typos tolerated in the words the index does not know; None if there are none."""
        with self._index.searcher() as searcher:
            reader = searcher.reader()
            tolerant = parse_text(
                query.text, self.schema, known=lambda term: any((name, term) in reader for name in SEARCH_FIELDS)
            )
            if tolerant == exact:
                return None
            return dataclasses.replace(_run(searcher, tolerant, visible, query), fuzzy=True)

    def similar(self, document_id: int, query: SearchQuery, *, limit: int = SIMILAR_LIMIT) -> list[SearchHit]:
        """Documents whose text shares the most telling words with this one's (more like this: names, addresses,
        the family's situation), within the permissions and filters of `query`; the document itself excluded."""
        visible = combined_filter(query)
        if visible is None:
            return []
        return _reading(lambda: self._similar(document_id, visible, limit))

    def _similar(self, document_id: int, visible: Query, limit: int) -> list[SearchHit]:
        with self._index.searcher() as searcher:
            docnum = searcher.document_number(doc_key=str(document_id))
            if docnum is None:
                return []
            results = searcher.more_like(docnum, "text", top=limit, numterms=SIMILAR_TERMS, filter=visible)
            return [_hit(hit, highlights=[], score=float(hit.score)) for hit in results]

    def _contents(self) -> dict[int, int]:
        with self._index.searcher() as searcher:
            return {int(fields["document_id"]): int(fields["version"]) for fields in searcher.all_stored_fields()}

    def _count(self) -> int:
        with self._index.searcher() as searcher:  # a new searcher reads the latest commit of any process
            return int(searcher.doc_count())

    def _search(self, parsed: Query, visible: Query, query: SearchQuery) -> SearchResult:
        with self._index.searcher() as searcher:
            return _run(searcher, parsed, visible, query)

    def _open_or_create(self) -> Any:
        """Processes starting together on an empty folder must not both create: whoosh's create wipes it."""
        existing = self._open_existing()
        if existing is not None:
            return existing
        lock = FileStorage(str(self.path)).lock(_WRITE_LOCK)
        if not try_for(lock.acquire, timeout=self.write_timeout):
            raise IndexBusy("the search index is being created by another process")
        try:
            existing = self._open_existing()
            return existing if existing is not None else index.create_in(str(self.path), self.schema)
        finally:
            lock.release()

    def _open_existing(self) -> Any | None:
        # Not index.exists_in: it unpickles the stored schema, which fails once an analyzer class it names
        # has been renamed or removed.
        try:
            return index.open_dir(str(self.path), schema=self.schema)
        except EmptyIndexError:
            return None

    @contextlib.contextmanager
    def _writer(self) -> Iterator[Any]:
        """A writer that waits up to write_timeout for other processes' writers, then raises IndexBusy; committed
        at the end unless the block cancelled it."""
        try:
            writer = self._index.writer(timeout=self.write_timeout)
        except LockError as exc:
            busy = f"the search index is locked by another writer for over {self.write_timeout:g}s"
            raise IndexBusy(busy) from exc
        try:
            yield writer
            if not writer.is_closed:
                writer.commit()
        except BaseException:
            # The lock must go; cancel fails harmlessly when a late commit failure already closed the writer.
            with contextlib.suppress(Exception):
                writer.cancel()
            raise


class IndexWriter:
    """Adds, replaces and removes documents inside one `SearchIndex.writing()` block."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer
        self.written = False

    def index(self, docs: Iterable[IndexedDocument]) -> None:
        for doc in docs:
            self._writer.update_document(**_fields(doc))
            self.written = True

    def remove(self, document_ids: Iterable[int]) -> None:
        for document_id in document_ids:
            self._writer.delete_by_term("doc_key", str(document_id))
            self.written = True


def _fresh_folder(path: Path) -> Path:
    path.mkdir()
    return path


def _fill(fresh: Any, docs: Iterable[IndexedDocument], progress: Callable[[int], None] | None) -> int:
    seen: set[int] = set()
    writer = fresh.writer()
    try:
        for doc in docs:
            if doc.document_id not in seen:
                seen.add(doc.document_id)
                writer.add_document(**_fields(doc))
                if progress is not None and len(seen) % PROGRESS_EVERY == 0:
                    progress(len(seen))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    if progress is not None:
        progress(len(seen))
    return len(seen)


def _reading(action: Callable[[], T]) -> T:
    """Run a read again when a commit by another process deleted the files it was about to open.

    whoosh finds the newest commit by listing the folder and only then opens its files; a commit in between
    removes the older ones. Writers hold the lock, so only reads need this; the next attempt sees the new
    commit."""
    for attempt in range(1, READ_ATTEMPTS):
        try:
            return action()
        except FileNotFoundError:
            time.sleep(0.005 * attempt)
    return action()


def _fields(doc: IndexedDocument) -> dict[str, Any]:
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
        "signers": doc.signers,
        "type": doc.type,
        "year": str(doc.year),
        "district": doc.district,
        "nomenclature": doc.nomenclature,
        # Undated documents sort after every dated one in "newest first".
        "sort_date": doc.date.toordinal() if doc.date else 0,
    }
    if doc.date is not None:  # whoosh's DATETIME has no empty value
        fields["date"] = dt.datetime.combine(doc.date, dt.time())
    return fields


def _run(searcher: Any, parsed: Query, visible: Query, query: SearchQuery) -> SearchResult:
    per_page = max(1, min(query.per_page, MAX_PER_PAGE))
    page = max(1, query.page)
    listing = isinstance(parsed, Every)  # no words: list by date, nothing to highlight
    facets = sorting.Facets()
    for name in FACET_FIELDS:
        facets.add_field(name, maptype=sorting.Count)
    # terms=True records which terms matched each hit, which highlighting needs.
    options: dict[str, Any] = {"filter": visible, "groupedby": facets, "terms": not listing}
    by_date = listing or query.sort == "date"
    if by_date:
        options.update(sortedby="sort_date", reverse=True)
    results = searcher.search(parsed, limit=page * per_page, **options)
    hits = [
        _hit(hit, highlights=[] if listing else _highlights(hit), score=0.0 if by_date else float(hit.score))
        for hit in results[(page - 1) * per_page : page * per_page]
    ]
    return SearchResult(total=len(results), hits=hits, facets=_facet_counts(results))


def _facet_counts(results: Any) -> dict[str, dict[str, int]]:
    return {
        name: {str(key): int(count) for key, count in sorted(results.groups(name).items()) if key}
        for name in FACET_FIELDS
    }


def _hit(hit: Any, *, highlights: list[str], score: float) -> SearchHit:
    """score is whoosh's relevance; 0.0 in date order, where whoosh reports the sort key instead."""
    stored = hit.fields()
    date = stored.get("date")
    return SearchHit(
        document_id=int(stored["document_id"]),
        version=int(stored["version"]),
        case_id=int(stored["case_id"]),
        case_number=str(stored["case_number"]),
        title=str(stored["title"]),
        type=str(stored["type"]),
        date=date.date() if isinstance(date, dt.datetime) else None,
        highlights=highlights,
        score=score,
    )


def _highlights(hit: Any) -> list[str]:
    """Fragments of the body where the query matched; the whole title when only the title did."""
    for highlighter, field in ((_BODY_HIGHLIGHTER, "text"), (_TITLE_HIGHLIGHTER, "title")):
        formatted = highlighter.highlight_hit(hit, field, top=MAX_HIGHLIGHTS) or ""
        fragments = [part for part in formatted.split(_FRAGMENT_SEPARATOR) if part]
        if fragments:
            return fragments[:MAX_HIGHLIGHTS]
    return []


class _MarkFormatter(highlight.Formatter):  # type: ignore[misc]
    """Matched words in <mark>, everything else HTML-escaped: document text never reaches a page raw.

    Control characters go too, so the one separating fragments can only come from here."""

    between = _FRAGMENT_SEPARATOR

    def _text(self, text: str) -> str:
        return html.escape(_CONTROL_CHARS.sub(" ", text))

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{self._text(highlight.get_text(text, token, replace))}</mark>"


# Stateless, so shared by all searches.
_BODY_HIGHLIGHTER = highlight.Highlighter(
    fragmenter=highlight.ContextFragmenter(maxchars=200, surround=60), formatter=_MarkFormatter()
)
_TITLE_HIGHLIGHTER = highlight.Highlighter(fragmenter=highlight.WholeFragmenter(), formatter=_MarkFormatter())
