"""The Russian analyzer: words, numbers and case numbers kept whole; lowercase; ё→е; stop words; lemmas from
pymorphy3 (so every form of a word meets every other: семья / семьи / семьёй); Latin words stemmed for English;
the field's abbreviations indexed as synonyms of their full forms, both ways (see synonyms.py)."""

from __future__ import annotations

import functools
import re
import threading
from collections import deque
from collections.abc import Iterator
from typing import Any

import pymorphy3
from whoosh.analysis import CompositeAnalyzer, Filter, LowercaseFilter, RegexTokenizer, StopFilter, Token
from whoosh.lang import stemmer_for_language
from whoosh.lang.stopwords import stoplists

from search_index.synonyms import SynonymFilter, abbreviations, synonym_table

# Words with inner hyphens, slashes or dots stay one token: "04-05/2026/017", "Иванова-Петрова", "1.5".
WORD_PATTERN = r"\w+(?:[-/.]\w+)*"
_JOINERS = re.compile(r"[-/.]")
_KEEP_JOINERS = re.compile(r"([-/.])")
_LETTER = re.compile(r"[^\W\d_]")
_ENGLISH_STEM = stemmer_for_language("en")
# A word may be several words (стали: стать / сталь): the index keeps up to this many lemmas at its position,
# a query uses the likeliest, which is always among them.
MAX_LEMMAS = 3
LEMMA_CACHE = 500_000
# Written word forms (as the tokenizer cuts them, before lowercasing) whose index tokens are remembered: a
# Russian text repeats its forms, so most words of a document are found here (see IndexAnalyzer).
WORD_CACHE = 200_000
STOP_WORDS = frozenset(word.replace("ё", "е") for word in stoplists["ru"]) | stoplists["en"]


class YoFilter(Filter):  # type: ignore[misc]
    """ё and е are one letter in everyday writing."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            token.text = token.text.replace("ё", "е")
            yield token


class CompoundPartsFilter(Filter):  # type: ignore[misc]
    """Index "материально-бытовых", "Иванова-Петрова", "ул.Ленина" whole and also by their lettered parts.

    The parts share the compound's position, so phrases over either spelling still line up. Queries keep
    the compound whole (mode "query"), so typing it finds exactly it. Pure numbers are never split:
    "04-05/2026/017" or "12.03.2026" split into "2026" would tie every case of the year to any search for
    the year."""

    def __init__(self, stoplist: frozenset[str]) -> None:
        self.stoplist = stoplist

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            # Split before yielding: tokenizers reuse one Token object, and later filters rewrite it in place.
            split = token.mode != "query" and not token.stopped and _JOINERS.search(token.text)
            parts = list(self._parts(token)) if split else []
            yield token
            yield from parts

    def _parts(self, whole: Any) -> Iterator[Any]:
        offset = 0
        for part in _JOINERS.split(whole.text):
            start, offset = offset, offset + len(part) + 1
            if len(part) < 2 or not _LETTER.search(part) or part in self.stoplist:
                continue
            piece = whole.copy()
            piece.extra = True
            piece.text = part
            if whole.chars:
                piece.startchar = whole.startchar + start
                piece.endchar = piece.startchar + len(part)
            yield piece


class LemmaFilter(Filter):  # type: ignore[misc]
    """Replace each word by its dictionary form; in the index, also add its other possible dictionary forms
    (as extra tokens at the same position)."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            if token.stopped:
                yield token
                continue
            first, *others = lemmas(token.text)
            token.text = first
            yield token
            if token.mode == "query":
                continue
            for other in others:
                extra = token.copy()
                extra.text = other
                extra.extra = True
                yield extra


def lemmas(word: str) -> tuple[str, ...]:
    """The dictionary forms of a lowercase word, likeliest first; compounds part by part ("ивановой-петровой" →
    "иванов-петров"); numbers as they are; Latin words by the English stemmer."""
    if _JOINERS.search(word):
        return ("".join(_lemmas_of_word(piece)[0] for piece in _KEEP_JOINERS.split(word)),)
    return _lemmas_of_word(word)


@functools.lru_cache(maxsize=LEMMA_CACHE)
def _lemmas_of_word(word: str) -> tuple[str, ...]:
    if not _LETTER.search(word):
        return (word,)
    if word.isascii():
        return (word if any(ch.isdigit() for ch in word) else str(_ENGLISH_STEM(word)),)
    if word in ABBREVIATIONS:  # «ИППСУ» is not a form of «иппёс»
        return (word,)
    forms = [parse.normal_form.replace("ё", "е") for parse in _morph().parse(word)]
    return tuple(dict.fromkeys(forms))[:MAX_LEMMAS] or (word,)


_MORPH_LOCK = threading.Lock()
ABBREVIATIONS = abbreviations()


@functools.cache
def _morph_cached() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="ru")


def _morph() -> pymorphy3.MorphAnalyzer:
    """One analyzer per process (loading the dictionaries takes a moment)."""
    with _MORPH_LOCK:
        return _morph_cached()


def base_analyzer() -> Any:
    """Everything but synonyms: what a word becomes in the index and in a query."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | YoFilter()
        # Positions are renumbered here, so the compound parts must come after to keep their shared position.
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | CompoundPartsFilter(STOP_WORDS)
        | LemmaFilter()
    )


def russian_analyzer(*, memoized: bool = True) -> Any:
    """The analyzer of every text field. `memoized=False` gives the plain filter chain, which IndexAnalyzer must
    match token by token (the tests compare them)."""
    chain = base_analyzer() | SynonymFilter()
    return IndexAnalyzer(*chain.items) if memoized else chain


# One word's index tokens: (text, extra, start, end), the characters relative to the word's first one.
Expansion = tuple[tuple[str, bool, int, int], ...]
_FAST_OPTIONS = frozenset({"positions", "chars", "mode", "start_pos", "start_char", "boosts", "removestops"})


class IndexAnalyzer(CompositeAnalyzer):  # type: ignore[misc]
    """The chain of base_analyzer() | SynonymFilter(), with indexing done in one pass: what the chain makes of a
    written word form (lowercase, ё→е, stop word or not, its lemmas, its compound parts and theirs) is computed
    once and remembered (WORD_CACHE forms, least recently used dropped), and the synonyms are matched over the
    words' first lemmas as SynonymFilter does. The same tokens in the same order with the same positions and
    characters; queries and unusual options go through the chain."""

    def __call__(self, value: str, **kwargs: Any) -> Iterator[Any]:
        fast = (
            kwargs.get("mode", "") != "query"
            and kwargs.get("removestops", True)
            and not kwargs.get("no_morph", False)
            and _FAST_OPTIONS.issuperset(kwargs)
        )
        if not fast:
            chained: Iterator[Any] = super().__call__(value, **kwargs)
            return chained
        return self._tokens(value, **kwargs)

    @staticmethod
    def _tokens(
        value: str,
        positions: bool = False,
        chars: bool = False,
        start_pos: int = 0,
        start_char: int = 0,
        **kwargs: Any,
    ) -> Iterator[Any]:
        # One Token rewritten for every term, as whoosh's tokenizers do: read each before taking the next.
        token = Token(positions, chars, **kwargs)
        for pos, text, extra, start, end in index_stream(value, start_pos=start_pos, start_char=start_char):
            token.text = text
            token.extra = extra
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start, end
            yield token


_WORD = re.compile(WORD_PATTERN)


def index_stream(value: str, *, start_pos: int = 0, start_char: int = 0) -> Iterator[tuple[int, str, bool, int, int]]:
    """The index tokens of `value` as (position, text, extra, startchar, endchar), exactly as the chain's."""
    table = synonym_table()
    ending_with = table.ending_with
    window: deque[str] = deque(maxlen=table.longest)
    pos = -1
    first = True
    for index, match in enumerate(_WORD.finditer(value)):
        expansion = word_expansion(match.group(0))
        if not expansion:  # a stop word: StopFilter drops it and numbers the rest on from the first kept
            continue
        if first:
            pos, first = start_pos + index, False
        else:
            pos += 1
        offset = start_char + match.start()
        text, _, start, end = expansion[0]
        yield pos, text, False, offset + start, offset + end
        window.append(text)
        for spelling, additions in ending_with.get(text, ()):
            if len(spelling) <= len(window) and tuple(window)[-len(spelling) :] == spelling:
                for addition in additions:
                    yield pos, addition, True, offset + start, offset + end
        for text, extra, start, end in expansion[1:]:
            yield pos, text, extra, offset + start, offset + end


@functools.lru_cache(maxsize=WORD_CACHE)
def word_lexemes(written: str) -> tuple[str, ...]:
    """The texts of word_expansion(written), in its order: what the index holds at the word's position before
    synonyms (the first is the word's first lemma, which synonyms match)."""
    return tuple(text for text, _, _, _ in word_expansion(written))


@functools.lru_cache(maxsize=WORD_CACHE)
def word_expansion(written: str) -> Expansion:
    """What the chain before SynonymFilter makes of one written word: nothing for a stop word; else the word's
    lemmas (the first not extra), then each lettered compound part's lemmas, as CompoundPartsFilter and
    LemmaFilter yield them."""
    word = written.lower().replace("ё", "е")
    if word in STOP_WORDS:
        return ()
    first, *others = lemmas(word)
    out = [(first, False, 0, len(written))]
    out += [(other, True, 0, len(written)) for other in others]
    if not _JOINERS.search(word):
        return tuple(out)
    offset = 0
    for part in _JOINERS.split(word):
        start, offset = offset, offset + len(part) + 1
        if len(part) < 2 or not _LETTER.search(part) or part in STOP_WORDS:
            continue
        out += [(lemma, True, start, start + len(part)) for lemma in lemmas(part)]
    return tuple(out)
