"""Fragments of a hit's text with the words that matched the query marked, HTML-escaped.

A word matches when its written form or one of its lemmas (or of its hyphenated parts) is a term the query
found, so «семьи» is marked for «семья»; the spellings of an abbreviation's group count as one. whoosh's own
highlighter runs the whole analyzer over every hit again (some 5 ms for a page's hit); this reads the words
with the lemma cache the analyzer already filled.

The text examined per hit is bounded, so a page of hits costs little beyond the query however long its documents
are (an OCR'd file runs to hundreds of thousands of characters): fragments are chosen from the first
`WINDOW_CHARS` after the first match, and the first match is looked for in the first `SCAN_CHARS` only."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from search_index.analysis import WORD_PATTERN, lemmas
from search_index.synonyms import related

MAX_FRAGMENTS = 3
FRAGMENT_CHARS = 200  # the matches one fragment may span
SURROUND = 60  # characters of context on each side
# Three fragments of at most FRAGMENT_CHARS + 2 * SURROUND are about 1,000 characters; a window of 3,000 (about a
# printed page of an act) still leaves the richest three a choice among several groups of matches.
WINDOW_CHARS = 3_000
# The first match is sought in about ten pages. Reading words costs some 40 ms per million characters here, so a
# hit costs at most ~1.5 ms (a page of 20 hits ~30 ms) even when only its title matched; a document whose body
# matches only further on is still found and listed, with its title marked instead of a fragment.
SCAN_CHARS = 30_000
CHUNK_CHARS = 4_000  # text is folded and read this much at a time, so reading stops soon after the window
_WORD = re.compile(WORD_PATTERN)
_PART = re.compile(r"\w+")
_JOINER = re.compile(r"[-/.]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Terms:
    """The words to mark: the query's matched terms plus what their synonyms look like in a text. Remembers
    its verdict on every word it has seen, since the hits of one query share most of their words."""

    def __init__(self, terms: set[str]) -> None:
        self.terms = frozenset(terms | related(terms))
        self._seen: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self.terms)

    def match(self, word: str) -> bool:
        """Does a lowercase word (ё written е) or its lemma match?"""
        verdict = self._seen.get(word)
        if verdict is None:
            verdict = word in self.terms or any(lemma in self.terms for lemma in lemmas(word))
            self._seen[word] = verdict
        return verdict


def fragments(text: str, terms: Terms, *, top: int = MAX_FRAGMENTS) -> list[str]:
    """Up to `top` fragments around the matched words, the richest first chosen, shown in text order."""
    spans = _leading_spans(text, terms)
    if not spans:
        return []
    groups: list[list[tuple[int, int]]] = []
    for span in spans:
        if groups and span[1] - groups[-1][0][0] <= FRAGMENT_CHARS:
            groups[-1].append(span)
        else:
            groups.append([span])
    ranked = sorted(
        range(len(groups)),
        key=lambda i: (-len({text[s:e].lower() for s, e in groups[i]}), -len(groups[i]), i),
    )
    chosen = sorted(ranked[:top])
    return [_fragment(text, groups[i]) for i in chosen]


def marked(text: str, terms: Terms) -> str | None:
    """The whole text with its matched words marked; None when none matched."""
    spans = matched_spans(text, terms)
    return _mark(text, 0, len(text), spans) if spans else None


def matched_spans(text: str, terms: Terms) -> list[tuple[int, int]]:
    """Every matched word's (start, end) in the text."""
    return list(_spans(text, terms)) if terms else []


def _leading_spans(text: str, terms: Terms) -> list[tuple[int, int]]:
    """The matches in the first WINDOW_CHARS from the first match, if that lies in the first SCAN_CHARS. Reading
    stops at the first chunk that could hold neither."""
    spans: list[tuple[int, int]] = []
    if not terms:
        return spans
    for position, chunk in _chunks(text):
        if position >= (spans[0][0] + WINDOW_CHARS if spans else SCAN_CHARS):
            break
        for start, end in _chunk_spans(chunk, terms):
            span = (position + start, position + end)
            if not spans and span[0] >= SCAN_CHARS:
                return spans
            if spans and span[1] - spans[0][0] > WINDOW_CHARS:
                return spans
            spans.append(span)
    return spans


def _spans(text: str, terms: Terms) -> Iterator[tuple[int, int]]:
    """The matched words' spans, in order."""
    for position, chunk in _chunks(text):
        yield from ((position + start, position + end) for start, end in _chunk_spans(chunk, terms))


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """The text a chunk at a time, with where each starts (cut at a space, where no word is)."""
    position = 0
    while position < len(text):
        end = min(len(text), position + CHUNK_CHARS)
        if end < len(text):
            cut = max(text.rfind(" ", position, end), text.rfind("\n", position, end))
            end = cut + 1 if cut > position else end
        yield position, text[position:end]
        position = end


def _chunk_spans(text: str, terms: Terms) -> list[tuple[int, int]]:
    folded = text.lower().replace("ё", "е")
    if len(folded) != len(text):  # a letter whose lowercase is longer: fold word by word
        folded = _WORD.sub(lambda match: _same_length_fold(match.group()), text)
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(folded):
        word = match.group()
        if terms.match(word):
            spans.append(match.span())
        elif _JOINER.search(word):  # a compound: its parts («материально-бытовых»)
            start = match.start()
            spans += [
                (start + part.start(), start + part.end()) for part in _PART.finditer(word) if terms.match(part.group())
            ]
    return spans


def _same_length_fold(word: str) -> str:
    folded = word.lower().replace("ё", "е")
    return folded if len(folded) == len(word) else word


def _fragment(text: str, spans: list[tuple[int, int]]) -> str:
    start = max(0, spans[0][0] - SURROUND)
    if start:  # begin and end at whole words
        space = text.find(" ", start, spans[0][0])
        start = space + 1 if space >= 0 else start
    end = min(len(text), spans[-1][1] + SURROUND)
    if end < len(text):
        space = text.rfind(" ", spans[-1][1], end)
        end = space if space >= 0 else end
    return _mark(text, start, end, spans)


def _mark(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    position = start
    for span_start, span_end in spans:
        out.append(_escape(text[position:span_start]))
        out.append(f"<mark>{_escape(text[span_start:span_end])}</mark>")
        position = span_end
    out.append(_escape(text[position:end]))
    return "".join(out).strip()


def _escape(text: str) -> str:
    return html.escape(_CONTROL_CHARS.sub(" ", text))
