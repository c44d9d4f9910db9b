"""The Russian analyzer on its own: what ends up as index terms and as query terms."""

from __future__ import annotations

from search_index import pg_text
from search_index.analysis import russian_analyzer, word_expansion
from search_index.pg_text import document_lexemes
from tests.search_index.factories import doc
from tests.search_index.recall_set import CORPUS, PAIRS


def index_terms(text: str) -> list[tuple[str, int]]:
    return [(token.text, token.pos) for token in russian_analyzer()(text, positions=True, mode="index")]


def query_terms(text: str) -> list[str]:
    return [token.text for token in russian_analyzer()(text, mode="query")]


def test_word_forms_share_a_lemma() -> None:
    assert set(query_terms("семья семьи семьей семьёй семью")) == {"семья"}
    assert set(query_terms("обследование обследования обследованию")) == {"обследование"}
    assert set(query_terms("проживает проживающих проживали")) == {"проживать"}
    assert set(query_terms("ребёнка ребенку")) == {"ребенок"}
    assert set(query_terms("Ивановых Иванова Иванову")) == {"иванов"}


def test_the_index_keeps_every_possible_lemma_and_a_query_the_likeliest() -> None:
    assert index_terms("стали") == [("стать", 0), ("сталь", 0)]
    assert query_terms("стали") == ["стать"]


def test_lowercase_yo_and_stop_words() -> None:
    assert query_terms("Ребёнок И ЕГО мать не посещает") == ["ребенок", "мать", "посещать"]


def test_latin_words_are_stemmed_for_english() -> None:
    assert query_terms("Documents signed") == ["document", "sign"]


def test_abbreviations_and_full_forms_are_indexed_both_ways() -> None:
    short = {text for text, _ in index_terms("по результатам реализации ИППСУ")}
    assert {"иппсу", "индивидуальный", "программа", "предоставление", "социальный", "услуга"} <= short
    spelled = {text for text, _ in index_terms("индивидуальной программы предоставления социальных услуг")}
    assert "иппсу" in spelled
    assert query_terms("ИППСУ") == ["иппсу"]  # a query is not expanded: it matches both spellings already
    assert "зп" in {text for text, _ in index_terms("комиссией по делам несовершеннолетних и защите их прав")}
    assert {"кдн", "комиссия"} <= {text for text, _ in index_terms("состоит на учёте в КДН и ЗП")}


def test_numbers_and_case_numbers_stay_whole() -> None:
    assert query_terms("04-05/2026/017 от 12.03.2026, сумма 12 500") == [
        "04-05/2026/017",
        "12.03.2026",
        "сумма",
        "12",
        "500",
    ]


def test_compounds_are_indexed_whole_and_by_parts_at_one_position() -> None:
    assert index_terms("акт материально-бытовых условий, ул.Ленина") == [
        ("акт", 0),
        ("материально-бытовой", 1),
        ("материально", 1),
        ("материальный", 1),
        ("бытовой", 1),
        ("условие", 2),
        ("ул.ленин", 3),
        ("ул", 3),
        ("ленин", 3),
    ]


def test_compounds_are_lemmatized_part_by_part_and_queried_whole() -> None:
    assert query_terms("Ивановой-Петровой") == query_terms("Иванова-Петрова") == ["иванов-петров"]


def test_number_parts_and_stop_word_parts_are_not_indexed() -> None:
    assert index_terms("04-05/2026/017 кое-что") == [("04-05/2026/017", 0), ("кой-что", 1), ("кой", 1)]


def _snapshot(analyzer: object, text: str, **options: object) -> list[tuple[object, ...]]:
    return [
        (token.text, token.pos, token.startchar, token.endchar, bool(getattr(token, "extra", False)), token.boost)
        for token in analyzer(text, **options)  # type: ignore[operator]
    ]


def test_the_memoized_analyzer_gives_the_chains_tokens_on_the_recall_corpus() -> None:
    memoized, chain = russian_analyzer(), russian_analyzer(memoized=False)
    assert type(memoized) is not type(chain)
    texts = [doc.text for doc in CORPUS] + [doc.title for doc in CORPUS] + [pair.query for pair in PAIRS]
    texts += ["и ИППСУ, ул.Ленина-Центральная д.5 кв.12 — Ёлкина-Петрова КДН и ЗП", "", "и в на"]
    compared = 0
    for text in texts:
        for start_pos, start_char in ((0, 0), (7, 40)):
            options = {"positions": True, "chars": True, "mode": "index", "start_pos": start_pos}
            options["start_char"] = start_char
            # twice: the second time every word form comes from the cache
            for _ in range(2):
                assert _snapshot(memoized, text, **options) == _snapshot(chain, text, **options), text
            compared += len(_snapshot(chain, text, **options))
    assert compared > 3000  # the comparison covered the whole corpus
    assert word_expansion.cache_info().hits > 0


def test_the_memoized_analyzer_leaves_queries_to_the_chain() -> None:
    for pair in PAIRS:
        assert [t.text for t in russian_analyzer()(pair.query, mode="query")] == [
            t.text for t in russian_analyzer(memoized=False)(pair.query, mode="query")
        ]


def test_the_tsvector_of_a_document_is_the_same_from_either_analyzer() -> None:
    # The memoized analyzer's one-pass builder (pg_text._memoized_lexemes) against the chain's general loop.
    edge_cases = [
        # stop words before the first kept word, synonyms both ways, compounds, a title with the same words
        # (and past the body's first words, which the rank vector keeps)
        doc(1, "и в ТЖС семья; трудной жизненной ситуации, северо-западный КДН и ЗП" + " дом сад" * 40, title="ТЖС"),
        doc(2, "", title="Акт", author=""),  # no body: the rank vector keeps everything
        doc(3, "слово " * 20_000),  # past the last position PostgreSQL keeps: the general loop decides
    ]
    for document in [*CORPUS, *edge_cases]:
        assert document_lexemes(document, russian_analyzer()) == document_lexemes(
            document, russian_analyzer(memoized=False)
        )
    assert all(pg_text._memoized_lexemes(document) is not None for document in [*CORPUS, *edge_cases[:2]])
    assert pg_text._memoized_lexemes(edge_cases[2]) is None
