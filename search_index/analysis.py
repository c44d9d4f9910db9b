"""The Russian analyzer: words, numbers and case numbers kept whole; lowercase; ё→е; stop words; stemming.

Kept apart so a morphological analyzer (lemmas, synonyms) can replace it without touching the index code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stemmer_for_language
from whoosh.lang.stopwords import stoplists

# Words with inner hyphens, slashes or dots stay one token: "04-05/2026/017", "Иванова-Петрова", "1.5".
WORD_PATTERN = r"\w+(?:[-/.]\w+)*"
_RUSSIAN_STEM = stemmer_for_language("ru")
_ENGLISH_STEM = stemmer_for_language("en")


class YoFilter(Filter):  # type: ignore[misc]
    """ё and е are one letter in everyday writing."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        for token in tokens:
            token.text = token.text.replace("ё", "е")
            yield token


def _stem(word: str) -> str:
    if not word.isascii():
        return str(_RUSSIAN_STEM(word))
    return word if any(ch.isdigit() for ch in word) else str(_ENGLISH_STEM(word))


def russian_analyzer() -> Any:
    stop_words = frozenset(word.replace("ё", "е") for word in stoplists["ru"]) | stoplists["en"]
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | YoFilter()
        | StopFilter(stoplist=stop_words, minsize=1)
        | StemFilter(stemfn=_stem, cachesize=50_000)
    )
