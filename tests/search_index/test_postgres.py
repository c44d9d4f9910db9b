"""What only the PostgreSQL index has: writing inside the caller's transaction, MVCC during a rebuild, the
advisory lock, missing tables, the vocabulary's counts and tsquery syntax in user input."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from search_index import IndexBusy, IndexedDocument, IndexMissing, QueryError, SearchIndex, SearchQuery
from search_index.pg_search import vocabulary
from search_index.postgres import PostgresIndexWriter
from tests.search_index.conftest import POSTGRES_URL, Indexes
from tests.search_index.factories import SEARCH_COLUMN_STORAGE, doc, every_read_and_write, found, search_column_storage
from tests.search_index.recall_set import CORPUS, PAIRS

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="runs in the PostgreSQL pass of scripts/test.sh"),
]


@pytest.fixture
def indexes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Indexes]:
    made = Indexes("postgres", tmp_path, request)
    yield made
    made.close()


def test_writing_in_the_callers_transaction_commits_with_it_or_not_at_all(indexes: Indexes) -> None:
    index = indexes()
    engine = indexes.engine()
    with engine.connect() as connection:
        transaction = connection.begin()
        with index.writing(connection=connection) as writer:
            writer.index([doc(1, "семья"), doc(2, "семья")])
            writer.remove([2])
        connection.execute(text("SELECT 1"))  # the caller's transaction goes on after the block
        assert index.count() == 0  # not committed: other connections see nothing yet
        transaction.rollback()
    assert (index.count(), found(index, "семья")) == (0, [])
    assert _vocabulary(indexes) == {}
    with engine.begin() as connection, index.writing(connection=connection) as writer:
        writer.index([doc(3, "семья")])
    assert found(index, "семья") == [3]


def test_a_rebuild_shows_the_old_contents_until_it_commits(indexes: Indexes) -> None:
    index, reader = indexes(), indexes()
    index.index([doc(1, "старый"), doc(2, "старый")])
    seen: list[tuple[list[int], list[int], int]] = []

    def catch_up(writer: PostgresIndexWriter) -> None:
        seen.append((found(reader, "старый"), found(reader, "новый"), reader.count()))
        writer.index([doc(4, "новый")])

    assert index.rebuild([doc(2, "новый"), doc(3, "новый")], catch_up=catch_up) == 2
    assert seen == [([1, 2], [], 2)]
    assert (found(reader, "старый"), found(reader, "новый"), reader.count()) == ([], [2, 3, 4], 3)


def test_a_rebuild_builds_a_new_table_that_takes_the_old_ones_name_indexes_and_storage(indexes: Indexes) -> None:
    index = indexes()
    index.index([doc(1, "старый")])
    before = _table_shape(indexes)
    assert before["indexes"] == {"search_entries_pkey", "ix_search_entries_lexemes", "ix_search_entries_sort_date"}
    assert before["storage"] == SEARCH_COLUMN_STORAGE

    def failing() -> Iterator[IndexedDocument]:
        yield doc(2, "новый")
        raise RuntimeError("the database went away mid-rebuild")

    with pytest.raises(RuntimeError):
        index.rebuild(failing())
    assert (_table_shape(indexes), found(index, "старый")) == (before, [1])  # nothing left behind
    assert index.rebuild([doc(2, "новый"), doc(3, "новый")]) == 2
    assert _table_shape(indexes) == before
    assert (found(index, "новый"), found(index, "старый"), index.contents()) == ([2, 3], [], {2: 1, 3: 1})
    index.index([doc(2, "старый", version=2)])  # the primary key still decides a replacement
    assert (found(index, "старый"), index.contents()) == ([2], {2: 2, 3: 1})


def _table_shape(indexes: Indexes) -> dict[str, Any]:
    with indexes.engine().connect() as connection:
        return {
            "tables": set(
                connection.scalars(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
                )
            ),
            "indexes": set(
                connection.scalars(
                    text(
                        "SELECT indexname FROM pg_indexes WHERE tablename = 'search_entries'"
                        " AND schemaname = current_schema()"
                    )
                )
            ),
            "storage": search_column_storage(connection),
        }


def test_a_held_lock_makes_writers_busy_and_they_write_nothing(indexes: Indexes) -> None:
    index = indexes(write_timeout=0.2)
    other = indexes("index")
    with other.writing() as writer:
        writer.index([doc(1, "семья")])
        for action in (
            lambda: index.index([doc(2, "семья")]),
            lambda: index.remove([1]),
            lambda: index.rebuild([doc(3, "семья")]),
        ):
            with pytest.raises(IndexBusy):
                action()
        with indexes.engine().connect() as connection, connection.begin():
            with pytest.raises(IndexBusy), index.writing(connection=connection):
                pass
            assert connection.execute(text("SELECT 1")).scalar_one() == 1  # the caller's transaction goes on
    assert index.contents() == {1: 1}
    index.index([doc(2, "семья")])
    assert found(index, "семья") == [1, 2]


def test_missing_tables_say_so_and_a_rebuild_brings_them_back(indexes: Indexes) -> None:
    index = indexes()
    index.index([doc(1, "семья")])
    with indexes.engine().begin() as connection:
        connection.execute(text("DROP TABLE search_entries, search_vocabulary"))
    assert not index.holds_index()
    for action in every_read_and_write(index):
        with pytest.raises(IndexMissing):
            action()
    assert index.rebuild([doc(1, "семья"), doc(2, "семьи")]) == 2
    assert found(index, "семья") == [1, 2]


def test_the_vocabulary_counts_documents_through_replacements_and_removals(indexes: Indexes) -> None:
    index = indexes()
    index.index([doc(1, "пособие семья"), doc(2, "семья")])
    index.index([doc(1, "семья школа", version=2)])
    assert {lemma: n for lemma, n in _vocabulary(indexes).items() if lemma in {"пособие", "семья", "школа"}} == {
        "семья": 2,
        "школа": 1,
    }
    index.remove([1, 2])
    assert _vocabulary(indexes) == {}
    assert index.search(SearchQuery(text="пособиие")).total == 0  # no typo candidates from removed documents


def test_tsquery_syntax_in_queries_and_documents_is_only_text(indexes: Indexes) -> None:
    index = indexes()
    index.index([doc(1, "O'Brien \\ семья & школа | !дети <-> 'a':* x:*A"), doc(2, "школа")])
    assert found(index, "O'Brien") == [1]
    assert found(index, "семья & школа") == [1]
    pieces = ["'", "\\", ":", "*", "&", "|", "!", "<->", "<2>", ":*A", "(", ")", '"', "семья", "школа", " ", "ё"]
    rng = random.Random(20261206)  # noqa: S311 - a fixed seed, so a failure reproduces
    for _ in range(300):
        query = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        try:
            result = index.search(SearchQuery(text=query))
        except QueryError:
            continue
        assert 0 <= result.total <= 2, query


def test_each_index_has_its_own_lock(indexes: Indexes) -> None:
    first, second = indexes("first"), indexes("second", write_timeout=0.2)
    with first.writing() as writer:
        writer.index([doc(1, "семья")])
        second.index([doc(2, "семья")])  # another schema: not busy
    assert (found(first, "семья"), found(second, "семья")) == ([1], [2])


def _vocabulary(indexes: Indexes) -> dict[str, int]:
    with indexes.engine().connect() as connection:
        rows = connection.execute(select(vocabulary.c.lemma, vocabulary.c.document_count))
        return {str(lemma): int(count) for lemma, count in rows}


def test_the_migration_accepts_the_tables_an_index_made_first(indexes: Indexes) -> None:
    from webapp.schema import current_revision, head_revision, upgrade_to_head

    engine = indexes.engine("app")
    indexes("app").index([doc(1, "семья")])  # an app started before `casefiles init` made the tables
    upgrade_to_head(engine)
    assert current_revision(engine) == head_revision()
    assert found(indexes("app"), "семья") == [1]


def test_totals_facets_and_typo_retries_equal_the_whoosh_backends(indexes: Indexes, tmp_path: Path) -> None:
    whoosh_index, postgres_index = SearchIndex(tmp_path / "whoosh"), indexes()
    for index in (whoosh_index, postgres_index):
        index.index(CORPUS)
    queries = [pair.query for pair in PAIRS] + ["", "NOT семья", "семь*", '"семья Ивановых"', "пособие -единое"]
    for query in queries:
        expected, actual = whoosh_index.search(SearchQuery(text=query)), postgres_index.search(SearchQuery(text=query))
        assert (actual.total, actual.facets, actual.fuzzy) == (expected.total, expected.facets, expected.fuzzy), query


def test_typo_corrections_are_asked_where_typos_are_looked_for_only(indexes: Indexes, tmp_path: Path) -> None:
    # The retry asks the nomenclature title for the word as typed and the other fields for its corrections; the
    # PostgreSQL index asks the corrections everywhere and checks the rank vector (every field but the body, and
    # the body's first words) or the whole one only where a correction is in the nomenclature title too.
    far = " ".join(f"слово{n}" for n in range(80))
    filed = "Акты обследования семей"
    docs = [
        doc(1, "акт обследования жилищных условий"),
        doc(2, "справка о составе семьи", nomenclature_title=filed),  # only where typos are not looked for
        doc(3, "справка", title="Обследование семьи", nomenclature_title=filed),
        doc(4, f"справка {far} обследование", nomenclature_title=filed),  # past the rank vector's words
    ]
    whoosh_index, postgres_index = SearchIndex(tmp_path / "whoosh"), indexes()
    for index in (whoosh_index, postgres_index):
        index.index(docs)
    assert found(whoosh_index, "обследовние") == found(postgres_index, "обследовние") == [1, 3, 4]
    for query in ("обследовние", "обследовние справка", "обследовние -состав", "обследовние OR справкаа"):
        expected, actual = whoosh_index.search(SearchQuery(text=query)), postgres_index.search(SearchQuery(text=query))
        assert actual.fuzzy and expected.fuzzy, query
        assert (actual.total, actual.facets) == (expected.total, expected.facets), query
        assert sorted(hit.document_id for hit in actual.hits) == sorted(hit.document_id for hit in expected.hits)


def test_a_phrase_is_confirmed_by_the_rank_vector_or_else_the_whole_one(indexes: Indexes, tmp_path: Path) -> None:
    far = " ".join(f"слово{n}" for n in range(80))
    docs = [
        doc(1, "заявление", title="Единое пособие"),
        doc(2, f"единое пособие назначено {far}"),  # among the body's first words: the rank vector has it
        doc(3, f"заявление {far} единое пособие"),  # past them: only the whole vector has it
        doc(4, f"пособие {far} единое"),  # both words, not as the phrase
        doc(5, f"отказ {far} единое пособие"),
    ]
    whoosh_index, postgres_index = SearchIndex(tmp_path / "whoosh"), indexes()
    for index in (whoosh_index, postgres_index):
        index.index(docs)
    assert found(whoosh_index, '"единое пособие"') == found(postgres_index, '"единое пособие"') == [1, 2, 3, 5]
    for query in ('"единое пособие"', '"единое пособие" заявление', '"единое пособие" -отказ', '"пособие единое"'):
        expected, actual = whoosh_index.search(SearchQuery(text=query)), postgres_index.search(SearchQuery(text=query))
        assert (actual.total, actual.facets) == (expected.total, expected.facets), query
        assert sorted(hit.document_id for hit in actual.hits) == sorted(hit.document_id for hit in expected.hits)


def test_a_huge_text_is_indexed_as_far_as_a_tsvector_holds(indexes: Indexes) -> None:
    index = indexes()
    words = " ".join(f"слово{n:06d}" for n in range(50_000))  # some 1.2 MB of lexemes: over PostgreSQL's 1 MB
    index.index([doc(1, f"начало {words} конец")])
    assert found(index, "начало") == [1]
    assert found(index, "слово000001") == [1]
    assert found(index, "конец") == []  # left out, not refused


def test_a_rebuild_analysed_by_processes_stores_what_one_process_does(
    indexes: Indexes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("search_index.postgres.BATCH", 7)  # many batches, so the pool is used and kept busy
    alone, pooled = indexes("alone", workers=1), indexes("pooled", workers=2)
    docs = [*CORPUS, CORPUS[0]]  # a repeated id keeps its first copy either way
    reported: list[int] = []
    assert alone.rebuild(docs) == pooled.rebuild(docs, progress=reported.append) == len(CORPUS)
    assert reported[-1] == len(CORPUS)

    def stored(name: str) -> tuple[list[tuple[object, ...]], dict[str, int]]:
        with indexes.engine(name).connect() as connection:
            rows = connection.execute(
                text("SELECT document_id, version, title, text, lexemes::text FROM search_entries ORDER BY 1")
            )
            words = connection.execute(select(vocabulary.c.lemma, vocabulary.c.document_count))
            return [tuple(row) for row in rows], {str(lemma): int(count) for lemma, count in words}

    assert stored("alone") == stored("pooled")
    assert len(stored("pooled")[0]) == len(CORPUS)
    for pair in PAIRS[:20]:
        assert found(pooled, pair.query) == found(alone, pair.query)
