"""SearchIndex: Russian word forms, filters and permissions inside the query, facets, safe highlights."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from search_index import IndexedDocument, SearchIndex, SearchQuery


def doc(document_id: int, text: str, **extra: object) -> IndexedDocument:
    fields: dict[str, object] = {
        "document_id": document_id,
        "version": 1,
        "case_id": document_id * 10,
        "case_number": f"04-05/2026/{document_id:03d}",
        "title": f"Документ {document_id}",
        "type": "inspection_act",
        "date": dt.date(2026, 3, document_id % 28 + 1),
        "district": "u1",
        "nomenclature": "04-05",
        "nomenclature_title": "Личные дела получателей услуг",
        "year": 2026,
        "text": text,
        "author": "Соколова Марина Викторовна",
    }
    fields.update(extra)
    return IndexedDocument(**fields)  # type: ignore[arg-type]


@pytest.fixture
def index(tmp_path: Path) -> SearchIndex:
    return SearchIndex(tmp_path / "index")


def ids(index: SearchIndex, **query: object) -> list[int]:
    return sorted(hit.document_id for hit in index.search(SearchQuery(**query)).hits)  # type: ignore[arg-type]


def test_inflected_forms_match(index: SearchIndex) -> None:
    index.index([doc(1, "Семья проживает в квартире"), doc(2, "Обследования проводились ежемесячно")])
    for word in ("семья", "семьи", "семьей", "семьёй"):
        assert ids(index, text=word) == [1], word
    assert ids(index, text="обследование") == [2]
    assert ids(index, text="проживающих") == [1]


def test_yo_and_ye_are_one_letter(index: SearchIndex) -> None:
    index.index([doc(1, "Ребёнок посещает школу")])
    assert ids(index, text="ребенок") == [1]


def test_phrase_exclusion_prefix(index: SearchIndex) -> None:
    index.index([doc(1, "многодетная семья получает пособие"), doc(2, "семья многодетная, пособие не назначено")])
    assert ids(index, text='"многодетная семья"') == [1]
    assert ids(index, text="пособие -назначено") == [1]
    assert ids(index, text="многодет*") == [1, 2]


def test_case_number_is_searchable_whole(index: SearchIndex) -> None:
    index.index([doc(1, "текст"), doc(2, "текст")])
    assert ids(index, text="04-05/2026/002") == [2]


def test_filters(index: SearchIndex) -> None:
    index.index(
        [
            doc(1, "акт", type="scan", district="u2"),
            doc(2, "акт", year=2025, nomenclature="04-06"),
            doc(3, "акт", date=dt.date(2026, 5, 1)),
        ]
    )
    assert ids(index, text="акт", type="scan") == [1]
    assert ids(index, text="акт", district="u2") == [1]
    assert ids(index, text="акт", year=2025) == [2]
    assert ids(index, text="акт", nomenclature="04-06") == [2]
    assert ids(index, text="акт", case_id=30) == [3]
    assert ids(index, text="акт", date_from=dt.date(2026, 4, 1)) == [3]
    assert ids(index, text="акт", date_to=dt.date(2026, 4, 1)) == [1, 2]


def test_permissions_limit_hits_totals_and_facets(index: SearchIndex) -> None:
    index.index([doc(1, "акт", district="u1"), doc(2, "акт", district="u2"), doc(3, "акт", district="u2")])
    mine = index.search(SearchQuery(text="акт", allowed_districts=frozenset({"u1"})))
    assert (mine.total, [h.document_id for h in mine.hits]) == (1, [1])
    assert mine.facets["district"] == {"u1": 1}
    granted = index.search(
        SearchQuery(text="акт", allowed_districts=frozenset({"u1"}), allowed_case_ids=frozenset({20}))
    )
    assert granted.total == 2
    nothing = index.search(SearchQuery(text="акт", allowed_districts=frozenset()))
    assert (nothing.total, nothing.hits) == (0, [])


def test_facets_count_every_match_not_just_the_page(index: SearchIndex) -> None:
    index.index([doc(n, "акт", type="scan" if n % 2 else "inspection_act") for n in range(1, 8)])
    result = index.search(SearchQuery(text="акт", per_page=2))
    assert result.total == 7
    assert len(result.hits) == 2
    assert result.facets["type"] == {"inspection_act": 3, "scan": 4}
    assert result.facets["year"] == {"2026": 7}
    assert result.facets["nomenclature"] == {"04-05": 7}


def test_highlights_are_escaped(index: SearchIndex) -> None:
    index.index([doc(1, "Семья <script>alert(1)</script> & соседи")])
    [hit] = index.search(SearchQuery(text="семья")).hits
    assert hit.highlights
    joined = " ".join(hit.highlights)
    assert "<mark>Семья</mark>" in joined
    assert "<script>" not in joined
    assert "&lt;script&gt;" in joined


@pytest.mark.parametrize(
    "text",
    ['"unbalanced', "AND OR NOT", "text:семья", "doc_key:1", "x" * 10_000, "\x00\x07\x1b", "(((", ")", "*", "^2~"],
)
def test_hostile_queries_do_not_raise(index: SearchIndex, text: str) -> None:
    index.index([doc(1, "семья")])
    result = index.search(SearchQuery(text=text))
    assert result.total >= 0


def test_field_syntax_cannot_reach_internal_fields(index: SearchIndex) -> None:
    index.index([doc(1, "акт", district="u2")])
    assert ids(index, text="district:u2", allowed_districts=frozenset({"u1"})) == []


def test_upsert_remove_rebuild_count(index: SearchIndex) -> None:
    index.index([doc(1, "первичная диагностика")])
    index.index([doc(1, "заключительная диагностика", version=2)])
    assert index.count() == 1
    [hit] = index.search(SearchQuery(text="диагностика")).hits
    assert hit.version == 2
    assert ids(index, text="первичная") == []
    index.remove([1])
    assert index.count() == 0
    assert index.rebuild([doc(2, "a"), doc(3, "b")]) == 2
    assert index.count() == 2


def test_empty_query_lists_by_date_and_pages(index: SearchIndex) -> None:
    index.index([doc(n, "акт", date=dt.date(2026, 1, n)) for n in range(1, 6)])
    first = index.search(SearchQuery(per_page=2))
    second = index.search(SearchQuery(per_page=2, page=2))
    assert first.total == 5
    assert [h.document_id for h in first.hits] == [5, 4]
    assert [h.document_id for h in second.hits] == [3, 2]
    by_date = index.search(SearchQuery(text="акт", sort="date", per_page=1))
    assert by_date.hits[0].document_id == 5


def test_index_reopens_from_disk(tmp_path: Path) -> None:
    SearchIndex(tmp_path / "i").index([doc(1, "семья")])
    assert ids(SearchIndex(tmp_path / "i"), text="семья") == [1]
