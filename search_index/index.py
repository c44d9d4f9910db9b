"""SearchIndex: whoosh underneath, plain dataclasses at the surface, permissions inside every query."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import os
import pickle
import secrets
import shutil
import struct
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from whoosh import index
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, LockError
from whoosh.index import IndexError as WhooshIndexError
from whoosh.query import Every, NullQuery, Query
from whoosh.util.filelock import try_for

from search_index.analysis import russian_analyzer
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
from search_index.engine import TERM_ARRAYS, Evaluator, SegmentCache, top
from search_index.highlighting import Terms, fragments, marked
from search_index.querying import SEARCH_FIELDS, combined_filter, parse_text

T = TypeVar("T")

MAX_PER_PAGE = 100
WRITE_TIMEOUT = 30.0
READ_ATTEMPTS = 10
PROGRESS_EVERY = 200
SIMILAR_LIMIT = 10
SIMILAR_TERMS = 15  # the most telling words of a document that make up its "more like this" query
FACET_FIELDS = ("type", "year", "district", "nomenclature")
# whoosh names a commit "_<index name>_<generation>.toc" and its writers lock "<index name>_WRITELOCK"; the
# default index name is MAIN.
_INDEX_NAME = "MAIN"
_WRITE_LOCK = f"{_INDEX_NAME}_WRITELOCK"
# What reading garbage in place of an index raises: whoosh's own checks, and the bare errors of unpickling,
# decompressing, unpacking and seeking in files that are not what they should be.
_DAMAGE: tuple[type[Exception], ...] = (
    WhooshIndexError,
    OSError,
    EOFError,
    ValueError,
    LookupError,
    struct.error,
    zlib.error,
    pickle.UnpicklingError,
)


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


class BatchWrites:
    """`index` and `remove` of either index (whoosh's here, PostgreSQL's in search_index.postgres): a whole batch
    through one writer, in one commit."""

    def writing(self) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

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


class SearchIndex(BatchWrites):
    """The index in one folder. Every read and write raises IndexMissing or IndexDamaged (IndexUnavailable)
    while the folder holds no readable index; `rebuild` makes a new one in any case."""

    def __init__(self, path: Path, *, write_timeout: float = WRITE_TIMEOUT, create: bool = True) -> None:
        """With `create`, an empty index is made at once where there is none; without, the index is opened on
        first use and a missing one stays missing until `create` or `rebuild`."""
        self.path = Path(path)
        self.write_timeout = write_timeout
        # The schema (and with it the analyzer) always comes from this code, never from the pickle whoosh
        # keeps in the folder: an analyzer change then takes effect everywhere, and `rebuild` re-indexes.
        self.schema = build_schema()
        self._cache = SegmentCache()
        self._index: Any | None = None  # whoosh's index, opened on first use
        if create:
            self.create()

    def create(self) -> None:
        """Open the index, creating an empty one where the folder holds none. A damaged index is left as it
        is (IndexDamaged): only `rebuild` replaces it."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._index = self._guarded(lambda: _reading(self._open_or_create))

    @contextlib.contextmanager
    def writing(self) -> Iterator[IndexWriter]:
        """The one writer of the index (across processes) until the block ends, then one commit. Whatever the
        block reads while holding it cannot be overtaken by another writer."""
        with self._writer() as writer:
            changes = IndexWriter(writer, self._guarded)
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
            self.path.mkdir(exist_ok=True)  # a lost index is rebuilt too: its folder holds the lock
            lock = FileStorage(str(self.path)).lock(_WRITE_LOCK)
            if not try_for(lock.acquire, timeout=self.write_timeout):
                raise IndexBusy(f"the search index is locked by another writer for over {self.write_timeout:g}s")
            try:
                if catch_up is not None:
                    writer = fresh.writer()
                    catch_up(IndexWriter(writer, self._guarded))
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

    def drop_caches(self, *, columns: bool = False) -> None:
        """Forget the posting lists read so far, and with `columns` the per-segment columns (field lengths, facet
        values, dates) too. The benchmark measures queries on a cold cache with it."""
        self._cache.clear("" if columns else TERM_ARRAYS)

    def contents(self) -> dict[int, int]:
        """document_id → indexed version, for checking the index against the database."""
        return self._read(self._contents)

    def count(self) -> int:
        """How many documents the index holds; reading it also proves the index can be read."""
        return self._read(self._count)

    def search(self, query: SearchQuery) -> SearchResult:
        """Exact first; when that finds nothing, again tolerating typos (result.fuzzy tells which)."""
        parsed = parse_text(query.text, self.schema)
        visible = combined_filter(query)
        if visible is None or parsed is NullQuery:  # nothing may be seen, or every word was a stop word
            return SearchResult(total=0, hits=[], facets={name: {} for name in FACET_FIELDS})
        result = self._read(lambda: self._search(parsed, visible, query))
        if result.total or isinstance(parsed, Every):
            return result
        return self._read(lambda: self._search_tolerant(parsed, visible, query)) or result

    def _search_tolerant(self, exact: Query, visible: Query, query: SearchQuery) -> SearchResult | None:
        """The query again with typos tolerated in the words the index does not know; None if there are none."""
        with self._opened().searcher() as searcher:
            reader = searcher.reader()
            tolerant = parse_text(
                query.text, self.schema, known=lambda term: any((name, term) in reader for name in SEARCH_FIELDS)
            )
            if tolerant == exact:
                return None
            return dataclasses.replace(_run(searcher, tolerant, visible, query, self._cache), fuzzy=True)

    def similar(self, document_id: int, query: SearchQuery, *, limit: int = SIMILAR_LIMIT) -> list[SearchHit]:
        """Documents whose text shares the most telling words with this one's (more like this: names, addresses,
        the family's situation), within the permissions and filters of `query`; the document itself excluded."""
        visible = combined_filter(query)
        if visible is None:
            return []
        return self._read(lambda: self._similar(document_id, visible, limit))

    def _similar(self, document_id: int, visible: Query, limit: int) -> list[SearchHit]:
        with self._opened().searcher() as searcher:
            docnum = searcher.document_number(doc_key=str(document_id))
            if docnum is None:
                return []
            results = searcher.more_like(docnum, "text", top=limit, numterms=SIMILAR_TERMS, filter=visible)
            return [_hit(hit.fields(), highlights=[], score=float(hit.score)) for hit in results]

    def holds_index(self) -> bool:
        """Whether the folder holds any commit at all (a new installation's holds none); cheap, opens nothing."""
        return any(self.path.glob(f"_{_INDEX_NAME}_*.toc"))

    def _contents(self) -> dict[int, int]:
        with self._opened().searcher() as searcher:
            return {int(fields["document_id"]): int(fields["version"]) for fields in searcher.all_stored_fields()}

    def _count(self) -> int:
        with self._opened().searcher() as searcher:  # a new searcher reads the latest commit of any process
            return int(searcher.doc_count())

    def _search(self, parsed: Query, visible: Query, query: SearchQuery) -> SearchResult:
        with self._opened().searcher() as searcher:
            return _run(searcher, parsed, visible, query, self._cache)

    def _opened(self) -> Any:
        """whoosh's index, opened now if it was not yet (EmptyIndexError while there is none)."""
        if self._index is None:
            self._index = _storage(self.path).open_index(schema=self.schema)
        return self._index

    def _read(self, action: Callable[[], T]) -> T:
        return self._guarded(lambda: _reading(action))

    def _guarded(self, action: Callable[[], T]) -> T:
        """Run `action` on the index, turning what a missing or damaged one raises into IndexUnavailable."""
        try:
            return action()
        except (IndexBusy, IndexUnavailable, QueryError):
            raise
        except EmptyIndexError as exc:
            raise IndexMissing("the search index is missing") from exc
        except FileNotFoundError as exc:
            if not self.path.is_dir():
                raise IndexMissing("the search index folder is missing") from exc
            raise IndexDamaged("a file of the search index is missing") from exc
        except _DAMAGE as exc:
            reason = type(exc).__name__
        # Raised outside the handler: chained, whoosh's frames would keep the files it left open alive.
        raise IndexDamaged(f"the search index cannot be read ({reason})")

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
            return existing if existing is not None else _storage(self.path).create_index(self.schema)
        finally:
            lock.release()

    def _open_existing(self) -> Any | None:
        # Not index.exists_in: it unpickles the stored schema, which fails once an analyzer class it names
        # has been renamed or removed.
        try:
            return _storage(self.path).open_index(schema=self.schema)
        except EmptyIndexError:
            return None

    @contextlib.contextmanager
    def _writer(self) -> Iterator[Any]:
        """A writer that waits up to write_timeout for other processes' writers, then raises IndexBusy; committed
        at the end unless the block cancelled it."""
        try:
            writer = self._guarded(lambda: self._opened().writer(timeout=self.write_timeout))
        except LockError as exc:
            busy = f"the search index is locked by another writer for over {self.write_timeout:g}s"
            raise IndexBusy(busy) from exc
        try:
            yield writer
            if not writer.is_closed:
                self._guarded(writer.commit)
        except BaseException:
            # The lock must go; cancel fails harmlessly when a late commit failure already closed the writer.
            with contextlib.suppress(Exception):
                writer.cancel()
            raise


class IndexWriter:
    """Adds, replaces and removes documents inside one `SearchIndex.writing()` block. Replacing reads the index:
    what a damaged one raises there is IndexDamaged (errors of the documents' own source pass as they are)."""

    def __init__(self, writer: Any, guarded: Callable[[Callable[[], None]], None]) -> None:
        self._writer = writer
        self._guarded = guarded
        self.written = False

    def index(self, docs: Iterable[IndexedDocument]) -> None:
        for doc in docs:
            self._guarded(functools.partial(self._writer.update_document, **_fields(doc)))
            self.written = True

    def remove(self, document_ids: Iterable[int]) -> None:
        for document_id in document_ids:
            self._guarded(functools.partial(self._writer.delete_by_term, "doc_key", str(document_id)))
            self.written = True


def _storage(path: Path) -> FileStorage:
    """Files read through ordinary handles: with mmap, whoosh copies each file of a segment into memory on
    every open (some 60 ms a search on 20,000 documents); this way a searcher opens in well under 1 ms."""
    return FileStorage(str(path), supports_mmap=False)


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
    """Run a read again when a commit by another process deleted the files it was about to open, or a rebuild
    was swapping the folders.

    whoosh finds the newest commit by listing the folder and only then opens its files; a commit in between
    removes the older ones. Writers hold the lock, so only reads need this; the next attempt sees the new
    commit (or the rebuilt folder, which whoosh sees missing for the instant between the two renames)."""
    for attempt in range(1, READ_ATTEMPTS):
        try:
            return action()
        except (FileNotFoundError, EmptyIndexError):
            time.sleep(0.005 * attempt)
    return action()


def _fields(doc: IndexedDocument) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "doc_key": str(doc.document_id),
        "document_id": doc.document_id,
        "version": doc.version,
        "case_id": str(doc.case_id),
        "case_number": doc.case_number,
        "case_number_text": f"{doc.case_number} {doc.former_case_numbers}".strip(),
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


def _run(searcher: Any, parsed: Query, visible: Query, query: SearchQuery, cache: SegmentCache) -> SearchResult:
    per_page = max(1, min(query.per_page, MAX_PER_PAGE))
    page = max(1, query.page)
    listing = isinstance(parsed, Every)  # no words: list by date, nothing to highlight
    engine = Evaluator(searcher, cache)
    mask, scores = engine.matches(parsed)
    mask &= engine.filter_mask(visible)
    docs = np.flatnonzero(mask)
    by_date = listing or query.sort == "date"
    keys = engine.numeric("sort_date")[docs] if by_date else scores[docs]
    page_docs = top(docs, keys, page * per_page)[(page - 1) * per_page :]
    terms = Terms({text for field, text in engine.matched_terms if field in ("text", "title")})
    hits = []
    for docnum in page_docs.tolist():
        stored = searcher.stored_fields(docnum)
        score = 0.0 if by_date else float(scores[docnum])
        hits.append(_hit(stored, highlights=[] if listing else _highlights(stored, terms), score=score))
    facets = {name: dict(sorted(engine.counts(mask, name).items())) for name in FACET_FIELDS}
    facets = {name: {value: n for value, n in counts.items() if value} for name, counts in facets.items()}
    return SearchResult(total=len(docs), hits=hits, facets=facets)


def _hit(stored: dict[str, Any], *, highlights: list[str], score: float) -> SearchHit:
    """score is the relevance; 0.0 in date order."""
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


def _highlights(stored: dict[str, Any], terms: Terms) -> list[str]:
    """Fragments of the body where the query matched; the whole title when only the title did."""
    body = fragments(stored.get("text") or "", terms)
    if body:
        return body
    title = marked(stored.get("title") or "", terms)
    return [title] if title else []
