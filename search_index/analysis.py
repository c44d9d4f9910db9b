"""The Russian analyzer: words, numbers and case numbers kept whole; lowercase; ё→е; stop words; stemming.

Kept apart so a morphological analyzer (lemmas, synonyms) can replace it without touching the index code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stemmer_for_language
from whoosh.lang.stopwords import stoplists

# Words with inner hyphens, slashes or dots stay one token: "04-05/2026/017", "Иванова-Петрова", "1.5".
WORD_PATTERN = r"\w+(?:[-/.]\w+)*"
_JOINERS = re.compile(r"[-/.]")
_KEEP_JOINERS = re.compile(r"([-/.])")
_LETTER = re.compile(r"[^\W\d_]")
_RUSSIAN_STEM = stemmer_for_language("ru")
_ENGLISH_STEM = stemmer_for_language("en")
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
            piece.text = part
            if whole.chars:
                piece.startchar = whole.startchar + start
                piece.endchar = piece.startchar + len(part)
            yield piece


def _stem(word: str) -> str:
    """Compounds are stemmed part by part, so "Ивановой-Петровой" and "Иванова-Петрова" meet."""
    if _JOINERS.search(word):
        return "".join(_stem_word(piece) for piece in _KEEP_JOINERS.split(word))
    return _stem_word(word)


def _stem_word(word: str) -> str:
    if not _LETTER.search(word):
        return word
    if not word.isascii():
        return str(_RUSSIAN_STEM(word))
    return word if any(ch.isdigit() for ch in word) else str(_ENGLISH_STEM(word))


def russian_analyzer() -> Any:
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | YoFilter()
        # Positions are renumbered here, so the compound parts must come after to keep their shared position.
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | CompoundPartsFilter(STOP_WORDS)
        | StemFilter(stemfn=_stem, cachesize=50_000)
    )
