"""SearchIndex: word forms, filters and permissions inside the query, facets, safe highlights, writes."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.analysis import Filter, RegexTokenizer
from whoosh.filedb.filestore import FileStorage

import search_index.highlighting
import search_index.index
from search_index import IndexBusy, IndexDamaged, IndexedDocument, IndexMissing, SearchHit, SearchIndex, SearchQuery
from search_index.highlighting import CHUNK_CHARS, SCAN_CHARS, WINDOW_CHARS, Terms, matched_spans
from search_index.index import build_schema
from tests.search_index.conftest import Indexes
from tests.search_index.factories import BATCH_SIZE, BATCHES, doc, every_read_and_write, found, order, write_batches


@pytest.fixture
def index(indexes: Indexes) -> SearchIndex:
    return indexes()


# Word forms and syntax


def test_inflected_forms_match(index: SearchIndex) -> None:
    index.index([doc(1, "Семья проживает в квартире"), doc(2, "Обследования проводились ежемесячно")])
    for word in ("семья", "семьи", "семьей", "семьёй", "СЕМЬЮ"):
        assert found(index, word) == [1], word
    for word in ("обследование", "обследования", "обследованию"):
        assert found(index, word) == [2], word
    assert found(index, "проживающих") == [1]


def test_yo_and_ye_are_one_letter(index: SearchIndex) -> None:
    index.index([doc(1, "Ребёнок посещает школу"), doc(2, "Ребенок не посещает школу")])
    assert found(index, "ребенок") == [1, 2]
    assert found(index, "ребёнок") == [1, 2]
    assert found(index, "Ребён*") == [1, 2]


def test_terms_are_anded_across_fields(index: SearchIndex) -> None:
    index.index(
        [
            doc(1, "многодетная семья", author="Петрова Анна"),
            doc(2, "многодетная семья", author="Сидорова Анна"),
            doc(3, "неполная семья", author="Петрова Анна"),
        ]
    )
    assert found(index, "многодетная Петрова") == [1]
    assert found(index, "многодетная OR неполная") == [1, 2, 3]


def test_phrase_exclusion_prefix(index: SearchIndex) -> None:
    index.index(
        [
            doc(1, "многодетная семья получает пособие"),
            doc(2, "семья многодетная, пособие не назначено"),
        ]
    )
    assert found(index, '"многодетная семья"') == [1]
    assert found(index, '"многодетной семьи"') == [1]
    assert found(index, "пособие -назначено") == [1]
    assert found(index, "пособие NOT назначено") == [1]
    assert found(index, "многодет*") == [1, 2]
    assert found(index, "Многодетная*") == [1, 2]
    assert found(index, "назнач*") == [2]


def test_compounds_are_found_whole_by_parts_and_in_other_forms(index: SearchIndex) -> None:
    index.index(
        [
            doc(1, "Акт обследования материально-бытовых условий семьи Ивановой-Петровой"),
            doc(2, "Петрова О.В."),
        ]
    )
    assert found(index, "материально-бытовых") == [1]
    assert found(index, "бытовые") == [1]
    assert found(index, '"бытовых условий"') == [1]
    assert found(index, '"материально-бытовых условий"') == [1]
    assert found(index, "Иванова-Петрова") == [1]
    assert found(index, "Петрова") == [1, 2]


def test_case_number_is_searchable_whole(index: SearchIndex) -> None:
    index.index([doc(1, "текст"), doc(2, "текст"), doc(3, "текст от 12.03.2026")])
    assert found(index, "04-05/2026/002") == [2]
    assert found(index, "2026") == []  # neither case numbers nor dates are split into numbers
    assert found(index, "12.03.2026") == [3]


def test_title_nomenclature_title_author_and_signers_are_searched(index: SearchIndex) -> None:
    index.index(
        [
            doc(1, title="Заключение совета профилактики"),
            doc(2, nomenclature_title="Переписка с органами опеки"),
            doc(3, author="Кузнецова Ольга Петровна"),
            doc(4, signers="Орлова Татьяна Сергеевна, Петрова Анна Ивановна"),
        ]
    )
    assert found(index, "профилактики") == [1]
    assert found(index, "опека") == [2]
    assert found(index, "Кузнецовой") == [3]
    assert found(index, "подписала Петровой") == []  # every word must match somewhere
    assert found(index, "Петровой Анной") == [4]


def test_title_matches_rank_first(index: SearchIndex) -> None:
    index.index([doc(1, "в тексте упомянута характеристика"), doc(2, title="Характеристика")])
    assert order(index, "характеристика") == [2, 1]


def test_empty_text_lists_everything_newest_first_without_highlights(index: SearchIndex) -> None:
    index.index(
        [
            doc(1, "акт", date=dt.date(2026, 1, 5)),
            doc(2, "акт", date=None),
            doc(3, "акт", date=dt.date(2026, 2, 1)),
            doc(4, "акт", date=dt.date(2025, 12, 31)),
        ]
    )
    result = index.search(SearchQuery())
    assert result.total == 4
    assert [hit.document_id for hit in result.hits] == [3, 1, 4, 2]  # undated last
    assert all(hit.highlights == [] and hit.score == 0.0 for hit in result.hits)
    assert order(index, "   ") == [3, 1, 4, 2]


def test_only_stop_words_find_nothing(index: SearchIndex) -> None:
    index.index([doc(1, "и в на не")])
    result = index.search(SearchQuery(text="и в на не"))
    assert (result.total, result.hits) == (0, [])
    assert result.facets == {"type": {}, "year": {}, "district": {}, "nomenclature": {}}


# Filters and permissions


def test_each_filter(index: SearchIndex) -> None:
    index.index(
        [
            doc(1, "акт", type="scan", district="u2"),
            doc(2, "акт", year=2025, nomenclature="04-06"),
            doc(3, "акт", date=dt.date(2026, 5, 1)),
            doc(4, "акт", date=None),
        ]
    )
    assert found(index, "акт", type="scan") == [1]
    assert found(index, "акт", district="u2") == [1]
    assert found(index, "акт", year=2025) == [2]
    assert found(index, "акт", nomenclature="04-06") == [2]
    assert found(index, "акт", case_id=30) == [3]
    assert found(index, "акт", date_from=dt.date(2026, 4, 1)) == [3]
    assert found(index, "акт", date_to=dt.date(2026, 4, 1)) == [1, 2]
    assert found(index, "акт", date_from=dt.date(2026, 5, 1), date_to=dt.date(2026, 5, 1)) == [3]
    assert found(index, "акт", type="scan", district="u1") == []
    assert found(index, "", year=2025) == [2]


def test_permissions_limit_hits_totals_and_facets(index: SearchIndex) -> None:
    index.index([doc(1, "акт", district="u1"), doc(2, "акт", district="u2"), doc(3, "акт", district="u3")])
    mine = index.search(SearchQuery(text="акт", allowed_districts=frozenset({"u1"})))
    assert (mine.total, [hit.document_id for hit in mine.hits]) == (1, [1])
    assert mine.facets["district"] == {"u1": 1}
    assert mine.facets["type"] == {"inspection_act": 1}
    granted = index.search(
        SearchQuery(text="акт", allowed_districts=frozenset({"u1"}), allowed_case_ids=frozenset({20}))
    )
    assert (granted.total, granted.facets["district"]) == (2, {"u1": 1, "u2": 1})
    only_grant = SearchQuery(allowed_districts=frozenset(), allowed_case_ids=frozenset({30}))
    assert index.search(only_grant).total == 1
    assert found(index, allowed_districts=None) == [1, 2, 3]


def test_nothing_is_visible_without_districts_or_grants(index: SearchIndex) -> None:
    index.index([doc(1, "акт")])
    for text in ("акт", ""):
        nothing = index.search(SearchQuery(text=text, allowed_districts=frozenset()))
        assert (nothing.total, nothing.hits) == (0, [])
        assert nothing.facets == {"type": {}, "year": {}, "district": {}, "nomenclature": {}}


def test_filters_cannot_widen_permissions(index: SearchIndex) -> None:
    index.index([doc(1, "акт", district="u1"), doc(2, "акт", district="u2")])
    assert found(index, "акт", district="u2", allowed_districts=frozenset({"u1"})) == []
    assert found(index, "акт", case_id=20, allowed_districts=frozenset({"u1"})) == []


def test_facets_count_every_match_not_just_the_page(index: SearchIndex) -> None:
    types = ["scan", "inspection_act"]
    acts = [doc(n, "акт", type=types[n % 2 == 0], year=2025 if n < 3 else 2026) for n in range(1, 8)]
    index.index([*acts, doc(8, "письмо", type="letter")])
    result = index.search(SearchQuery(text="акт", per_page=2))
    assert result.total == 7
    assert len(result.hits) == 2
    assert result.facets == {
        "type": {"inspection_act": 3, "scan": 4},
        "year": {"2025": 2, "2026": 5},
        "district": {"u1": 7},
        "nomenclature": {"04-05": 7},
    }
    assert index.search(SearchQuery(text="акт", type="scan")).facets["type"] == {"scan": 4}


# Results


def test_hit_fields(index: SearchIndex) -> None:
    index.index([doc(7, "семья", version=3, title="Акт обследования", type="scan", date=dt.date(2026, 2, 9))])
    [hit] = index.search(SearchQuery(text="семья")).hits
    assert hit == SearchHit(
        document_id=7,
        version=3,
        case_id=70,
        case_number="04-05/2026/007",
        title="Акт обследования",
        type="scan",
        date=dt.date(2026, 2, 9),
        highlights=["<mark>семья</mark>"],
        score=hit.score,
    )
    assert hit.score > 0


def test_highlights_are_escaped(index: SearchIndex) -> None:
    index.index([doc(1, "Семья <script>alert('x')</script> & \"соседи\" <b>")])
    [hit] = index.search(SearchQuery(text="семья соседи")).hits
    # Everything a fragment shows is escaped.
    script = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    assert hit.highlights == [f"<mark>Семья</mark> {script} &amp; &quot;<mark>соседи</mark>&quot; &lt;b&gt;"]


def test_highlights_mark_word_forms_compound_parts_and_synonyms(index: SearchIndex) -> None:
    filler = " ".join(["слово"] * 60)
    index.index([doc(1, f"Семьёй Ивановой-Петровой. {filler} Семья в ТЖС. {filler} Обследованы условия.")])
    [hit] = index.search(SearchQuery(text="семья Петрова трудная жизненная ситуация")).hits
    assert hit.highlights == [
        "<mark>Семьёй</mark> Ивановой-<mark>Петровой</mark>. " + " ".join(["слово"] * 9),
        " ".join(["слово"] * 9) + " <mark>Семья</mark> в <mark>ТЖС</mark>. " + " ".join(["слово"] * 9),
    ]


def test_a_matched_title_is_highlighted_whole_and_escaped(index: SearchIndex) -> None:
    index.index([doc(1, "ничего общего", title="Акт <b>обследования</b> семьи")])
    [hit] = index.search(SearchQuery(text="обследование")).hits
    assert hit.highlights == ["Акт &lt;b&gt;<mark>обследования</mark>&lt;/b&gt; семьи"]


def test_at_most_three_fragments_and_no_control_characters(index: SearchIndex) -> None:
    filler = " ".join(["слово"] * 60)
    index.index([doc(1, f" {filler} ".join(["семья\x1fсемья\x00"] * 6))])
    [hit] = index.search(SearchQuery(text="семья")).hits
    assert len(hit.highlights) == 3
    assert all(fragment.count("<mark>семья</mark> <mark>семья</mark>") == 1 for fragment in hit.highlights)
    assert not any(ch in fragment for fragment in hit.highlights for ch in "\x00\x1f")


def test_pagination(index: SearchIndex) -> None:
    index.index([doc(n, "акт", date=dt.date(2026, 1, n)) for n in range(1, 6)])
    assert order(index, per_page=2) == [5, 4]
    assert order(index, per_page=2, page=2) == [3, 2]
    assert order(index, per_page=2, page=3) == [1]
    beyond = index.search(SearchQuery(per_page=2, page=4))
    assert (beyond.total, beyond.hits) == (5, [])
    assert order(index, per_page=0) == [5]  # clamped to 1
    assert order(index, per_page=2, page=0) == [5, 4]  # clamped to the first page


def test_per_page_is_capped_at_100(index: SearchIndex) -> None:
    index.index([doc(n, "акт") for n in range(1, 106)])
    result = index.search(SearchQuery(per_page=1000))
    assert (result.total, len(result.hits)) == (105, 100)


def test_sort_by_date_newest_first(index: SearchIndex) -> None:
    index.index(
        [
            doc(1, "семья семья семья", date=dt.date(2026, 1, 1)),
            doc(2, "семья", date=dt.date(2026, 3, 1)),
            doc(3, "семья и школа", date=dt.date(2026, 2, 1)),
        ]
    )
    assert order(index, "семья", sort="date") == [2, 3, 1]
    assert order(index, "семья")[0] == 1  # relevance: the most mentions first


# Writes


def test_upsert_replaces_the_old_version(index: SearchIndex) -> None:
    index.index([doc(1, "первичная диагностика")])
    index.index([doc(1, "заключительная диагностика", version=2)])
    assert index.count() == 1
    [hit] = index.search(SearchQuery(text="диагностика")).hits
    assert hit.version == 2
    assert found(index, "первичная") == []
    assert found(index, "заключительная") == [1]


def test_the_last_copy_in_one_batch_wins(index: SearchIndex) -> None:
    index.index([doc(1, "первый"), doc(2, "другой"), doc(1, "второй", version=2)])
    assert index.count() == 2
    assert found(index, "первый") == []
    assert found(index, "второй") == [1]


def test_remove(index: SearchIndex) -> None:
    index.index([doc(1, "акт"), doc(2, "акт"), doc(3, "акт")])
    index.remove([1, 3, 99])
    index.remove([])
    assert index.count() == 1
    assert found(index, "акт") == [2]


def test_rebuild_replaces_everything(index: SearchIndex) -> None:
    index.index([doc(1, "старый")])
    assert index.rebuild(doc(n, "новый") for n in (2, 3, 2)) == 2
    assert index.count() == 2
    assert found(index, "старый") == []
    assert found(index, "новый") == [2, 3]
    assert index.rebuild([]) == 0
    assert index.count() == 0


def test_index_reopens_from_disk(indexes: Indexes) -> None:
    indexes("i").index([doc(1, "семья")])
    assert found(indexes("i"), "семья") == [1]


class RetiredFilter(Filter):  # type: ignore[misc]
    """Stands for an analyzer step a later version of the code no longer has."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        return tokens


def test_an_index_written_by_an_older_analyzer_opens_and_rebuilds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_schema = build_schema()
    old_analyzer = RegexTokenizer() | RetiredFilter()
    for name in ("title", "text", "case_number_text", "nomenclature_title", "author"):
        old_schema[name].analyzer = old_analyzer
    (tmp_path / "i").mkdir()
    old = whoosh_index.create_in(str(tmp_path / "i"), old_schema).writer()
    old.add_document(doc_key="1", document_id=1, version=1, case_id="10", title="Семьи", text="семьи")
    old.commit()
    # whoosh's pickle of the old schema no longer loads (whoosh.index.open_dir raises AttributeError).
    monkeypatch.delattr(sys.modules[__name__], "RetiredFilter")

    index = SearchIndex(tmp_path / "i")
    assert index.count() == 1  # opens; its terms are not lemmas, so a rebuild is due
    index.rebuild([doc(1, "семьи")])
    assert found(index, "семья") == [1]
    assert found(SearchIndex(tmp_path / "i"), "семья") == [1]


def test_a_lost_index_says_so_and_a_rebuild_brings_it_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index.index.time, "sleep", lambda seconds: None)
    index = SearchIndex(tmp_path / "i")
    index.index([doc(1, "семья")])
    (tmp_path / "i").rename(tmp_path / "moved")
    for action in every_read_and_write(index):
        with pytest.raises(IndexMissing):
            action()
    assert not (tmp_path / "i").exists()  # nothing half-made in its place
    assert index.rebuild([doc(1, "семья"), doc(2, "семьи")]) == 2
    assert found(index, "семья") == [1, 2]


# whoosh leaves the file it was reading open when it finds garbage in it; it is closed when freed, with a
# ResourceWarning (Python shows none outside development mode).
WHOOSH_LEAVES_DAMAGED_FILES_OPEN = pytest.mark.filterwarnings("ignore::ResourceWarning")


@WHOOSH_LEAVES_DAMAGED_FILES_OPEN
@pytest.mark.parametrize("what", ["every file", "segments"])
def test_a_damaged_index_says_so_is_never_replaced_and_rebuilds(tmp_path: Path, what: str) -> None:
    folder = tmp_path / "i"
    SearchIndex(folder).index([doc(n, f"семья номер {n} " * 50) for n in range(1, 30)])
    for path in folder.iterdir():
        if what == "every file" or path.suffix == ".seg":
            path.write_bytes(bytes(range(256)) * (1 + path.stat().st_size // 256))
    if what == "every file":
        with pytest.raises(IndexDamaged):
            SearchIndex(folder)  # creating would wipe the folder: it refuses instead
    index = SearchIndex(folder, create=False)  # opens lazily: a process starts despite the damage
    for action in every_read_and_write(index):
        with pytest.raises(IndexDamaged):
            action()
    assert index.rebuild([doc(1, "семья")]) == 1
    assert found(index, "семья") == [1]


def test_without_create_a_missing_index_stays_missing_until_created(indexes: Indexes, tmp_path: Path) -> None:
    index = indexes("i", create=False)
    with pytest.raises(IndexMissing):
        index.count()
    assert not (tmp_path / "i").exists()
    assert not index.holds_index()
    index.create()
    assert index.holds_index()
    assert index.count() == 0


def test_a_second_instance_sees_commits_of_the_first(indexes: Indexes) -> None:
    reader, writer = indexes("i"), indexes("i")
    assert reader.count() == 0
    writer.index([doc(1, "семья")])
    assert (reader.count(), found(reader, "семья")) == (1, [1])


def test_a_busy_index_raises_index_busy_and_writes_nothing(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "i", write_timeout=0.2)
    # Another process's writer, as far as flock goes: a separate open of the lock file.
    other = whoosh_index.open_dir(str(tmp_path / "i")).writer()
    try:
        with pytest.raises(IndexBusy):
            index.index([doc(1, "семья")])
        with pytest.raises(IndexBusy):
            index.remove([1])
        with pytest.raises(IndexBusy):
            index.rebuild([doc(1, "семья")])
    finally:
        other.cancel()
    assert index.count() == 0
    index.index([doc(1, "семья")])
    assert index.count() == 1


def test_creating_waits_for_the_lock(tmp_path: Path) -> None:
    (tmp_path / "i").mkdir()
    lock = FileStorage(str(tmp_path / "i")).lock("MAIN_WRITELOCK")
    assert lock.acquire()
    try:
        with pytest.raises(IndexBusy):
            SearchIndex(tmp_path / "i", write_timeout=0.2)
    finally:
        lock.release()
    assert SearchIndex(tmp_path / "i").count() == 0


def test_a_failing_batch_releases_the_lock_and_writes_nothing(index: SearchIndex) -> None:
    def docs_then_failure() -> Iterator[IndexedDocument]:
        yield doc(1, "семья")
        raise OSError("storage unavailable")

    with pytest.raises(OSError, match="storage unavailable"):
        index.rebuild(docs_then_failure())
    assert index.count() == 0
    index.index([doc(2, "семья")])
    assert found(index, "семья") == [2]


def test_reads_retry_when_another_commit_removed_their_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index.index.time, "sleep", lambda seconds: None)
    attempts: list[int] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise FileNotFoundError("_MAIN_2.toc")
        return "read"

    assert search_index.index._reading(flaky) == "read"
    assert len(attempts) == 3

    def gone() -> str:
        attempts.append(1)
        raise FileNotFoundError("_MAIN_2.toc")

    attempts.clear()
    with pytest.raises(FileNotFoundError):
        search_index.index._reading(gone)
    assert len(attempts) == search_index.index.READ_ATTEMPTS


def test_writers_and_readers_in_several_processes_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "i"  # not there yet: the processes also race to create it
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=write_batches, args=(str(folder), worker)) for worker in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0, 0, 0, 0]
    per_worker = BATCHES * BATCH_SIZE - len(range(0, BATCHES * BATCH_SIZE, 3))
    index = SearchIndex(folder)
    assert index.count() == index.search(SearchQuery(text="семья")).total == 4 * per_worker


def test_similar_documents_share_telling_words_within_permissions(index: SearchIndex) -> None:
    index.index(
        [
            doc(1, "Акт обследования: семья Ивановых, ул. Ленина, д. 5, многодетная, трое детей"),
            doc(2, "Социальный паспорт семьи Ивановых, проживающих на ул. Ленина, д. 5; многодетная семья"),
            doc(3, "Ходатайство Ивановых по ул. Ленина о материальной помощи многодетной семье", district="u2"),
            doc(4, "Отчёт о работе участка за квартал: показатели, мероприятия"),
        ]
    )
    similar = [hit.document_id for hit in index.similar(1, SearchQuery())]
    assert similar[:2] == [2, 3] or similar[:2] == [3, 2]
    assert 1 not in similar and 4 not in similar
    mine = [hit.document_id for hit in index.similar(1, SearchQuery(allowed_districts=frozenset({"u1"})))]
    assert 3 not in mine and 2 in mine
    assert index.similar(99, SearchQuery()) == []


def test_fragments_come_from_a_window_after_the_first_match(index: SearchIndex) -> None:
    filler = " ".join(["слово"] * (WINDOW_CHARS // 6 + 1))
    index.index([doc(1, f"Семья. {filler} Опека.")])
    [hit] = index.search(SearchQuery(text="семья опека")).hits
    assert hit.highlights == ["<mark>Семья</mark>. " + " ".join(["слово"] * 9)]


def test_a_body_matching_only_past_the_scanned_part_shows_the_title(index: SearchIndex) -> None:
    filler = " ".join(["слово"] * (SCAN_CHARS // 6 + 1))
    index.index([doc(1, f"{filler} семья", title="Семья Ивановых"), doc(2, f"{filler} семья")])
    hits = {hit.document_id: hit.highlights for hit in index.search(SearchQuery(text="семья")).hits}
    assert hits == {1: ["<mark>Семья</mark> Ивановых"], 2: []}  # both found all the same


@pytest.mark.parametrize("words", ["семья", "абырвалг"])
def test_highlighting_reads_no_further_than_the_window_or_the_scanned_part(
    monkeypatch: pytest.MonkeyPatch, words: str
) -> None:
    # A long text (an OCR'd file) whose only match is at its start, or that has none: the rest is not read.
    text = "Семья. " + " ".join(["слово"] * (20 * SCAN_CHARS // 6))
    read: list[int] = []
    chunk_spans = search_index.highlighting._chunk_spans
    monkeypatch.setattr(
        search_index.highlighting,
        "_chunk_spans",
        lambda chunk, terms: read.append(len(chunk)) or chunk_spans(chunk, terms),
    )
    found = search_index.highlighting.fragments(text, Terms({words}))
    assert bool(found) == (words == "семья")
    assert sum(read) <= (WINDOW_CHARS if found else SCAN_CHARS) + CHUNK_CHARS


def test_words_across_the_chunks_read_are_all_marked() -> None:
    text = " ".join(f"семья{n % 7}-семьи\nсемьёй" for n in range(3 * CHUNK_CHARS // 20))
    spans = matched_spans(text, Terms({"семья"}))
    assert [text[start:end] for start, end in spans] == ["семьи", "семьёй"] * (3 * CHUNK_CHARS // 20)
