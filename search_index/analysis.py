"""The Russian analyzer: words, numbers and case numbers kept whole; lowercase; ё→е; stop words; lemmas from
pymorphy3 (so every form of a word meets every other: семья / семьи / семьёй); Latin words stemmed for English;
the field's abbreviations indexed as synonyms of their full forms, both ways (see synonyms.py)."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from typing import Any

import pymorphy3
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang import stemmer_for_language
from whoosh.lang.stopwords import stoplists

from search_index.synonyms import SynonymFilter, abbreviations

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


def russian_analyzer() -> Any:
    return base_analyzer() | SynonymFilter()
