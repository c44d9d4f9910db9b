"""Query evaluation over whoosh's postings, a whole posting list at a time.

whoosh scores a query document by document in Python (some 13 µs a document), and its facets and total need
every match: a query matching most of 20,000 documents took 200-700 ms. Here each term's posting list is read
block by block into numpy arrays and the query tree is evaluated over dense per-document arrays (a match mask
and a score), so such a query costs milliseconds. Scores are whoosh's BM25F (same idf, field lengths and
parameters), so relevance does not change.

Term, And, Or, AndNot, AndMaybe, Require, Not, Every, the expanding terms (prefix, wildcard, fuzzy) and exact
phrases (by intersecting each word's document-and-position keys) are evaluated here; anything else (date
ranges) asks whoosh for its documents and scores each by the sum of its terms. What is read from a segment
(a term's postings and positions; field lengths, facet values and dates) is cached by segment id, since a
segment never changes once written; deletions are read per search. Tests check every kind of query against
whoosh's own matching, and typo-tolerant words against the Levenshtein distance of each term (whoosh's reader
over several segments counts two swapped letters as one edit, its single segments and PostgreSQL as two)."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar, cast

import numpy as np
from whoosh import columns as whoosh_columns
from whoosh import query as q
from whoosh.automata.lev import levenshtein_automaton
from whoosh.codec import whoosh3
from whoosh.matching import ListMatcher
from whoosh.reading import TermNotFound

T = TypeVar("T")

B = 0.75  # whoosh's BM25F defaults
K1 = 1.2
CACHE_BYTES = 128 * 1024 * 1024
TERM_ARRAYS = "term:"  # the cache's names of a term's postings and positions start with this
_READ_ON = 8  # terms a typo-tolerant word's walk reads in order before it searches the term index instead
_POSITION_BITS = 32  # a position in a document, below its document number in one int64

_LENGTH_TABLE = np.array([whoosh3.byte_to_length(byte) for byte in range(256)], dtype=np.float64)


class SegmentCache:
    """Arrays read from segments, shared by all searches of an index (thread-safe), least recently used out
    first past `max_bytes`. Posting lists of the common words stay here, so a query reads from disk only the
    words that are new to it."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self._arrays: OrderedDict[tuple[str, str], tuple[Any, int]] = OrderedDict()
        self._max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, leaf: Any, name: str, load: Callable[[], T]) -> T:
        if leaf.segment() is None:  # an empty index
            return load()
        key = (leaf.segment().segment_id(), name)
        with self._lock:
            if key in self._arrays:
                self._arrays.move_to_end(key)
                return cast(T, self._arrays[key][0])
        value = load()
        size = sum(part.nbytes for part in (value if isinstance(value, tuple) else (value,)) if hasattr(part, "nbytes"))
        with self._lock:
            if key not in self._arrays:
                self._arrays[key] = (value, size)
                self._bytes += size
            while self._bytes > self._max_bytes and self._arrays:
                _, (_, dropped) = self._arrays.popitem(last=False)
                self._bytes -= dropped
        return value

    def clear(self, kind: str = "") -> None:
        """Forget the arrays whose name starts with `kind` (everything by default)."""
        with self._lock:
            for key in [key for key in self._arrays if key[1].startswith(kind)]:
                self._bytes -= self._arrays.pop(key)[1]


class Evaluator:
    """One query's evaluation on one searcher: masks and scores over all documents of the searcher's reader."""

    def __init__(self, searcher: Any, cache: SegmentCache) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.cache = cache
        self.leaves: list[tuple[Any, int]] = list(self.reader.leaf_readers())
        self.size = int(self.reader.doc_count_all())
        self.live = np.ones(self.size, dtype=bool)
        for leaf, base in self.leaves:
            deleted = list(leaf.deleted_docs_set) if leaf.has_deletions() else []
            self.live[np.asarray(deleted, dtype=np.int64) + base] = False
        self.matched_terms: set[tuple[str, str]] = set()  # the terms that found something, not under a NOT
        self._automata: dict[tuple[str, int, int], Any] = {}  # a typo-tolerant word's, for all its fields

    def matches(self, query: Any) -> tuple[np.ndarray, np.ndarray]:
        """(mask, scores) of the live documents the query matches."""
        mask, scores = self._evaluate(query, positive=True)
        return mask & self.live, scores

    def filter_mask(self, query: Any) -> np.ndarray:
        mask, _ = self._evaluate(query, positive=False)
        return mask & self.live

    def _empty(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=np.float64)

    def _evaluate(self, node: Any, *, positive: bool) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(node, q.Term):
            return self._term(node.fieldname, node.text, node.boost, positive=positive)
        if isinstance(node, q.And):
            parts = [self._evaluate(child, positive=positive) for child in node.subqueries]
            mask = np.logical_and.reduce([part[0] for part in parts]) if parts else self._empty()[0]
            return mask, sum((part[1] for part in parts), np.zeros(self.size)) * node.boost
        if isinstance(node, q.Or) and not node.minmatch:
            parts = [self._evaluate(child, positive=positive) for child in node.subqueries]
            if not parts:
                return self._empty()
            return np.logical_or.reduce([part[0] for part in parts]), sum(part[1] for part in parts) * node.boost
        if isinstance(node, q.AndNot):
            mask, scores = self._evaluate(node.a, positive=positive)
            excluded, _ = self._evaluate(node.b, positive=False)
            return mask & ~excluded, scores
        if isinstance(node, q.AndMaybe):
            mask, scores = self._evaluate(node.a, positive=positive)
            maybe, extra = self._evaluate(node.b, positive=positive)
            return mask, scores + np.where(maybe, extra, 0.0)
        if isinstance(node, q.Require):
            mask, scores = self._evaluate(node.a, positive=positive)
            required, _ = self._evaluate(node.b, positive=positive)
            return mask & required, scores
        if isinstance(node, q.Not):
            excluded, _ = self._evaluate(node.query, positive=False)
            return self.live & ~excluded, np.zeros(self.size)
        if isinstance(node, q.Every) and not node.fieldname:
            return self.live.copy(), np.zeros(self.size)
        if node is q.NullQuery or isinstance(node, q.qcore._NullQuery):
            return self._empty()
        if isinstance(node, (q.Prefix, q.Wildcard, q.FuzzyTerm)):
            return self._expanded(node, positive=positive)
        if isinstance(node, q.Phrase) and node.slop == 1 and self._has_positions(node.fieldname):
            return self._phrase(node, positive=positive)
        return self._through_whoosh(node, positive=positive)

    def _term(self, field: str, text: Any, boost: float, *, positive: bool) -> tuple[np.ndarray, np.ndarray]:
        mask, scores = self._empty()
        if field not in self.schema:
            return mask, scores
        scorable = self.schema[field].scorable
        for leaf, base in self.leaves:
            ids, weights = self._read(_postings, leaf, field, text)
            if not len(ids):
                continue
            docs = ids + base
            mask[docs] = True
            if scorable:  # only for a term that exists: idf is undefined on an empty index
                idf = self.searcher.idf(field, text)
                avg_length = self.searcher.avg_field_length(field) or 1.0
                lengths = self._lengths(leaf, field)[ids]
                scores[docs] = idf * (weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / avg_length))
            else:
                scores[docs] = weights
        if positive and mask.any():
            self.matched_terms.add((field, text if isinstance(text, str) else text.decode("utf-8")))
        return mask, scores * boost

    def _read(self, reader: Callable[[Any, str, str], T], leaf: Any, field: str, text: str) -> T:
        """What `reader` reads of a term in a segment, through the cache."""
        return self.cache.get(
            leaf, f"{TERM_ARRAYS}{reader.__name__}:{field}:{text}", functools.partial(reader, leaf, field, text)
        )

    def _has_positions(self, field: str) -> bool:
        return field in self.schema and self.schema[field].format.supports("positions")

    def _phrase(self, node: Any, *, positive: bool) -> tuple[np.ndarray, np.ndarray]:
        """Documents where the words stand one after another: the places where the phrase could start, from its
        rarest word's (document, position) keys shifted back by the word's place in the phrase, are kept where
        every other word stands the right number of places on (a binary search of that word's sorted keys, which
        costs far less than merging two long lists when the words are common)."""
        field, words = node.fieldname, list(node.words)
        mask, scores = self._empty()
        if not words:
            return mask, scores
        for leaf, base in self.leaves:
            places = sorted(
                ((self._read(_positions, leaf, field, word), offset) for offset, word in enumerate(words)),
                key=lambda place: len(place[0]),
            )
            keys, offset = places[0]
            starts = keys - offset
            for keys, offset in places[1:]:
                if not len(starts):
                    break
                wanted = starts + offset
                found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
                starts = starts[keys[found] == wanted]
            mask[(starts >> _POSITION_BITS) + base] = True
        if mask.any():
            for word in words:
                scores += self._term(field, word, node.boost, positive=positive)[1]
        return mask, np.where(mask, scores, 0.0)

    def _expanded(self, node: Any, *, positive: bool) -> tuple[np.ndarray, np.ndarray]:
        field = node.field()
        if field not in self.schema:
            return self._empty()
        texts = (
            self._fuzzy_texts(node) if isinstance(node, q.FuzzyTerm) else [_text(t) for t in node._btexts(self.reader)]
        )
        if not texts:
            return self._empty()
        parts = [self._term(field, text, 1.0, positive=positive) for text in texts]
        mask = np.logical_or.reduce([part[0] for part in parts])
        if node.constantscore:
            return mask, np.where(mask, node.boost, 0.0)
        return mask, sum(part[1] for part in parts) * node.boost

    def _fuzzy_texts(self, node: Any) -> list[str]:
        """The terms within the node's edit distance, found by walking each segment's sorted terms with one
        automaton: a reader over several segments would otherwise compute the distance of every term that shares
        the prefix, in Python, and a single segment's would build the automaton again for every field."""
        key = (node.text, node.maxdist, node.prefixlength)
        automaton = self._automata.get(key)
        if automaton is None:
            automaton = self._automata[key] = levenshtein_automaton(*key).to_dfa()
        spelling = self.schema[node.fieldname].spelling_fieldname(node.fieldname)
        found: set[str] = set()
        for leaf, _ in self.leaves:
            if spelling in leaf.indexed_field_names():
                found.update(_accepted_terms(automaton, leaf.cursor(spelling)))
        return sorted(found)

    def _through_whoosh(self, node: Any, *, positive: bool) -> tuple[np.ndarray, np.ndarray]:
        """Queries evaluated here only as a set of documents (phrases, ranges), scored by their words."""
        mask, scores = self._empty()
        mask[np.fromiter(node.docs(self.searcher), dtype=np.int64)] = True
        terms = [term for term in node.iter_all_terms(phrases=True)] if positive else []
        for field, text in terms:
            _, term_scores = self._term(field, text, node.boost, positive=True)
            scores += term_scores
        return mask, np.where(mask, scores if terms else node.boost, 0.0)

    def _lengths(self, leaf: Any, field: str) -> np.ndarray:
        def load() -> np.ndarray:
            count = leaf.doc_count_all()
            perdoc = getattr(leaf, "_perdoc", None)
            column = perdoc._cached_reader(whoosh3._lenfield(field), whoosh3.LENGTHS_COLUMN) if perdoc else None
            if column is None:
                raw = [leaf.doc_field_length(docnum, field, 0) or 0 for docnum in range(count)]
                return np.asarray(raw, dtype=np.float64)
            return _LENGTH_TABLE[_numeric_column(column, count).astype(np.int64)]

        return self.cache.get(leaf, f"length:{field}", load)

    def column(self, field: str) -> list[tuple[int, Any]]:
        """(docbase, array of the field's column values) per segment."""

        numeric = isinstance(self.schema[field].column_type, whoosh_columns.NumericColumn)

        def load(leaf: Any) -> Any:
            if not leaf.doc_count_all():  # an empty index has no columns
                return np.zeros(0, dtype=np.int64) if numeric else ([], np.zeros(0, dtype=np.int64))
            column = leaf.column_reader(field)
            return _numeric_column(column, leaf.doc_count_all()) if numeric else _codes(column)

        return [
            (base, self.cache.get(leaf, f"column:{field}", functools.partial(load, leaf))) for leaf, base in self.leaves
        ]

    def counts(self, mask: np.ndarray, field: str) -> dict[str, int]:
        """How many of the masked documents hold each value of a sortable field."""
        counts: dict[str, int] = {}
        for base, (labels, codes) in self.column(field):
            found = np.bincount(codes[mask[base : base + len(codes)]], minlength=len(labels))
            for label, count in zip(labels, found.tolist(), strict=True):
                if count:
                    counts[label] = counts.get(label, 0) + count
        return counts

    def numeric(self, field: str) -> np.ndarray:
        """A numeric sortable column over all documents."""
        values = np.zeros(self.size, dtype=np.int64)
        for base, column in self.column(field):
            values[base : base + len(column)] = column
        return values


def top(docs: np.ndarray, keys: np.ndarray, count: int) -> np.ndarray:
    """The `count` docs with the largest keys, largest first; ties in document order."""
    if count < len(docs):
        chosen = np.argpartition(-keys, count - 1)[:count]
        docs, keys = docs[chosen], keys[chosen]
    return docs[np.lexsort((docs, -keys))]


def _postings(leaf: Any, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """All (doc ids, weights) of a term in a segment, deletions included (the caller masks them)."""
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for block_ids, block_weights, _ in _blocks(leaf, field, text):
        ids.append(block_ids)
        weights.append(block_weights)
    if not ids:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    return np.concatenate(ids).astype(np.int32), np.concatenate(weights).astype(np.float32)


def _positions(leaf: Any, field: str, text: str) -> np.ndarray:
    """Every place of a term in a segment as one sorted int64: document number, then position."""
    decode = leaf.schema[field].format.decode_positions
    keys: list[int] = []
    for block_ids, _, values in _blocks(leaf, field, text, values=True):
        for docnum, value in zip(block_ids.tolist(), values, strict=True):
            high = docnum << _POSITION_BITS
            keys += [high | position for position in decode(value)]
    return np.unique(np.asarray(keys, dtype=np.int64))


def _blocks(leaf: Any, field: str, text: str, *, values: bool = False) -> Iterator[tuple[np.ndarray, np.ndarray, Any]]:
    """A term's postings in a segment, a block at a time: (ids, weights, encoded values or None)."""
    try:
        matcher = leaf.postings(field, text)
    except TermNotFound:
        return
    matcher = getattr(matcher, "child", matcher)  # whoosh wraps the postings of a segment with deletions
    if isinstance(matcher, ListMatcher):  # short posting lists are inlined in the term dictionary
        ids = np.asarray(matcher._ids, dtype=np.int64)
        weights = matcher._weights if matcher._weights is not None else [matcher._all_weights or 1.0] * len(ids)
        yield ids, np.asarray(weights, dtype=np.float64), matcher._values if values else None
    elif isinstance(matcher, whoosh3.W3LeafMatcher) and not matcher._byteids:
        while matcher.is_active():
            matcher._read_data()
            raw_ids, raw_weights = matcher._data[0], matcher._data[1]
            ids = np.cumsum(np.asarray(raw_ids, dtype=np.int64))  # stored as gaps
            if raw_weights is None or isinstance(raw_weights, float):
                weights = np.full(len(ids), raw_weights or 1.0)
            else:
                weights = np.asarray(raw_weights, dtype=np.float64)
            if values:
                matcher._read_values()
            yield ids, weights, matcher._values if values else None
            matcher._next_block()
    else:  # any other kind of postings: one at a time
        found = []
        while matcher.is_active():
            found.append((matcher.id(), matcher.weight(), matcher.value() if values else None))
            matcher.next()
        if found:
            yield (
                np.asarray([item[0] for item in found], dtype=np.int64),
                np.asarray([item[1] for item in found], dtype=np.float64),
                [item[2] for item in found] if values else None,
            )


def _numeric_column(column: Any, count: int) -> np.ndarray:
    return np.fromiter((column[docnum] for docnum in range(count)), dtype=np.int64, count=count)


def _codes(column: Iterable[Any]) -> tuple[list[str], np.ndarray]:
    """A column of values as (distinct values, each document's index into them)."""
    labels: dict[str, int] = {}
    codes = [labels.setdefault(_text(value), len(labels)) for value in column]
    return list(labels), np.asarray(codes, dtype=np.int64)


def _accepted_terms(automaton: Any, cursor: Any) -> Iterator[str]:
    """The field's terms the automaton accepts. As whoosh's walk, it leaps to the next string the automaton
    could accept; a leap of a few terms is taken by reading on in order (a search of the term index reads some
    twenty keys from disk), which is all of it where the words sharing a prefix are few."""
    term = cursor.text()
    while term is not None:
        wanted = automaton.next_valid_string(term)
        if wanted is None:
            return
        read = 0
        while term is not None and term < wanted and read < _READ_ON:
            term, read = cursor.next(), read + 1
        if term is not None and term < wanted:
            term = cursor.find(wanted)
        if term == wanted:
            yield term
            term = cursor.next()


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
