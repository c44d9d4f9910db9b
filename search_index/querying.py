"""From a SearchQuery to whoosh queries: the user's words, the filters and the permission scope.

User input reaches whoosh only through `parse_text`, which accepts words, "phrases", -exclusions, prefix*
and AND/OR/NOT with parentheses, and nothing that addresses fields, boosts or term ranges."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from typing import Any

from whoosh import qparser
from whoosh.query import And, DateRange, Every, FuzzyTerm, Or, Prefix, Query, Term, Wildcard

from search_index.analysis import lemmas
from search_index.documents import QueryError, SearchQuery

MAX_QUERY_CHARS = 1000
MIN_PREFIX = 3
FUZZY_MIN = 5
FUZZY_TWO_EDITS = 6
FUZZY_STEM_MIN = 8
FUZZY_ENDING = 2
SEARCH_FIELDS = ("title", "text", "case_number_text", "nomenclature_title", "author", "signers")
# Typos are looked for in the free text and names; headings and case numbers are picked, not typed.
FUZZY_FIELDS = frozenset({"title", "text", "author", "signers"})

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Whoosh reads these as single-letter wildcards; "где семья?" should not become one.
_QUESTION_MARKS = re.compile("[?\u055e\u061f\u1367]")
# Only a star ending a word of two or more characters is a prefix: leading and inner stars, like very short
# prefixes, make whoosh walk the whole vocabulary.
_LOOSE_STAR = re.compile(r"(?<!\w\w)\*|\*(?![\s)\"]|$)")
_WORD = re.compile(r"\w")
_NOT_WORDS = re.compile(r"[^\w\s*-]")
# Minus and plus only as the first character of a word: "пособие -назначено", never "04-05".
_PLUS = r"(?:(?<=\s)|^)\+(?=\S)"
_MINUS = r"(?:(?<=\s)|^)-(?=\S)"
# Fields ("district:u2"), boosts, ranges, 'raw terms' and *:* only give ways to reach fields users may not
# address, to bypass the analyzer or to scan the whole vocabulary.
_UNSAFE_PLUGINS = (
    qparser.FieldsPlugin,
    qparser.BoostPlugin,
    qparser.RangePlugin,
    qparser.SingleQuotePlugin,
    qparser.EveryPlugin,
)


def clean_query_text(text: str) -> str:
    if len(text) > MAX_QUERY_CHARS:  # cut at a word boundary: half a word would be another word
        text = text[:MAX_QUERY_CHARS].rsplit(None, 1)[0] if text[MAX_QUERY_CHARS].strip() else text[:MAX_QUERY_CHARS]
    text = _CONTROL_CHARS.sub(" ", text)
    return _LOOSE_STAR.sub(" ", _QUESTION_MARKS.sub(" ", text)).strip()


def parse_text(text: str, schema: Any, *, known: Callable[[str], bool] | None = None) -> Query:
    """The user's words as a query: Every() when there are none (only spaces or punctuation), NullQuery when
    every word was a stop word. With `known` (does the index hold this term?), words the index does not know
    tolerate typos; used when the exact query finds nothing."""
    cleaned = clean_query_text(text)
    if not _WORD.search(cleaned):
        return Every()
    parser = _parser(schema, known=known)
    try:
        return parser.parse(cleaned)
    except Exception:  # whoosh parses almost anything; should it not, the bare words still make a query
        try:
            return parser.parse(_NOT_WORDS.sub(" ", cleaned))
        except Exception as exc:
            raise QueryError("the query cannot be understood") from exc


class _Parser(qparser.QueryParser):  # type: ignore[misc]
    """A prefix is a piece of a written word while the index holds dictionary forms: «многодетная*» becomes
    the part it shares with its lemma («многодетн»), which every form of the word starts with.

    With `known`, a word of five letters or more that the index does not hold matches terms one edit away (two
    from six letters), from both the written word and its guessed lemma: a typo makes the lemmatizer guess.
    Known words stay exact, so a surname next to a typo does not drift to a similar surname."""

    def __init__(self, *args: Any, known: Callable[[str], bool] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known = known

    def term_query(self, fieldname: str, text: str, termclass: Any, **kwargs: Any) -> Any:
        boost = kwargs.get("boost", 1.0)
        if termclass in (Prefix, Wildcard):
            return termclass(fieldname, prefix_of(text), boost=boost)
        written = text.lower().replace("ё", "е")
        lemma = lemmas(written)[0]
        exact = fieldname not in FUZZY_FIELDS or len(written) < FUZZY_MIN or not written.isalpha()
        if self.known is None or exact or self.known(lemma):
            return super().term_query(fieldname, text, termclass, **kwargs)
        distance = 2 if len(written) >= FUZZY_TWO_EDITS else 1
        variants: list[Query] = [
            FuzzyTerm(fieldname, word, boost=boost, maxdist=distance, prefixlength=1)
            for word in dict.fromkeys([written, lemma])
        ]
        if len(written) >= FUZZY_STEM_MIN:  # a slip in an ending («многодетая»): the word without it as a prefix
            variants.append(Prefix(fieldname, written[:-FUZZY_ENDING], boost=boost))
        return Or(variants)


def prefix_of(text: str) -> str:
    written = text.lower().replace("ё", "е")
    shared = os.path.commonprefix([written, lemmas(written)[0]])  # noqa: RUF071 - characters are meant
    return shared if len(shared) >= MIN_PREFIX else written


def _parser(schema: Any, *, known: Callable[[str], bool] | None) -> Any:
    parser = _Parser(None, schema, group=qparser.AndGroup, known=known)
    parser.add_plugin(qparser.MultifieldPlugin(list(SEARCH_FIELDS)))
    for plugin in _UNSAFE_PLUGINS:
        parser.remove_plugin_class(plugin)
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=_PLUS, minusexpr=_MINUS))
    return parser


def permission_filter(query: SearchQuery) -> Query | None:
    """What the caller may see, as a query; None when that is nothing at all."""
    if query.allowed_districts is None:
        return Every()
    terms: list[Query] = [Term("district", code) for code in sorted(query.allowed_districts)]
    terms += [Term("case_id", str(case_id)) for case_id in sorted(query.allowed_case_ids)]
    return Or(terms) if terms else None


def field_filters(query: SearchQuery) -> list[Query]:
    chosen = {"type": query.type, "nomenclature": query.nomenclature, "district": query.district}
    filters: list[Query] = [Term(name, value) for name, value in chosen.items() if value]
    if query.year is not None:
        filters.append(Term("year", str(query.year)))
    if query.case_id is not None:
        filters.append(Term("case_id", str(query.case_id)))
    if query.date_from or query.date_to:
        start = dt.datetime.combine(query.date_from, dt.time()) if query.date_from else None
        end = dt.datetime.combine(query.date_to, dt.time.max) if query.date_to else None
        filters.append(DateRange("date", start, end))
    return filters


def combined_filter(query: SearchQuery) -> Query | None:
    """Permissions and the chosen filters as one whoosh filter; None when nothing can be visible."""
    allowed = permission_filter(query)
    if allowed is None:
        return None
    filters = field_filters(query)
    return And([allowed, *filters]) if filters else allowed
