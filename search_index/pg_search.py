"""The PostgreSQL index's tables and its reading: a search's hits, total and facets, typo candidates from the
vocabulary, and the documents similar to one."""

from __future__ import annotations

import math
from typing import Any

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
    cast,
    event,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, REAL, TSQUERY, TSVECTOR
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from whoosh.query import Every, Query

from search_index.documents import SearchHit, SearchQuery, SearchResult
from search_index.highlighting import SCAN_CHARS, WINDOW_CHARS, Terms, fragments, marked
from search_index.index import FACET_FIELDS, MAX_PER_PAGE, SIMILAR_TERMS
from search_index.pg_text import (
    RANK_NORMALIZATION,
    RANK_WEIGHTS,
    Translated,
    Translation,
    bare,
    edit_distance,
    loosened,
    quote,
)

# Of a hit's stored text, what fragments() may look at: the first match is sought in SCAN_CHARS, fragments are
# chosen in the WINDOW_CHARS after it.
HIGHLIGHT_CHARS = SCAN_CHARS + WINDOW_CHARS
FUZZY_SIMILARITY = 0.15  # pg_trgm's threshold for a typo's candidates, before the edit distance decides
FUZZY_CANDIDATES = 2000
PREFIX_EXPANSIONS = 500  # vocabulary words a prefix highlights
# The matches ranked first by the small vector whose order is refined by their whole vectors (reading 100 of them
# costs about 3 ms): the pages within them come out much as the whole vectors would order every match.
REFINED = 100

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
    Column("rank_lexemes", TSVECTOR, nullable=False),  # what ts_rank reads: pg_text.RANK_TEXT_WORDS
    Index("ix_search_entries_lexemes", "lexemes", postgresql_using="gin"),
    Index("ix_search_entries_sort_date", "sort_date"),
)

# Kept in the row, compressed only when the row would not fit otherwise (decompressing costs more than ranking).
RANK_STORAGE = "ALTER TABLE search_entries ALTER COLUMN rank_lexemes SET STORAGE MAIN"  # migration 0024 too
# The text and the whole vector go out of line compressed: lz4 where the server has it (PostgreSQL 14 and later,
# built with it, as Debian's and the PGDG packages are) writes them about twice as fast as the default pglz and
# reads them back faster (a phrase rechecks every candidate's vector). Migration 0028 too; it applies to values
# written from then on, so a `casefiles reindex` recompresses an existing index.
LZ4_AVAILABLE = (
    "SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals))"
)
LZ4_COLUMNS = (
    "ALTER TABLE search_entries ALTER COLUMN text SET COMPRESSION lz4, ALTER COLUMN lexemes SET COMPRESSION lz4"
)


@event.listens_for(entries, "after_create")
def _column_storage(target: Table, connection: Connection, **_: Any) -> None:
    connection.execute(text(RANK_STORAGE))
    if connection.execute(text(LZ4_AVAILABLE)).scalar():
        connection.execute(text(LZ4_COLUMNS))


vocabulary = Table(
    "search_vocabulary",
    metadata,
    Column("lemma", Text, primary_key=True),
    Column("document_count", Integer, nullable=False),
    Index("ix_search_vocabulary_lemma_trgm", "lemma", postgresql_using="gin", postgresql_ops={"lemma": "gin_trgm_ops"}),
)

EXTENSIONS = ("pg_trgm",)


class Vocabulary:
    """The lemmas the index holds, for the typo-tolerant pass of one search."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._known: dict[str, bool] = {}
        self._candidates: dict[tuple[str, int, int], list[str]] = {}  # a word is looked for in several fields
        self._threshold_set = False

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
        key = (word, maxdist, prefixlength)
        if key not in self._candidates:
            self._candidates[key] = self._similar(word, maxdist, prefixlength)
        return self._candidates[key]

    def _similar(self, word: str, maxdist: int, prefixlength: int) -> list[str]:
        if not self._threshold_set:  # for the connection's transaction, which the whole search is
            self.connection.execute(
                text("SELECT set_config('pg_trgm.similarity_threshold', :value, true)"),
                {"value": str(FUZZY_SIMILARITY)},
            )
            self._threshold_set = True
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
    exact = _matches(entries.c.lexemes, tsquery)
    rank = entries.c.rank_lexemes
    loose = loosened(tsquery)
    if loose is None:
        # A phrase or a field's word: where the small vector (every field but the body, the body's first words)
        # has the match, the whole one is not read; with no negation, what matches some of a document's
        # positions matches the document. The GIN index finds the candidates by their words alone.
        words = bare(tsquery)
        if words is None:
            return exact
        return and_(_matches(entries.c.lexemes, words), or_(_matches(rank, tsquery), exact))
    # The GIN index answers `anywhere` alone; the whole vector is read only where the small one shows a word
    # in a field the query leaves out (pg_text.loosened) and does not match the query itself.
    confirmed = [not_(_matches(rank, loose.elsewhere))]
    if not loose.negations:
        confirmed.append(_matches(rank, tsquery))
    return and_(_matches(entries.c.lexemes, loose.anywhere), or_(*confirmed, exact))


def _matches(vector: ColumnElement[Any], tsquery: str) -> ColumnElement[bool]:
    return vector.bool_op("@@")(cast(literal(tsquery), TSQUERY))


def _rank(tsquery: Translated, vector: ColumnElement[Any] | None = None) -> ColumnElement[float]:
    """ts_rank over the small vector (search_entries.rank_lexemes) unless told another."""
    if isinstance(tsquery, bool):
        return literal(0.0, REAL).label("rank")
    weights = cast(literal(list(RANK_WEIGHTS)), ARRAY(REAL))
    vector = entries.c.rank_lexemes if vector is None else vector
    ranked = func.ts_rank(weights, vector, cast(literal(tsquery), TSQUERY), RANK_NORMALIZATION)
    return ranked.label("rank")


def _hit_columns(rank: ColumnElement[Any]) -> Any:
    c = entries.c
    return select(c.document_id, c.version, c.case_id, c.case_number, c.title, c.type, c.date, rank)


def run(
    connection: Connection, parsed: Query, translation: Translation, visible: ColumnElement[bool], query: SearchQuery
) -> SearchResult:
    per_page = max(1, min(query.per_page, MAX_PER_PAGE))
    page = max(1, query.page)
    listing = isinstance(parsed, Every)
    tsquery = translation.translate(parsed)
    _plan_for_text_search(connection, words=not isinstance(tsquery, bool))
    by_date = listing or query.sort == "date" or isinstance(tsquery, bool)
    rank = literal(0.0, REAL).label("rank") if by_date else _rank(tsquery)
    c = entries.c
    # The matches are found once for the page and the facets: a phrase, or a word in some fields only that
    # _matching cannot loosen, makes PostgreSQL recheck every candidate's whole tsvector.
    matches = (
        select(c.document_id, c.type, c.year, c.district, c.nomenclature, c.sort_date, rank)
        .where(_matching(tsquery), visible)
        .cte("matches")
    )
    m = matches.c
    order = [m.sort_date.desc(), m.document_id] if by_date else [m.rank.desc(), m.sort_date.desc(), m.document_id]
    offset = (page - 1) * per_page
    if by_date or offset + per_page > REFINED:
        ordered = select(m.document_id, m.rank, m.sort_date).order_by(*order)
    else:  # the first REFINED by the small vector, in the order of their whole vectors
        first = select(m.document_id, m.sort_date).order_by(*order).limit(REFINED).subquery("first")
        whole = _rank(tsquery, entries.c.lexemes)
        refined = select(first.c.document_id, whole, first.c.sort_date).join(
            entries, entries.c.document_id == first.c.document_id
        )
        r = refined.subquery("refined").c
        ordered = select(r.document_id, r.rank, r.sort_date).order_by(r.rank.desc(), r.sort_date.desc(), r.document_id)
    paged = ordered.limit(per_page).offset(offset).subquery("paged")
    columns = [m.type, m.year, m.district, m.nomenclature]
    counted = select(
        *columns,
        func.grouping(*columns).label("grouping"),
        func.count().label("n"),
        *_nulls(document_id=BigInteger, rank=REAL, sort_date=Integer),
    ).group_by(func.grouping_sets(*columns))
    page_rows = select(
        *_nulls(type=Text, year=Text, district=Text, nomenclature=Text),
        literal(-1, Integer).label("grouping"),
        literal(0, BigInteger).label("n"),
        paged.c.document_id,
        paged.c.rank,
        paged.c.sort_date,
    )
    rows = list(connection.execute(union_all(counted, page_rows)))
    total, facets = _facet_counts([row for row in rows if row.grouping >= 0])
    ranked = [row for row in rows if row.grouping < 0]
    if by_date:
        ranked.sort(key=lambda row: (-row.sort_date, row.document_id))
    else:
        ranked.sort(key=lambda row: (-row.rank, -row.sort_date, row.document_id))
    if not ranked:
        return SearchResult(total=total, hits=[], facets=facets)
    details = _details(connection, [row.document_id for row in ranked], bodies=not listing)
    if listing:
        hits = [_hit(details[row.document_id], highlights=[], score=0.0) for row in ranked]
        return SearchResult(total=total, hits=hits, facets=facets)
    terms = Terms(translation.terms | _expanded(connection, translation.prefixes))
    hits = []
    for row in ranked:
        hit = details[row.document_id]
        hits.append(_hit(hit, highlights=_highlights(hit.body, hit.title, terms), score=float(row.rank)))
    return SearchResult(total=total, hits=hits, facets=facets)


def _nulls(**types: Any) -> list[ColumnElement[Any]]:
    """Typed NULL columns, for one side of a UNION."""
    return [cast(null(), kind).label(name) for name, kind in types.items()]


def _plan_for_text_search(connection: Connection, *, words: bool) -> None:
    """For this transaction: the planner does not count the cost of reading each row's tsvector (kilobytes, out
    of line), so for a common word it scans the table and reads them all (0.5 s on 20,000 documents) where the GIN
    index's bitmap answers alone (10 ms). Without a seq scan to choose, its costs look huge and it would compile
    the query (JIT, 0.3 s even on a tiny table): no JIT."""
    seqscan = "off" if words else "on"  # one statement: a round trip costs milliseconds on a busy machine
    connection.execute(
        text("SELECT set_config('jit', 'off', true), set_config('enable_seqscan', :seqscan, true)"),
        {"seqscan": seqscan},
    )


def _details(connection: Connection, document_ids: list[int], *, bodies: bool) -> dict[int, Any]:
    """The page's hits, read apart from the matching; with their texts cut short for highlighting (ranking them
    all would read every match's text)."""
    c = entries.c
    body = func.left(c.text, HIGHLIGHT_CHARS) if bodies else literal("")
    rows = connection.execute(
        select(c.document_id, c.version, c.case_id, c.case_number, c.title, c.type, c.date, body.label("body")).where(
            c.document_id.in_(document_ids)
        )
    )
    return {int(row.document_id): row for row in rows}


def _facet_counts(rows: list[Any]) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and every facet's counts over all visible matches, from the grouping sets' rows."""
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


def similar_hits(connection: Connection, document_id: int, visible: ColumnElement[bool], limit: int) -> list[SearchHit]:
    words = _telling_words(connection, document_id)
    if not words:
        return []
    tsquery = "(" + " | ".join(f"{word}:D" for word in words) + ")"
    _plan_for_text_search(connection, words=True)
    rank = _rank(tsquery)
    rows = connection.execute(
        _hit_columns(rank)
        .where(_matching(tsquery), visible, entries.c.document_id != document_id)
        .order_by(rank.desc(), entries.c.sort_date.desc(), entries.c.document_id)
        .limit(limit)
    )
    return [_hit(row, highlights=[], score=float(row.rank)) for row in rows]
