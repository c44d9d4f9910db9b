"""PostgresSearchIndex: the search index in PostgreSQL tables, with the surface and meaning of SearchIndex.

Lexemes come from our analyzer (pymorphy3 lemmas, synonyms, compound parts) as tsvectors built in Python (see
pg_text.py); queries are parse_text's trees as tsqueries; filters and permissions are WHERE clauses; facets one
GROUP BY over every visible match. Writers take a transaction-scoped advisory lock, so they follow each other
as whoosh's writers do; readers see the last commit (MVCC), a rebuild included only once it commits."""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import psycopg.errors
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    false,
    func,
    inspect,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, REAL, TSQUERY, TSVECTOR, insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement
from whoosh.query import Every, NullQuery, Query

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
from search_index.highlighting import Terms, fragments, marked
from search_index.index import FACET_FIELDS, MAX_PER_PAGE, PROGRESS_EVERY, SIMILAR_LIMIT, SIMILAR_TERMS, build_schema
from search_index.pg_text import RANK_WEIGHTS, Translated, Translation, document_lexemes, edit_distance, quote
from search_index.querying import parse_text

T = TypeVar("T")

WRITE_TIMEOUT = 30.0
BATCH = 500  # documents a statement writes
HIGHLIGHT_CHARS = 100_000  # of a hit's stored text examined for highlights
FUZZY_SIMILARITY = 0.15  # pg_trgm's threshold for a typo's candidates, before the edit distance decides
FUZZY_CANDIDATES = 2000
PREFIX_EXPANSIONS = 500  # vocabulary words a prefix highlights
_LOCK_NAME = "casefiles.search_index:"  # + the schema: one writer per index

metadata = MetaData()

entries = Table(
    "search_entries",
    metadata,
    Column("document_id", BigInteger, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("case_id", BigInteger, nullable=False),
    Column("case_number", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("date", Date, nullable=True),
    Column("sort_date", Integer, nullable=False),  # ordinal; 0 for undated, which sort last in "newest first"
    Column("district", Text, nullable=False),
    Column("nomenclature", Text, nullable=False),
    Column("year", Text, nullable=False),
    Column("text", Text, nullable=False),  # stored for highlights
    Column("lexemes", TSVECTOR, nullable=False),
    Index("ix_search_entries_lexemes", "lexemes", postgresql_using="gin"),
    Index("ix_search_entries_sort_date", "sort_date"),
)

vocabulary = Table(
    "search_vocabulary",
    metadata,
    Column("lemma", Text, primary_key=True),
    Column("document_count", Integer, nullable=False),
    Index("ix_search_vocabulary_lemma_trgm", "lemma", postgresql_using="gin", postgresql_ops={"lemma": "gin_trgm_ops"}),
)

EXTENSIONS = ("pg_trgm",)


class PostgresSearchIndex:
    """The index in the tables `search_entries` and `search_vocabulary` of the engine's database (the schema the
    connection's search_path names first). IndexMissing while they are not there; `rebuild` makes them."""

    def __init__(self, engine: Engine, *, write_timeout: float = WRITE_TIMEOUT, create: bool = True) -> None:
        self.engine = engine
        self.write_timeout = write_timeout
        self.schema = build_schema()  # parse_text's fields and analyzers, as whoosh's index has them
        self._analyzer = russian_analyzer()
        if create:
            self.create()

    # Structure

    def create(self) -> None:
        """Make the tables where they are missing (the migration makes them in the app's database)."""
        with self._guarded(), self.engine.begin() as connection:
            if not self._has_tables(connection):
                for name in EXTENSIONS:
                    connection.execute(text(f"CREATE EXTENSION IF NOT EXISTS {name}"))
                metadata.create_all(connection)

    def holds_index(self) -> bool:
        with self.engine.connect() as connection:
            return self._has_tables(connection)

    @staticmethod
    def _has_tables(connection: Connection) -> bool:
        names = set(inspect(connection).get_table_names())
        return {entries.name, vocabulary.name} <= names

    def drop_caches(self, *, columns: bool = False) -> None:
        """Nothing to drop: PostgreSQL keeps its own buffers (the benchmark's cold runs are warm here)."""

    # Writing

    def index(self, docs: Iterable[IndexedDocument]) -> None:
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
    def writing(self, connection: Connection | None = None) -> Iterator[PostgresIndexWriter]:
        """The one writer of the index until the block ends, then one commit. Given a `connection` already in
        a transaction, writes through it and commits nothing: the caller's commit or rollback decides."""
        if connection is not None:
            with self._guarded():
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
        are analysed into a temporary table first, without the lock, so writers wait only for the swap."""
        self.create()
        with self._guarded(), self.engine.begin() as connection:
            connection.execute(
                text(f"CREATE TEMP TABLE search_staging (LIKE {entries.name} INCLUDING DEFAULTS) ON COMMIT DROP")
            )
            staging = Table("search_staging", MetaData(), *(column.copy() for column in entries.columns))
            writer = PostgresIndexWriter(connection, self._analyzer, self._guarded)
            count, lemmas = writer.stage(staging, docs, progress)
            self._lock(connection)
            connection.execute(delete(entries))
            connection.execute(delete(vocabulary))
            columns = [column.name for column in entries.columns]
            connection.execute(entries.insert().from_select(columns, select(*staging.columns)))
            writer.count_lemmas(lemmas)
            if catch_up is not None:
                catch_up(writer)
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
        with self._guarded(), self.engine.connect() as connection:
            result = _run(connection, parsed, Translation(), visible, query)
            if result.total or isinstance(parsed, Every):
                return result
            known = _Vocabulary(connection)
            tolerant = parse_text(query.text, self.schema, known=known.holds)
            if tolerant == parsed:
                return result
            retry = _run(connection, tolerant, Translation(expand=known.candidates), visible, query)
            return dataclasses.replace(retry, fuzzy=True)

    def similar(self, document_id: int, query: SearchQuery, *, limit: int = SIMILAR_LIMIT) -> list[SearchHit]:
        """Documents sharing the most telling words of this one's body (the rarest in the vocabulary, by tf·idf),
        within the permissions and filters of `query`; the document itself excluded."""
        visible = visible_filter(query)
        if visible is None:
            return []
        with self._guarded(), self.engine.connect() as connection:
            words = _telling_words(connection, document_id)
            if not words:
                return []
            tsquery = "(" + " | ".join(f"{word}:D" for word in words) + ")"
            matching = _matching(tsquery)
            rank = _rank(tsquery)
            rows = connection.execute(
                _hit_columns(rank)
                .where(matching, visible, entries.c.document_id != document_id)
                .order_by(rank.desc(), entries.c.sort_date.desc(), entries.c.document_id)
                .limit(limit)
            )
            return [_hit(row, highlights=[], score=float(row.rank)) for row in rows]

    @contextlib.contextmanager
    def _guarded(self) -> Iterator[None]:
        """What the database says about missing tables or a held lock, as the index's own errors."""
        try:
            yield
        except DBAPIError as exc:
            problem = exc.orig
            if isinstance(problem, psycopg.errors.UndefinedTable):
                raise IndexMissing("the search index tables are missing") from exc
            if isinstance(problem, psycopg.errors.LockNotAvailable):
                raise IndexBusy("the search index is locked by another writer") from exc
            if isinstance(problem, (psycopg.errors.SyntaxError, psycopg.errors.DataException)):
                raise QueryError("the query cannot be understood") from exc
            if isinstance(problem, psycopg.OperationalError):
                raise IndexUnavailable("the search database cannot be reached") from exc
            raise


class PostgresIndexWriter:
    """Adds, replaces and removes documents inside one `PostgresSearchIndex.writing()` block, keeping the
    vocabulary's document counts."""

    def __init__(self, connection: Connection, analyzer: Any, guarded: Callable[[], Any]) -> None:
        self.connection = connection
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
                statement = insert(entries).values(_row_values())
                excluded = statement.excluded
                self.connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=[entries.c.document_id],
                        set_={
                            column.name: excluded[column.name] for column in entries.columns if not column.primary_key
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
            self.connection.execute(delete(entries).where(entries.c.document_id.in_(ids)))
        self.written = True

    def stage(
        self, staging: Table, docs: Iterable[IndexedDocument], progress: Callable[[int], None] | None
    ) -> tuple[int, Counter[str]]:
        """Documents into `staging` (a repeated document_id keeps its first copy); returns the count and the
        document frequency of every lemma."""
        seen: set[int] = set()
        lemmas: Counter[str] = Counter()
        batch: list[IndexedDocument] = []

        def flush() -> None:
            rows, counted = self._rows(batch)
            lemmas.update(counted)
            with self._guarded():
                self.connection.execute(staging.insert().values(_row_values()), rows)
            batch.clear()

        for doc in docs:
            if doc.document_id in seen:
                continue
            seen.add(doc.document_id)
            batch.append(doc)
            if len(batch) >= BATCH:
                flush()
            if progress is not None and len(seen) % PROGRESS_EVERY == 0:
                progress(len(seen))
        if batch:
            flush()
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
        lemma = func.unnest(func.tsvector_to_array(entries.c.lexemes)).label("lemma")
        old = select(lemma).where(entries.c.document_id.in_(document_ids)).subquery()
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
            literal_lexemes, distinct = document_lexemes(doc, self._analyzer)
            lemmas.update(distinct)
            rows.append(
                {
                    "document_id": doc.document_id,
                    "version": doc.version,
                    "case_id": doc.case_id,
                    "case_number": doc.case_number,
                    "title": doc.title,
                    "type": doc.type,
                    "date": doc.date,
                    "sort_date": doc.date.toordinal() if doc.date else 0,
                    "district": doc.district,
                    "nomenclature": doc.nomenclature,
                    "year": str(doc.year),
                    "text": doc.text,
                    "lexemes": literal_lexemes,
                }
            )
        return rows, lemmas


def _stored_columns() -> list[Column[Any]]:
    return [column for column in entries.columns if not column.primary_key]


def _row_values() -> dict[str, Any]:
    values: dict[str, Any] = {column.name: bindparam(column.name) for column in entries.columns}
    values["lexemes"] = cast(bindparam("lexemes"), TSVECTOR)
    return values


class _Vocabulary:
    """The lemmas the index holds, for the typo-tolerant pass of one search."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._known: dict[str, bool] = {}

    def holds(self, lemma: str) -> bool:
        if lemma not in self._known:
            found = self.connection.execute(
                select(vocabulary.c.lemma).where(vocabulary.c.lemma == lemma, vocabulary.c.document_count > 0)
            ).first()
            self._known[lemma] = found is not None
        return self._known[lemma]

    def candidates(self, word: str, maxdist: int, prefixlength: int) -> list[str]:
        """Lemmas within `maxdist` edits of `word` sharing its first `prefixlength` letters: pg_trgm finds the
        similar ones through its index, the edit distance decides."""
        self.connection.execute(
            text("SELECT set_config('pg_trgm.similarity_threshold', :value, false)"), {"value": str(FUZZY_SIMILARITY)}
        )
        lemma = vocabulary.c.lemma
        rows = self.connection.execute(
            select(lemma)
            .where(
                lemma.op("%")(word),
                func.left(lemma, prefixlength) == word[:prefixlength],
                func.length(lemma).between(len(word) - maxdist, len(word) + maxdist),
                vocabulary.c.document_count > 0,
            )
            .limit(FUZZY_CANDIDATES)
        )
        found = [str(row[0]) for row in rows]
        return sorted(candidate for candidate in found if edit_distance(word, candidate, maxdist) <= maxdist)


def visible_filter(query: SearchQuery) -> ColumnElement[bool] | None:
    """Permissions and the chosen filters as a WHERE clause; None when nothing can be visible."""
    c = entries.c
    if query.allowed_districts is None:
        allowed: ColumnElement[bool] = true()
    elif not query.allowed_districts and not query.allowed_case_ids:
        return None
    else:
        allowed = or_(
            c.district.in_(sorted(query.allowed_districts)) if query.allowed_districts else false(),
            c.case_id.in_(sorted(query.allowed_case_ids)) if query.allowed_case_ids else false(),
        )
    chosen = [allowed]
    for column, value in ((c.type, query.type), (c.nomenclature, query.nomenclature), (c.district, query.district)):
        if value:
            chosen.append(column == value)
    if query.year is not None:
        chosen.append(c.year == str(query.year))
    if query.case_id is not None:
        chosen.append(c.case_id == query.case_id)
    if query.date_from:
        chosen.append(c.date >= query.date_from)
    if query.date_to:
        chosen.append(c.date <= query.date_to)
    return and_(*chosen)


def _matching(tsquery: Translated) -> ColumnElement[bool]:
    if isinstance(tsquery, bool):
        return true() if tsquery else false()
    return entries.c.lexemes.op("@@")(cast(literal(tsquery), TSQUERY))


def _rank(tsquery: Translated) -> ColumnElement[float]:
    if isinstance(tsquery, bool):
        return literal(0.0, REAL).label("rank")
    weights = cast(literal(list(RANK_WEIGHTS)), ARRAY(REAL))
    return func.ts_rank(weights, entries.c.lexemes, cast(literal(tsquery), TSQUERY)).label("rank")


def _hit_columns(rank: ColumnElement[Any]) -> Any:
    c = entries.c
    return select(c.document_id, c.version, c.case_id, c.case_number, c.title, c.type, c.date, rank)


def _run(
    connection: Connection, parsed: Query, translation: Translation, visible: ColumnElement[bool], query: SearchQuery
) -> SearchResult:
    per_page = max(1, min(query.per_page, MAX_PER_PAGE))
    page = max(1, query.page)
    listing = isinstance(parsed, Every)
    tsquery = translation.translate(parsed)
    where = and_(_matching(tsquery), visible)
    by_date = listing or query.sort == "date" or isinstance(tsquery, bool)
    rank = literal(0.0, REAL).label("rank") if by_date else _rank(tsquery)
    c = entries.c
    order = [c.sort_date.desc(), c.document_id] if by_date else [rank.desc(), c.sort_date.desc(), c.document_id]
    statement = _hit_columns(rank).add_columns(func.left(c.text, HIGHLIGHT_CHARS).label("body"))
    rows = connection.execute(statement.where(where).order_by(*order).limit(per_page).offset((page - 1) * per_page))
    hits_rows = list(rows)
    total, facets = _facets(connection, where)
    terms = Terms(translation.terms | _expanded(connection, translation.prefixes if hits_rows else set()))
    hits = [
        _hit(row, highlights=[] if listing else _highlights(row.body, row.title, terms), score=float(row.rank))
        for row in hits_rows
    ]
    return SearchResult(total=total, hits=hits, facets=facets)


def _facets(connection: Connection, where: ColumnElement[bool]) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and every facet's counts over all visible matches, in one scan."""
    c = entries.c
    columns = [c.type, c.year, c.district, c.nomenclature]
    grouping = func.grouping(*columns).label("grouping")
    sets = func.grouping_sets(*columns)
    rows = connection.execute(select(*columns, grouping, func.count().label("n")).where(where).group_by(sets))
    facets: dict[str, dict[str, int]] = {name: {} for name in FACET_FIELDS}
    total = 0
    for row in rows:
        # grouping's bits are set for the columns left out of a row's set: the one clear bit names the facet.
        position = next(bit for bit in range(4) if not row.grouping & (1 << (3 - bit)))
        name = FACET_FIELDS[position]
        value = row[position]
        if position == 0:
            total += int(row.n)
        if value:
            facets[name][str(value)] = int(row.n)
    return total, {name: dict(sorted(counts.items())) for name, counts in facets.items()}


def _expanded(connection: Connection, prefixes: set[str]) -> set[str]:
    """The vocabulary's words that start with these prefixes, for highlighting."""
    words: set[str] = set()
    for prefix in sorted(prefixes):
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = connection.execute(
            select(vocabulary.c.lemma).where(vocabulary.c.lemma.like(pattern)).limit(PREFIX_EXPANSIONS)
        )
        words.update(str(row[0]) for row in rows)
    return words


def _telling_words(connection: Connection, document_id: int) -> list[str]:
    """The body's SIMILAR_TERMS words with the highest tf·idf that some other document also holds, quoted."""
    total = connection.execute(select(func.count()).select_from(entries)).scalar_one()
    rows = connection.execute(
        text(
            "SELECT t.lexeme, coalesce(array_length(t.positions, 1), 1) AS tf, v.document_count AS df"
            " FROM search_entries e CROSS JOIN LATERAL unnest(ts_filter(e.lexemes, '{d}')) AS t"
            " JOIN search_vocabulary v ON v.lemma = t.lexeme"
            " WHERE e.document_id = :document_id AND v.document_count > 1"
        ),
        {"document_id": document_id},
    )
    scored = sorted(((-tf * math.log(1 + total / df), lexeme) for lexeme, tf, df in rows))
    return [quote(lexeme) for _, lexeme in scored[:SIMILAR_TERMS]]


def _hit(row: Any, *, highlights: list[str], score: float) -> SearchHit:
    return SearchHit(
        document_id=int(row.document_id),
        version=int(row.version),
        case_id=int(row.case_id),
        case_number=str(row.case_number),
        title=str(row.title),
        type=str(row.type),
        date=row.date,
        highlights=highlights,
        score=score,
    )


def _highlights(body: str, title: str, terms: Terms) -> list[str]:
    """Fragments of the body where the query matched; the whole title when only the title did."""
    found = fragments(body or "", terms)
    if found:
        return found
    whole = marked(title or "", terms)
    return [whole] if whole else []
