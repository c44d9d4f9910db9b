"""Documents and shortcuts shared by the search_index tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from search_index import IndexedDocument, SearchIndex, SearchQuery
from search_index.postgres import PostgresSearchIndex

BASE = IndexedDocument(
    document_id=0,
    version=1,
    case_id=0,
    case_number="",
    title="",
    type="inspection_act",
    date=dt.date(2026, 3, 1),
    district="u1",
    nomenclature="04-05",
    nomenclature_title="Личные дела получателей услуг",
    year=2026,
    text="",
    author="Соколова Марина Викторовна",
)


def doc(document_id: int, text: str = "", **changes: Any) -> IndexedDocument:
    """A document of case document_id*10 with a distinct title and case number unless told otherwise."""
    defaults: dict[str, Any] = {
        "document_id": document_id,
        "case_id": document_id * 10,
        "case_number": f"04-05/2026/{document_id:03d}",
        "title": f"Документ {document_id}",
        "text": text,
    }
    return dataclasses.replace(BASE, **{**defaults, **changes})


def found(index: SearchIndex, text: str = "", **query: Any) -> list[int]:
    """Ids of the hits on the first page, sorted, so tests state sets of documents exactly."""
    return sorted(hit.document_id for hit in index.search(SearchQuery(text=text, **query)).hits)


def order(index: SearchIndex, text: str = "", **query: Any) -> list[int]:
    """Ids of the hits in the order the index returned them."""
    return [hit.document_id for hit in index.search(SearchQuery(text=text, **query)).hits]


BATCHES = 10
BATCH_SIZE = 4


def write_batches(folder: str, worker: int) -> None:
    """One process: small batches, each in its own commit, then removal of one document in three. Between
    batches it opens the index afresh and reads, while the other processes commit."""
    index = SearchIndex(Path(folder))
    first = worker * 1000
    for batch in range(BATCHES):
        index.index([doc(first + batch * BATCH_SIZE + n, "семья акт") for n in range(BATCH_SIZE)])
        reader = SearchIndex(Path(folder))
        mine = (batch + 1) * BATCH_SIZE  # the others' documents come and go meanwhile
        assert reader.search(SearchQuery(text="семья")).total >= mine
        assert reader.count() >= mine
    index.remove(range(first, first + BATCHES * BATCH_SIZE, 3))


def every_read_and_write(index: SearchIndex | PostgresSearchIndex) -> list[Callable[[], object]]:
    """One call of each thing the index does, for checking what each says when the index is lost or damaged."""
    return [
        lambda: index.search(SearchQuery(text="семья")),
        lambda: index.similar(1, SearchQuery()),
        index.contents,
        index.count,
        lambda: index.index([doc(2, "семья")]),
        lambda: index.remove([1]),
    ]


# search_entries' columns stored other than by their type's default: (storage, compression) as pg_attribute has
# them ("m": in the row; "l": lz4). PostgreSQL 15 from Debian, which the suite runs on, has lz4.
SEARCH_COLUMN_STORAGE = {"rank_lexemes": ("m", ""), "text": ("x", "l"), "lexemes": ("x", "l")}


def search_column_storage(connection: Any) -> dict[str, tuple[str, str]]:
    rows = connection.execute(
        text(
            "SELECT attname, attstorage, attcompression FROM pg_attribute"
            " WHERE attrelid = 'search_entries'::regclass AND attname IN ('rank_lexemes', 'text', 'lexemes')"
        )
    )
    return {str(name): (str(storage), str(compression)) for name, storage, compression in rows}
