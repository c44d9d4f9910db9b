"""The PostgreSQL index ranks from a small tsvector (search_entries.rank_lexemes): every field but the body, and
the body's first RANK_TEXT_WORDS words, computed alike by the index (Python) and by migration 0024 (SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from search_index import pg_search
from search_index.analysis import russian_analyzer
from search_index.pg_text import RANK_TEXT_WORDS, document_lexemes, rank_vector_sql
from tests.search_index.conftest import POSTGRES_URL, Indexes
from tests.search_index.factories import doc, order

FILLER = " ".join(f"слово{n}" for n in range(RANK_TEXT_WORDS + 20))


def _positions(literal: str) -> dict[str, str]:
    return dict(part.split(":", 1) for part in literal.split(" ") if part)


def test_the_rank_vector_keeps_the_other_fields_and_the_body_s_first_words() -> None:
    made = document_lexemes(doc(1, f"начало {FILLER} хвост", title="Акт обследования"), russian_analyzer())
    whole, ranked = _positions(made.literal), _positions(made.rank_literal)
    assert {"'акт'", "'обследование'", "'начало'"} <= set(ranked)
    assert ranked["'акт'"] == whole["'акт'"]  # every position of the title, weight A
    assert "'хвост'" in whole and "'хвост'" not in ranked  # past the body's first words
    assert len([lexeme for lexeme in ranked if lexeme.startswith("'слово")]) < RANK_TEXT_WORDS
    assert set(ranked) < set(whole)


@pytest.fixture
def indexes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Indexes]:
    made = Indexes("postgres", tmp_path, request)
    yield made
    made.close()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="runs in the PostgreSQL pass of scripts/test.sh")
def test_the_migration_s_sql_computes_the_same_rank_vector_kept_uncompressed(indexes: Indexes) -> None:
    index = indexes()
    docs = [
        doc(1, f"семья {FILLER} пособие", title="Акт обследования семьи"),
        doc(2, "короткий текст о семье", title="Справка", author="Соколова М. В.", signers="Иванов"),
        doc(3, "", title="Без текста"),
        doc(4, "кавычка ' и обратная \\ черта " + FILLER),
    ]
    index.index(docs)
    with indexes.engine().connect() as connection:
        same = connection.execute(
            text(f"SELECT document_id, rank_lexemes = {rank_vector_sql()} FROM search_entries ORDER BY 1")  # noqa: S608
        ).all()
        storage = connection.execute(
            text(
                "SELECT attstorage FROM pg_attribute WHERE attrelid = 'search_entries'::regclass"
                " AND attname = 'rank_lexemes'"
            )
        ).scalar_one()
    assert same == [(1, True), (2, True), (3, True), (4, True)]
    assert storage == "m"  # MAIN: in the row, compressed only where it would not fit


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="runs in the PostgreSQL pass of scripts/test.sh")
def test_the_small_vector_chooses_the_first_matches_and_the_whole_one_orders_them(
    indexes: Indexes, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = indexes()
    index.index(
        [
            doc(1, f"{FILLER} пособие"),  # only past the small vector's words
            doc(2, "пособие назначено " + FILLER),
            doc(3, FILLER, title="Решение о пособии"),
        ]
    )
    # The whole vectors: the title first, then the two bodies alike (one occurrence, the same length), by id.
    assert order(index, "пособие") == [3, 1, 2]
    monkeypatch.setattr(pg_search, "REFINED", 2)  # the small vector puts 1 last: only 3 and 2 are refined
    assert order(index, "пособие", per_page=2) == [3, 2]
    monkeypatch.setattr(pg_search, "REFINED", 0)  # the small vector's order alone
    assert order(index, "пособие") == [3, 2, 1]
