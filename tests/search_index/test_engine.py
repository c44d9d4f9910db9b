"""The vectorized evaluator against whoosh's own matching, on an index of several segments with deletions: the
same documents for every word, phrase and prefix, combined by the set algebra of And, Or and Not; the same
scores for words. Typo-tolerant terms match the terms within their Levenshtein distance, found one by one.

Combinations are checked against sets rather than whoosh's compound matchers: whoosh-reloaded 2.7.5's AndNot
over several segments with deletions returns documents it should exclude («многодетная -пособие» gave three
documents that contain «пособие»)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from whoosh import query as q
from whoosh.query import Query

from bench.search_corpus import QUERIES, build_corpus
from search_index import SearchIndex, SearchQuery, engine
from search_index.engine import Evaluator, SegmentCache, top
from search_index.pg_text import edit_distance
from search_index.querying import combined_filter, parse_text

EXTRA_QUERIES = (
    "семья OR ребенок",
    "семья NOT пособие",
    "(акт OR паспорт) -многодетная",
    '"социально опасном положении"',
    '"трудной жизненной ситуации" OR "единое пособие"',
    "обслед*",
    "семья AND (Ивановых OR Петровых)",
    '"жизненной ситуации трудной"',  # the words out of order
    '"семьи семьи"',
    '"трудной абырвалг ситуации"',  # a word no document has
    '"акт обследования материально-бытовых условий"',
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    index = SearchIndex(Path(tmp_path_factory.mktemp("engine")) / "index")
    docs = build_corpus(400, 7)
    for start in range(0, len(docs), 100):  # a segment a batch
        index.index(docs[start : start + 100])
    index.remove(doc.document_id for doc in docs[::9])  # deletions in every segment
    return index


def whoosh_and_ours(index: SearchIndex, query: Query) -> tuple[set[int], set[int]]:
    with index._index.searcher() as searcher:
        assert len(list(searcher.reader().leaf_readers())) > 1, "the index should have several segments"
        mask, _ = Evaluator(searcher, SegmentCache()).matches(query)
        return expected(searcher, query), {int(docnum) for docnum in mask.nonzero()[0]}


def expected(searcher: Any, query: Query) -> set[int]:
    """whoosh's documents for each leaf of the query, combined as sets."""
    if isinstance(query, q.AndNot):
        return expected(searcher, query.a) - expected(searcher, query.b)
    if isinstance(query, (q.AndMaybe,)):
        return expected(searcher, query.a)
    if isinstance(query, q.And):
        return set.intersection(*(expected(searcher, child) for child in query.subqueries))
    if isinstance(query, q.Or):
        return set.union(*(expected(searcher, child) for child in query.subqueries))
    if isinstance(query, q.Not):
        return set(searcher.reader().all_doc_ids()) - expected(searcher, query.query)
    if isinstance(query, q.FuzzyTerm):
        terms = within(searcher.reader(), query.fieldname, query.text, query.maxdist, query.prefixlength)
        return set().union(*(searcher.docs_for_query(q.Term(query.fieldname, term)) for term in terms))
    return set(searcher.docs_for_query(query))


def within(reader: Any, field: str, word: str, distance: int, prefixlength: int) -> set[str]:
    """Every term of the field sharing the word's first letters and within the Levenshtein distance, found one
    by one."""
    return {
        term
        for term in reader.field_terms(field)
        if term[:prefixlength] == word[:prefixlength] and edit_distance(term, word, distance) <= distance
    }


@pytest.mark.parametrize("text", QUERIES + EXTRA_QUERIES)
def test_the_same_documents_as_whoosh(index: SearchIndex, text: str) -> None:
    theirs, ours = whoosh_and_ours(index, parse_text(text, index.schema))
    assert ours == theirs


@pytest.mark.parametrize("text", ["обследовние семьи", "многодетнная", "Петорв", "семяь"])
def test_typo_tolerant_queries_match_their_terms_within_levenshtein_distance(index: SearchIndex, text: str) -> None:
    # As a single segment's automaton counts and the PostgreSQL backend does (a swap of two letters is two
    # edits): whoosh's own reader over several segments counts it as one («семяь» would find «семья»).
    theirs, ours = whoosh_and_ours(index, parse_text(text, index.schema, known=lambda term: False))
    assert ours == theirs
    assert ours


@pytest.mark.parametrize("read_on", [0, 1, 8, 100_000])
def test_the_walk_over_a_segments_terms_finds_every_term_the_automaton_accepts(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch, read_on: int
) -> None:
    # Whether it reads on in order (many terms) or searches the term index (none), it finds the same terms.
    monkeypatch.setattr(engine, "_READ_ON", read_on)
    with index._index.searcher() as searcher:
        for leaf, _ in searcher.reader().leaf_readers():
            for word, distance in (("обследовние", 2), ("семяь", 1), ("петорв", 2), ("ьььььь", 1)):
                automaton = engine.levenshtein_automaton(word, distance, 1).to_dfa()
                terms = within(leaf, "text", word, distance, 1)
                assert set(engine._accepted_terms(automaton, leaf.cursor("text"))) == terms
                assert terms or word == "ьььььь"


def test_a_typo_tolerant_word_builds_its_automaton_once_for_all_fields_and_segments(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[tuple[Any, ...]] = []
    real = engine.levenshtein_automaton
    monkeypatch.setattr(engine, "levenshtein_automaton", lambda *key: built.append(key) or real(*key))
    query = parse_text("обследовние", index.schema, known=lambda term: False)
    fuzzy = [node for node in query.leaves() if isinstance(node, q.FuzzyTerm)]
    with index._index.searcher() as searcher:
        Evaluator(searcher, SegmentCache()).matches(query)
    assert len({node.fieldname for node in fuzzy}) > 1
    assert sorted(built) == sorted({(node.text, node.maxdist, node.prefixlength) for node in fuzzy})


def test_filters_match_as_whoosh(index: SearchIndex) -> None:
    query = SearchQuery(
        allowed_districts=frozenset({"u1", "u2"}),
        allowed_case_ids=frozenset({3, 4}),
        date_from=dt.date(2025, 3, 1),
        date_to=dt.date(2026, 6, 30),
        type="inspection_act",
    )
    theirs, ours = whoosh_and_ours(index, combined_filter(query))
    assert ours == theirs
    assert ours


@pytest.mark.parametrize("text", ["семья", "акт обследования семьи Ивановых", "пособие -многодетная"])
def test_scores_and_order_are_whoosh_bm25(index: SearchIndex, text: str) -> None:
    query = parse_text(text, index.schema)
    with index._index.searcher() as searcher:
        results = searcher.search(query, limit=None)
        theirs = {hit.docnum: hit.score for hit in results}
        mask, scores = Evaluator(searcher, SegmentCache()).matches(query)
        ours = {int(docnum): float(scores[docnum]) for docnum in mask.nonzero()[0]}
    assert ours.keys() == theirs.keys()
    for docnum, score in theirs.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-4)


def test_top_orders_by_key_then_document() -> None:
    import numpy as np

    docs = np.array([5, 1, 9, 3, 7])
    keys = np.array([1.0, 2.0, 2.0, 0.5, 3.0])
    assert top(docs, keys, 3).tolist() == [7, 1, 9]
    assert top(docs, keys, 10).tolist() == [7, 1, 9, 5, 3]


def test_cached_arrays_do_not_outlive_a_commit(index: SearchIndex, tmp_path: Path) -> None:
    fresh = SearchIndex(tmp_path / "fresh")
    docs = build_corpus(30, 3)
    fresh.index(docs)
    before = fresh.search(SearchQuery(text="семья")).total
    fresh.remove([doc.document_id for doc in docs if "семь" in doc.text.lower()][:5])
    assert fresh.search(SearchQuery(text="семья")).total == before - 5
