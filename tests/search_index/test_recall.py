"""Recall and precision of the Russian search on a fixed set of documents and queries (recall_set.py), beside a
plain whoosh index with StandardAnalyzer on the same text fields as the baseline. `pytest -s` shows the figures.

Recall is micro-averaged over the pairs: expected documents found (on a page of 50) / expected documents.
Precision@10 likewise: expected documents among the first ten hits / hits among the first ten."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.analysis import StandardAnalyzer
from whoosh.fields import STORED, TEXT, Schema
from whoosh.qparser import AndGroup, MultifieldParser

from search_index import SearchIndex, SearchQuery
from tests.search_index.conftest import Indexes
from tests.search_index.recall_set import CATEGORIES, CORPUS, PAIRS, Pair

PER_PAGE = 50
PRECISION_AT = 10
MIN_RECALL = 0.95
MIN_PRECISION = 0.6
BASELINE_FIELDS = ("title", "text", "author", "case_number_text")

Search = Callable[[str], list[int]]


@dataclass(frozen=True)
class Outcome:
    pair: Pair
    returned: list[int]  # document ids in the order of the hits

    @property
    def found(self) -> int:
        return len(self.pair.expected & set(self.returned))

    @property
    def top(self) -> list[int]:
        return self.returned[:PRECISION_AT]

    @property
    def relevant_in_top(self) -> int:
        return sum(1 for document_id in self.top if document_id in self.pair.expected)


@dataclass
class Tally:
    pairs: int = 0
    expected: int = 0
    found: int = 0
    returned: int = 0  # hits among the first PRECISION_AT
    relevant: int = 0  # expected documents among them

    def add(self, outcome: Outcome) -> None:
        self.pairs += 1
        self.expected += len(outcome.pair.expected)
        self.found += outcome.found
        self.returned += len(outcome.top)
        self.relevant += outcome.relevant_in_top

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 0.0

    @property
    def precision(self) -> float:
        """0.0 when nothing at all was returned."""
        return self.relevant / self.returned if self.returned else 0.0


@dataclass
class Scores:
    overall: Tally = field(default_factory=Tally)
    by_category: dict[str, Tally] = field(default_factory=lambda: {name: Tally() for name in CATEGORIES})


def score(outcomes: Iterable[Outcome]) -> Scores:
    scores = Scores()
    for outcome in outcomes:
        scores.overall.add(outcome)
        scores.by_category[outcome.pair.category].add(outcome)
    return scores


def run(search: Search) -> list[Outcome]:
    return [Outcome(pair, search(pair.query)) for pair in PAIRS]


def our_search(index: SearchIndex) -> Search:
    index.index(CORPUS)

    def search(text: str) -> list[int]:
        return [hit.document_id for hit in index.search(SearchQuery(text=text, per_page=PER_PAGE)).hits]

    return search


def baseline_search(folder: Path) -> Search:
    """whoosh out of the box: StandardAnalyzer (lowercase, English stop words, no stemming), all words required."""
    text_fields = {name: TEXT(analyzer=StandardAnalyzer()) for name in BASELINE_FIELDS}
    schema = Schema(document_id=STORED, **text_fields)
    folder.mkdir(parents=True, exist_ok=True)
    baseline = whoosh_index.create_in(str(folder), schema)
    with baseline.writer() as writer:
        for doc in CORPUS:
            writer.add_document(
                document_id=doc.document_id,
                title=doc.title,
                text=doc.text,
                author=doc.author,
                case_number_text=doc.case_number,
            )
    parser = MultifieldParser(list(BASELINE_FIELDS), schema, group=AndGroup)

    def search(text: str) -> list[int]:
        with baseline.searcher() as searcher:
            return [hit["document_id"] for hit in searcher.search(parser.parse(text), limit=PER_PAGE)]

    return search


@pytest.fixture(scope="module")
def ours(module_indexes: Indexes) -> list[Outcome]:
    return run(our_search(module_indexes("recall")))


def report(ours: list[Outcome], baseline: list[Outcome]) -> str:
    mine, theirs = score(ours), score(baseline)
    lines = [
        f"Russian search: {len(PAIRS)} queries over {len(CORPUS)} documents; "
        f"recall on a page of {PER_PAGE}, precision@{PRECISION_AT}; ours | baseline (StandardAnalyzer)",
        f"{'category':<14}{'pairs':>6}{'recall':>17}{'precision':>17}",
    ]
    rows = [*((name, mine.by_category[name], theirs.by_category[name]) for name in CATEGORIES)]
    rows.append(("overall", mine.overall, theirs.overall))
    for name, a, b in rows:
        lines.append(
            f"{name:<14}{a.pairs:>6}{a.recall:>9.3f} |{b.recall:>6.3f}{a.precision:>9.3f} |{b.precision:>6.3f}"
        )
    missed = [outcome for outcome in ours if outcome.found < len(outcome.pair.expected)]
    lines.append(f"ours missed documents in {len(missed)} queries:")
    for outcome in missed:
        missing = sorted(outcome.pair.expected - set(outcome.returned))
        expected = sorted(outcome.pair.expected)
        lines.append(f"  [{outcome.pair.category}] {outcome.pair.query!r}: missing {missing} of {expected}")
    noisy = [outcome for outcome in ours if outcome.relevant_in_top < len(outcome.top)]
    lines.append(f"ours returned unexpected documents in the top {PRECISION_AT} for {len(noisy)} queries:")
    for outcome in noisy:
        extra = [document_id for document_id in outcome.top if document_id not in outcome.pair.expected]
        lines.append(f"  [{outcome.pair.category}] {outcome.pair.query!r}: also {extra}")
    return "\n".join(lines)


def test_the_set_is_well_formed() -> None:
    ids = [doc.document_id for doc in CORPUS]
    assert len(ids) == len(set(ids))
    assert 40 <= len(CORPUS) <= 60
    assert len(PAIRS) >= 70
    assert len({pair.query for pair in PAIRS}) == len(PAIRS)
    for pair in PAIRS:
        assert pair.category in CATEGORIES, pair
        assert 1 <= len(pair.expected) <= 3, pair
        assert pair.expected <= set(ids), pair
    assert {pair.category for pair in PAIRS} == set(CATEGORIES)


def test_recall(ours: list[Outcome], tmp_path: Path) -> None:
    baseline = run(baseline_search(tmp_path / "baseline"))
    print()
    print(report(ours, baseline))
    assert score(ours).overall.recall >= MIN_RECALL


def test_precision(ours: list[Outcome]) -> None:
    assert score(ours).overall.precision >= MIN_PRECISION
