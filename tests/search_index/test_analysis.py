"""The Russian analyzer on its own: what ends up as index terms and as query terms."""

from __future__ import annotations

from search_index.analysis import russian_analyzer


def index_terms(text: str) -> list[tuple[str, int]]:
    return [(token.text, token.pos) for token in russian_analyzer()(text, positions=True, mode="index")]


def query_terms(text: str) -> list[str]:
    return [token.text for token in russian_analyzer()(text, mode="query")]


def test_word_forms_share_a_stem() -> None:
    assert set(query_terms("семья семьи семьей семьёй семью")) == {"сем"}
    assert set(query_terms("обследование обследования обследованию")) == {"обследован"}


def test_lowercase_yo_and_stop_words() -> None:
    assert query_terms("Ребёнок И ЕГО мать не посещает") == ["ребенок", "мат", "посеща"]


def test_numbers_and_case_numbers_stay_whole() -> None:
    assert query_terms("04-05/2026/017 от 12.03.2026, сумма 12 500") == [
        "04-05/2026/017",
        "12.03.2026",
        "сумм",
        "12",
        "500",
    ]


def test_compounds_are_indexed_whole_and_by_parts_at_one_position() -> None:
    assert index_terms("акт материально-бытовых условий, ул.Ленина") == [
        ("акт", 0),
        ("материальн-бытов", 1),
        ("материальн", 1),
        ("бытов", 1),
        ("услов", 2),
        ("ул.ленин", 3),
        ("ул", 3),
        ("ленин", 3),
    ]


def test_compounds_are_stemmed_part_by_part_and_queried_whole() -> None:
    assert query_terms("Ивановой-Петровой") == query_terms("Иванова-Петрова") == ["иванов-петров"]


def test_number_parts_and_stop_word_parts_are_not_indexed() -> None:
    assert index_terms("04-05/2026/017 кое-что") == [("04-05/2026/017", 0), ("ко-что", 1), ("ко", 1)]
