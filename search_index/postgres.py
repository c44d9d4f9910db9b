"""PostgresSearchIndex: the search index in PostgreSQL tables, with the surface and meaning of SearchIndex.

Lexemes come from our analyzer (pymorphy3 lemmas, synonyms, compound parts) as tsvectors built in Python (see
pg_text.py); queries are parse_text's trees as tsqueries; filters and permissions are WHERE clauses; facets one
GROUP BY over every visible match. Writers take a transaction-scoped advisory lock, so they follow each other
as whoosh's writers do; readers see the last commit (MVCC), a rebuild included only once it commits."""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import secrets
import threading
import typing
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import psycopg.errors
from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from whoosh.query import Every, NullQuery

from search_index.analysis import russian_analyzer
from search_index.documents import (
    IndexBusy,
    IndexedDocument,
    IndexMissing,
    IndexUnavailable,
    QueryError,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from search_index.index import FACET_FIELDS, PROGRESS_EVERY, SIMILAR_LIMIT, BatchWrites, build_schema
from search_index.pg_search import (
    EXTENSIONS,
    Vocabulary,
    entries,
    metadata,
    run,
    similar_hits,
    visible_filter,
    vocabulary,
)
from search_index.pg_text import Translation, document_lexemes
from search_index.querying import parse_text

WRITE_TIMEOUT = 30.0
BATCH = 500  # documents a statement writes
BUILD_MEMORY = "256MB"  # maintenance_work_mem while a rebuild builds its GIN index (the server's default: 64MB)
# Processes that analyse documents during a rebuild (default: the machine's cores); 1 analyses in-process.
WORKERS_SETTING = "CASEFILES_INDEX_WORKERS"
_LOCK_NAME = "casefiles.search_index:"  # + the schema: one writer per index


class PostgresSearchIndex(BatchWrites):
    """The index in the tables `search_entries` and `search_vocabulary` of the engine's database (the schema the
    connection's search_path names first). IndexMissing while they are not there; `rebuild` makes them."""

    def __init__(
        self,
        engine: Engine,
        *,
        write_timeout: float = WRITE_TIMEOUT,
        create: bool = True,
        workers: int | None = None,
    ) -> None:
        """`workers`: processes analysing the documents of a rebuild (default CASEFILES_INDEX_WORKERS, else the
        number of cores); every other write analyses in the writing process."""
        self.engine = engine
        self.write_timeout = write_timeout
        self.workers = max(1, workers if workers is not None else index_workers())
        self.schema = build_schema()  # parse_text's fields and analyzers, as whoosh's index has them
        self._analyzer = russian_analyzer()
        if create:
            self.create()

    # Structure

    def create(self) -> None:
        """Make the tables where they are missing (the migration makes them in the app's database)."""
        with self._guarded(), self.engine.begin() as connection:
            if self._has_tables(connection):
                return
            self._lock(connection)  # processes starting together on an empty database: one creates
            if not self._has_tables(connection):
                for name in EXTENSIONS:
                    connection.execute(text(f"CREATE EXTENSION IF NOT EXISTS {name}"))
                metadata.create_all(connection)

    def holds_index(self) -> bool:
        """Whether the tables are there (a new installation's database, before `create`, has none)."""
        with self._guarded(), self.engine.connect() as connection:
            return self._has_tables(connection)

    @staticmethod
    def _has_tables(connection: Connection) -> bool:
        names = set(inspect(connection).get_table_names())
        return {entries.name, vocabulary.name} <= names

    def drop_caches(self, *, columns: bool = False) -> None:
        """Nothing to drop: PostgreSQL keeps its own buffers (the benchmark's cold runs are warm here)."""

    # Writing

    @contextlib.contextmanager
    def writing(self, connection: Connection | None = None) -> Iterator[PostgresIndexWriter]:
        """The one writer of the index until the block ends, then one commit. Given a `connection` already in
        a transaction, writes through it and commits nothing: the caller's commit or rollback decides."""
        if connection is not None:
            # In a savepoint: a writer that gives up waiting (IndexBusy) leaves the caller's transaction usable.
            with self._guarded(), connection.begin_nested():
                self._lock(connection)
            yield PostgresIndexWriter(connection, self._analyzer, self._guarded)
            return
        with self._guarded(), self.engine.begin() as own:
            self._lock(own)
            yield PostgresIndexWriter(own, self._analyzer, self._guarded)

    def rebuild(
        self,
        docs: Iterable[IndexedDocument],
        *,
        progress: Callable[[int], None] | None = None,
        catch_up: Callable[[PostgresIndexWriter], None] | None = None,
    ) -> int:
        """Replace everything in one transaction: readers see the old contents until it commits. The documents
        are copied into a new table without indexes, which are then built in one go (a GIN index built from
        sorted entries costs far less than one kept up row by row) and the table analysed, all without the lock;
        under it the new table takes the old one's place and name, so writers and readers wait only for the
        swap."""
        self.create()
        with self._guarded(), self.engine.begin() as connection:
            suffix = secrets.token_hex(4)  # of the new table's name and its indexes' until the swap
            fresh = f"{entries.name}_{suffix}"
            connection.execute(text(f"CREATE TABLE {fresh} (LIKE {entries.name} INCLUDING ALL EXCLUDING INDEXES)"))
            table = Table(
                fresh,
                MetaData(),
                *(Column(column.name, column.type, primary_key=column.primary_key) for column in entries.columns),
            )
            writer = PostgresIndexWriter(connection, self._analyzer, self._guarded, table=table)
            count, lemmas = writer.load(docs, progress, workers=self.workers)
            memory = text("SELECT set_config('maintenance_work_mem', :memory, true)")
            connection.execute(memory, {"memory": BUILD_MEMORY})
            key = ", ".join(column.name for column in entries.primary_key.columns)
            connection.execute(text(f"ALTER TABLE {fresh} ADD CONSTRAINT {fresh}_pkey PRIMARY KEY ({key})"))
            names = {f"{fresh}_pkey": f"{entries.name}_pkey"}
            for index in entries.indexes:
                columns = [table.c[column.name] for column in index.columns]
                built = Index(f"{index.name}_{suffix}", *columns, **index.dialect_kwargs)
                built.create(connection)
                names[str(built.name)] = str(index.name)
            connection.execute(text(f"ANALYZE {fresh}"))  # a new table has no statistics for the planner
            self._lock(connection)
            connection.execute(delete(vocabulary))
            writer.count_lemmas(lemmas)
            if catch_up is not None:  # into the new table, while readers still read the old one
                catch_up(writer)
            connection.execute(text(f"DROP TABLE {entries.name}"))
            connection.execute(text(f"ALTER TABLE {fresh} RENAME TO {entries.name}"))
            for temporary, name in names.items():
                connection.execute(text(f"ALTER INDEX {temporary} RENAME TO {name}"))
        return count

    def _lock(self, connection: Connection) -> None:
        """Wait up to write_timeout for the other writers (IndexBusy), keeping the caller's lock_timeout."""
        previous = connection.execute(text("SELECT current_setting('lock_timeout')")).scalar_one()
        connection.execute(
            text("SELECT set_config('lock_timeout', :timeout, true)"), {"timeout": f"{int(self.write_timeout * 1000)}"}
        )
        try:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:name || current_schema()))"), {"name": _LOCK_NAME}
            )
        except DBAPIError as exc:
            if isinstance(exc.orig, psycopg.errors.LockNotAvailable):
                busy = f"the search index is locked by another writer for over {self.write_timeout:g}s"
                raise IndexBusy(busy) from exc
            raise
        connection.execute(text("SELECT set_config('lock_timeout', :timeout, true)"), {"timeout": previous})

    # Reading

    def contents(self) -> dict[int, int]:
        with self._guarded(), self.engine.connect() as connection:
            rows = connection.execute(select(entries.c.document_id, entries.c.version))
            return {int(document_id): int(version) for document_id, version in rows}

    def count(self) -> int:
        with self._guarded(), self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(entries)).scalar_one())

    def search(self, query: SearchQuery) -> SearchResult:
        """Exact first; when that finds nothing, again tolerating typos (result.fuzzy tells which)."""
        parsed = parse_text(query.text, self.schema)
        visible = visible_filter(query)
        if visible is None or parsed is NullQuery:
            return SearchResult(total=0, hits=[], facets={name: {} for name in FACET_FIELDS})
        with self._guarded(querying=True), self.engine.connect() as connection:
            result = run(connection, parsed, Translation(), visible, query)
            if result.total or isinstance(parsed, Every):
                return result
            known = Vocabulary(connection)
            tolerant = parse_text(query.text, self.schema, known=known.holds)
            if tolerant == parsed:
                return result
            retry = run(connection, tolerant, Translation(expand=known.candidates), visible, query)
            return dataclasses.replace(retry, fuzzy=True)

    def similar(self, document_id: int, query: SearchQuery, *, limit: int = SIMILAR_LIMIT) -> list[SearchHit]:
        """Documents sharing the most telling words of this one's body (the rarest in the vocabulary, by tf·idf),
        within the permissions and filters of `query`; the document itself excluded."""
        visible = visible_filter(query)
        if visible is None:
            return []
        with self._guarded(querying=True), self.engine.connect() as connection:
            return similar_hits(connection, document_id, visible, limit)

    @contextlib.contextmanager
    def _guarded(self, *, querying: bool = False) -> Iterator[None]:
        """What the database says about missing tables or a held lock, as the index's own errors; in a search,
        a tsquery it refuses is the user's query that cannot be understood."""
        try:
            yield
        except DBAPIError as exc:
            problem = exc.orig
            if isinstance(problem, psycopg.errors.UndefinedTable):
                raise IndexMissing("the search index tables are missing") from exc
            if isinstance(problem, psycopg.errors.LockNotAvailable):
                raise IndexBusy("the search index is locked by another writer") from exc
            refused = isinstance(problem, (psycopg.errors.SyntaxError, psycopg.errors.DataException))
            if querying and refused:
                raise QueryError("the query cannot be understood") from exc
            if isinstance(problem, psycopg.OperationalError):
                raise IndexUnavailable("the search database cannot be reached") from exc
            raise


class PostgresIndexWriter:
    """Adds, replaces and removes documents inside one `PostgresSearchIndex.writing()` block, keeping the
    vocabulary's document counts."""

    def __init__(
        self, connection: Connection, analyzer: Any, guarded: Callable[[], Any], *, table: Table = entries
    ) -> None:
        """`table`: search_entries, or a rebuild's new table before it takes that name."""
        self.connection = connection
        self.table = table
        self._analyzer = analyzer
        self._guarded = guarded
        self.written = False

    def index(self, docs: Iterable[IndexedDocument]) -> None:
        latest = list({doc.document_id: doc for doc in docs}.values())
        for start in range(0, len(latest), BATCH):
            batch = latest[start : start + BATCH]
            rows, lemmas = self._rows(batch)
            with self._guarded():
                self._forget_lemmas([doc.document_id for doc in batch])
                statement = insert(self.table).values(_row_values())
                excluded = statement.excluded
                self.connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=[self.table.c.document_id],
                        set_={
                            column.name: excluded[column.name]
                            for column in self.table.columns
                            if not column.primary_key
                        },
                    ),
                    rows,
                )
                self.count_lemmas(lemmas)
            self.written = True

    def remove(self, document_ids: Iterable[int]) -> None:
        ids = sorted(set(document_ids))
        if not ids:
            return
        with self._guarded():
            self._forget_lemmas(ids)
            self.connection.execute(delete(self.table).where(self.table.c.document_id.in_(ids)))
        self.written = True

    def load(
        self,
        docs: Iterable[IndexedDocument],
        progress: Callable[[int], None] | None,
        *,
        workers: int = 1,
    ) -> tuple[int, Counter[str]]:
        """Documents into the writer's table by COPY, for a rebuild's new table, which has no index yet (a
        repeated document_id keeps its first copy); returns the count and the document frequency of every lemma.
        With several `workers`, batches are analysed by that many processes while this one writes the analysed
        batches in their order, through this connection."""
        seen: set[int] = set()
        lemmas: Counter[str] = Counter()

        def batches() -> Iterator[list[IndexedDocument]]:
            batch: list[IndexedDocument] = []
            for doc in docs:
                if doc.document_id in seen:
                    continue
                seen.add(doc.document_id)
                batch.append(doc)
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
                if progress is not None and len(seen) % PROGRESS_EVERY == 0:
                    progress(len(seen))
            if batch:
                yield batch

        def write(rows: list[dict[str, Any]], counted: Counter[str]) -> None:
            lemmas.update(counted)
            with self._guarded():
                _copy(self.connection, self.table, rows)

        with contextlib.ExitStack() as stack:
            pool: ProcessPoolExecutor | None = None
            pending: deque[Future[tuple[list[dict[str, Any]], Counter[str]]]] = deque()
            held: list[IndexedDocument] | None = None  # the first batch, until a second says a pool is worth it
            for batch in batches():
                if workers < 2:
                    write(*self._rows(batch))
                    continue
                if pool is None:
                    if held is None:
                        held = batch
                        continue
                    pool = stack.enter_context(_analysis_pool(workers))
                    pending.append(pool.submit(_analysed_rows, held))
                    held = None
                pending.append(pool.submit(_analysed_rows, batch))
                while len(pending) > 2 * workers:
                    write(*pending.popleft().result())
            if held is not None:
                write(*self._rows(held))
            while pending:
                write(*pending.popleft().result())
        if progress is not None:
            progress(len(seen))
        return len(seen), lemmas

    def count_lemmas(self, lemmas: Counter[str]) -> None:
        """Add these document counts to the vocabulary (negative ones subtract)."""
        changes = [(lemma, count) for lemma, count in sorted(lemmas.items()) if count]
        if not changes:
            return
        new = select(
            func.unnest(cast(bindparam("lemmas"), ARRAY(Text))).label("lemma"),
            func.unnest(cast(bindparam("counts"), ARRAY(Integer))).label("document_count"),
        )
        statement = insert(vocabulary).from_select(["lemma", "document_count"], new)
        statement = statement.on_conflict_do_update(
            index_elements=[vocabulary.c.lemma],
            set_={"document_count": vocabulary.c.document_count + statement.excluded.document_count},
        )
        self.connection.execute(
            statement, {"lemmas": [lemma for lemma, _ in changes], "counts": [count for _, count in changes]}
        )
        if any(count < 0 for _, count in changes):
            self.connection.execute(delete(vocabulary).where(vocabulary.c.document_count <= 0))

    def _forget_lemmas(self, document_ids: list[int]) -> None:
        """Take the lemmas of the stored copies of these documents out of the vocabulary's counts."""
        lemma = func.unnest(func.tsvector_to_array(self.table.c.lexemes)).label("lemma")
        old = select(lemma).where(self.table.c.document_id.in_(document_ids)).subquery()
        counts = Counter(
            {
                str(row[0]): -int(row[1])
                for row in self.connection.execute(select(old.c.lemma, func.count()).group_by(old.c.lemma))
            }
        )
        self.count_lemmas(counts)

    def _rows(self, docs: list[IndexedDocument]) -> tuple[list[dict[str, Any]], Counter[str]]:
        rows = []
        lemmas: Counter[str] = Counter()
        for doc in docs:
            lexemes = document_lexemes(doc, self._analyzer)
            lemmas.update(lexemes.distinct)
            rows.append(
                {  # PostgreSQL's text holds no NUL: a space, as the highlights would show it
                    "document_id": doc.document_id,
                    "version": doc.version,
                    "case_id": doc.case_id,
                    "case_number": _storable(doc.case_number),
                    "title": _storable(doc.title),
                    "type": _storable(doc.type),
                    "date": doc.date,
                    "sort_date": doc.date.toordinal() if doc.date else 0,
                    "district": _storable(doc.district),
                    "nomenclature": _storable(doc.nomenclature),
                    "year": str(doc.year),
                    "text": _storable(doc.text),
                    "lexemes": lexemes.literal,
                    "rank_lexemes": lexemes.rank_literal,
                }
            )
        return rows, lemmas


def index_workers() -> int:
    """CASEFILES_INDEX_WORKERS, else the number of cores this process may use."""
    setting = os.environ.get(WORKERS_SETTING, "").strip()
    if setting:
        try:
            return max(1, int(setting))
        except ValueError:
            raise ValueError(f"{WORKERS_SETTING} must be a whole number, not {setting!r}") from None
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextlib.contextmanager
def _analysis_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Processes for _analysed_rows: forked (they inherit the loaded dictionaries and the warm word cache) where
    this process runs no other thread, else started afresh."""
    forkable = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if forkable else "spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _analysed_rows(docs: list[IndexedDocument]) -> tuple[list[dict[str, Any]], Counter[str]]:
    """In an analysis process: the rows of these documents and their lemmas' document counts (a writer
    with no connection only analyses)."""
    return PostgresIndexWriter(typing.cast(Connection, None), _worker_analyzer(), contextlib.nullcontext)._rows(docs)


_worker_analyzers: list[Any] = []


def _worker_analyzer() -> Any:
    if not _worker_analyzers:
        _worker_analyzers.append(russian_analyzer())
    return _worker_analyzers[0]


def _copy(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """The rows into `table` by COPY, in the connection's transaction: for a rebuild's new table, where there is no
    conflict to resolve, it saves PostgreSQL planning an INSERT per row (the tsvector literals are parsed alike)."""
    names = [column.name for column in table.columns]
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in names])


def _storable(value: str) -> str:
    return value.replace("\x00", " ")


def _row_values() -> dict[str, Any]:
    values: dict[str, Any] = {column.name: bindparam(column.name) for column in entries.columns}
    values["lexemes"] = cast(bindparam("lexemes"), TSVECTOR)
    values["rank_lexemes"] = cast(bindparam("rank_lexemes"), TSVECTOR)
    return values
