"""PostgreSQL's text search types from our analysis: a document as a tsvector literal built in Python (the same
lemmas whoosh indexes; PostgreSQL never stems), and parse_text's whoosh query tree as a tsquery literal.

Every searchable field gets a tsvector weight (title A; case numbers and nomenclature titles B; author and
signers C; the body D) and its own range of positions with a gap after it, so a phrase never runs from one field
into the next. PostgreSQL keeps positions up to 16383: past that a long body's phrases cannot be told apart (its
words are still found), and a lexeme keeps at most 256 positions."""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from whoosh import query as q

from search_index.analysis import WORD_CACHE, WORD_PATTERN, IndexAnalyzer, index_stream, word_lexemes
from search_index.documents import IndexedDocument, QueryError
from search_index.synonyms import synonym_table

FIELD_WEIGHTS = {
    "title": "A",
    "case_number_text": "B",
    "nomenclature_title": "B",
    "author": "C",
    "signers": "C",
    "text": "D",
}
FIELD_ORDER = ("title", "case_number_text", "nomenclature_title", "author", "signers", "text")
HIGHLIGHTED_FIELDS = frozenset({"text", "title"})
FIELD_GAP = 2  # empty positions between two fields: `<->` means exactly one step
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
MAX_LEXEME_BYTES = 2046
MAX_TSVECTOR_BYTES = 900_000  # PostgreSQL refuses a tsvector of 1 MB or more
# ts_rank's weights in the order D, C, B, A (PostgreSQL's own: a title match counts most), and its normalization
# by document length (whoosh's BM25F favours short documents too). Against the whoosh backend on the benchmark's
# 2,000 documents and 100 queries, this came closest of the combinations tried: the same first hit in 38 queries
# (27 with the weights 0.4/0.5/0.5/1 unnormalized), half of each first page shared. Totals and facets are equal.
RANK_WEIGHTS = (0.1, 0.2, 0.4, 1.0)
RANK_NORMALIZATION = 2
# ts_rank reads the whole tsvector of every match (kilobytes, compressed and out of line: 0.5 s for a word in
# 16,000 of 20,000 documents). It ranks from a small one instead: every field but the body, and the body's first
# RANK_TEXT_WORDS positions (a document's heading, addressee and subject come first): about 1.2 kB, kept in the
# row uncompressed (storage MAIN), which ranks 16,000 matches in 25 ms where the whole vectors took 450-600 ms
# (100 words: 2.1 kB, mostly compressed by PostgreSQL, 75 ms). Migration 0024 computes the same from a stored
# tsvector (rank_vector_sql).
RANK_TEXT_WORDS = 50


def searchable_fields(doc: IndexedDocument) -> dict[str, str]:
    return {
        "title": doc.title,
        "case_number_text": f"{doc.case_number} {doc.former_case_numbers}".strip(),
        "nomenclature_title": doc.nomenclature_title,
        "author": doc.author,
        "signers": doc.signers,
        "text": doc.text,
    }


class DocumentLexemes(NamedTuple):
    literal: str  # the whole document as a tsvector literal
    rank_literal: str  # the small tsvector ts_rank reads (see RANK_TEXT_WORDS)
    distinct: set[str]  # its distinct lexemes, for the vocabulary


def document_lexemes(doc: IndexedDocument, analyzer: Any) -> DocumentLexemes:
    """The document as a tsvector literal, the small one for ranking, and its distinct lexemes."""
    if isinstance(analyzer, IndexAnalyzer):
        fast = _memoized_lexemes(doc)
        if fast is not None:
            return fast
    places: dict[str, dict[int, str]] = {}
    size = 0  # about what PostgreSQL takes for the tsvector, which must stay under 1 MB
    offset = 0
    terms = _terms_of(analyzer)
    for name, value in searchable_fields(doc).items():
        weight = FIELD_WEIGHTS[name]
        last = -1
        for pos, lexeme in terms(value):
            at = places.get(lexeme)
            if at is None:
                length = _lexeme_bytes(lexeme)
                if not 0 < length <= MAX_LEXEME_BYTES:
                    continue
                grows = length + 10
            else:
                grows = 2
            if size + grows > MAX_TSVECTOR_BYTES:  # a huge text: what does not fit is left out
                continue
            size += grows
            if at is None:
                at = places[lexeme] = {}
            # Positions only grow along the fields, so each lexeme's stay in order as they are added.
            at[min(offset + pos + 1, MAX_POSITION)] = weight
            if pos > last:
                last = pos
        if last >= 0:
            offset += last + 1 + FIELD_GAP
    literal = " ".join(
        f"{quote(lexeme)}:"
        + ",".join(f"{pos}{weight}" for pos, weight in itertools.islice(at.items(), MAX_POSITIONS_PER_LEXEME))
        for lexeme, at in places.items()
    )
    return DocumentLexemes(literal, _rank_literal(places), set(places))


_WEIGHT_LETTERS = "ABCD"
_WORD = re.compile(WORD_PATTERN)


@functools.cache
def _spots() -> tuple[str, ...]:
    """The literal of every (position, weight) code: position * 4 + the weight's place in _WEIGHT_LETTERS."""
    return tuple(f"{code >> 2}{_WEIGHT_LETTERS[code & 3]}" for code in range((MAX_POSITION + 1) * 4))


def _memoized_lexemes(doc: IndexedDocument) -> DocumentLexemes | None:
    """document_lexemes for the memoized analyzer, in one pass over the words: each written form's lexemes come
    from analysis.word_lexemes (as index_stream yields them, synonyms matched the same way), each lexeme keeps
    its (position, weight) codes in order. None where a limit would cut something (a lexeme too long, a
    vector near 1 MB, a position past MAX_POSITION): the general loop below decides those."""
    ending_with = synonym_table().ending_with.get
    places: dict[str, list[int]] = {}
    place = places.get
    occurrences = 0  # of lexemes at positions, duplicates included, as document_lexemes counts the size
    offset = 0
    body_start = -1
    for name, value in searchable_fields(doc).items():
        base = (offset + 1) * 4 + _WEIGHT_LETTERS.index(FIELD_WEIGHTS[name])
        heads: list[str] = []  # the first lemmas so far, which synonyms' spellings are matched against
        pos = first = -1
        for index, written in enumerate(_WORD.findall(value)):
            lexemes = word_lexemes(written)
            if not lexemes:  # a stop word: the positions are numbered on from the first kept word
                continue
            if pos < 0:
                pos = first = index
            else:
                pos += 1
            code = base + pos * 4
            head = lexemes[0]
            heads.append(head)
            spellings = ending_with(head)
            if spellings:
                added = tuple(
                    addition
                    for spelling, additions in spellings
                    if tuple(heads[-len(spelling) :]) == spelling
                    for addition in additions
                )
                lexemes = (head, *added, *lexemes[1:])
            occurrences += len(lexemes)
            for lexeme in lexemes:
                spots = place(lexeme)
                if spots is None:
                    places[lexeme] = [code]
                elif spots[-1] != code:
                    spots.append(code)
        if pos >= 0:
            if name == "text":
                body_start = offset + 1 + first
            offset += pos + 1 + FIELD_GAP
    if offset > MAX_POSITION:
        return None
    size = 2 * (occurrences - len(places))
    for lexeme in places:
        length = _lexeme_bytes(lexeme)
        if not 0 < length <= MAX_LEXEME_BYTES:
            return None
        size += length + 10
    if size > MAX_TSVECTOR_BYTES:
        return None
    spot = _spots().__getitem__
    parts = []
    rank_parts = []
    # Every field but the body comes before it: the rank vector keeps each lexeme's codes below the body's
    # RANK_TEXT_WORDS-th position (all of them where there is no body).
    rank_end = (body_start + RANK_TEXT_WORDS) * 4 if body_start >= 0 else (MAX_POSITION + 1) * 4
    for lexeme, codes in places.items():
        kept = codes[:MAX_POSITIONS_PER_LEXEME]
        quoted = quote(lexeme) + ":"
        parts.append(quoted + ",".join(map(spot, kept)))
        ranked = bisect.bisect_left(kept, rank_end)
        if ranked:
            rank_parts.append(quoted + ",".join(map(spot, kept[:ranked])))
    return DocumentLexemes(" ".join(parts), " ".join(rank_parts), set(places))


def _rank_literal(places: dict[str, dict[int, str]]) -> str:
    """Of the document's positions, those of every field but the body and the body's first RANK_TEXT_WORDS
    (rank_vector_sql says the same in SQL)."""
    body = [pos for at in places.values() for pos, weight in at.items() if weight == "D"]
    end = min(body) + RANK_TEXT_WORDS if body else 0
    parts = []
    for lexeme, at in places.items():
        spots = [
            f"{pos}{weight}"
            for pos, weight in itertools.islice(at.items(), MAX_POSITIONS_PER_LEXEME)
            if weight != "D" or pos < end
        ]
        if spots:
            parts.append(f"{quote(lexeme)}:" + ",".join(spots))
    return " ".join(parts)


def rank_vector_sql() -> str:
    """SQL computing _rank_literal's tsvector from the stored one in `lexemes` (for migration 0024): made of
    constants only."""
    body_start = "(SELECT min(y.p) FROM unnest(lexemes) AS v, unnest(v.positions, v.weights) AS y(p, w)"
    body_start += " WHERE y.w = 'D')"
    quoted = r"'''' || replace(replace(u.lexeme, '\', '\\'), '''', '''''') || ''':'"
    return (
        f"coalesce((SELECT string_agg({quoted} || k.spots, ' ')::tsvector FROM unnest(lexemes) AS u"  # noqa: S608
        " CROSS JOIN LATERAL (SELECT string_agg(x.p::text || x.w, ',' ORDER BY x.p) AS spots"
        " FROM unnest(u.positions, u.weights) AS x(p, w)"
        f" WHERE x.w <> 'D' OR x.p < {body_start} + {int(RANK_TEXT_WORDS)}) AS k"
        " WHERE k.spots IS NOT NULL), ''::tsvector)"
    )


def _terms_of(analyzer: Any) -> Callable[[str], Iterable[tuple[int, str]]]:
    """(position, lexeme) of a field's index tokens: straight from the memoized analyzer's stream when it is
    that one, else from any whoosh analyzer's tokens."""
    if isinstance(analyzer, IndexAnalyzer):
        return lambda value: ((pos, text) for pos, text, _, _, _ in index_stream(value))
    return lambda value: (
        (token.pos, token.text) for token in analyzer(value, positions=True, mode="index") if not token.stopped
    )


@functools.lru_cache(maxsize=WORD_CACHE)
def _lexeme_bytes(lexeme: str) -> int:
    return len(lexeme.encode("utf-8"))


@functools.lru_cache(maxsize=WORD_CACHE)
def quote(lexeme: str) -> str:
    """A lexeme quoted for tsvector and tsquery input, which take it as it is (no parsing, no stemming)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _fits(lexeme: str) -> bool:
    return 0 < len(lexeme.encode("utf-8")) <= MAX_LEXEME_BYTES


# A translated query: True matches every document, False none, a str is a tsquery.
Translated = bool | str


@dataclass
class Translation:
    """parse_text's tree as a tsquery. `terms` and `prefixes` are the positive words of the body and title, for
    highlighting; `expand` gives a fuzzy term's candidates (word, maxdist, prefixlength) from the vocabulary."""

    expand: Callable[[str, int, int], list[str]] | None = None
    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)

    def translate(self, node: Any, *, positive: bool = True) -> Translated:
        if isinstance(node, q.Term):
            return self._word(node.fieldname, _text(node.text), positive=positive)
        if isinstance(node, (q.Prefix, q.Wildcard)):
            return self._prefix(node.fieldname, _text(node.text), positive=positive)
        if isinstance(node, q.FuzzyTerm):
            return self._fuzzy(node, positive=positive)
        if isinstance(node, q.Phrase):
            return self._phrase(node.fieldname, [_text(word) for word in node.words], positive=positive)
        if isinstance(node, (q.And, q.Require)):
            children = node.subqueries if isinstance(node, q.And) else (node.a, node.b)
            return _and([self.translate(child, positive=positive) for child in children])
        if isinstance(node, q.Or) and not node.minmatch:
            if _one_phrase_in_every_field(node.subqueries):  # the gaps between fields keep it in one field
                return self._phrase(None, [_text(word) for word in node.subqueries[0].words], positive=positive)
            return _or([self.translate(child, positive=positive) for child in node.subqueries])
        if isinstance(node, q.AndNot):
            return _and([self.translate(node.a, positive=positive), _not(self.translate(node.b, positive=False))])
        if isinstance(node, q.AndMaybe):  # the optional part only scores in whoosh
            return self.translate(node.a, positive=positive)
        if isinstance(node, q.Not):
            return _not(self.translate(node.query, positive=False))
        if isinstance(node, q.Every) and not node.fieldname:
            return True
        if node is q.NullQuery or isinstance(node, q.qcore._NullQuery):
            return False
        raise QueryError("the query cannot be understood")

    def _word(self, name: str | None, word: str, *, positive: bool) -> Translated:
        """A word in the field `name`, or in any field for None."""
        weight = FIELD_WEIGHTS.get(name) if name is not None else ""
        if weight is None or not _fits(word):
            return False
        if positive and (name is None or name in HIGHLIGHTED_FIELDS):
            self.terms.add(word)
        return f"{quote(word)}:{weight}" if weight else quote(word)

    def _prefix(self, name: str, text: str, *, positive: bool) -> Translated:
        prefix = text.split("*", 1)[0].split("?", 1)[0]
        weight = FIELD_WEIGHTS.get(name)
        if weight is None or not _fits(prefix):
            return False
        if positive and name in HIGHLIGHTED_FIELDS:
            self.prefixes.add(prefix)
        return f"{quote(prefix)}:*{weight}"

    def _fuzzy(self, node: Any, *, positive: bool) -> Translated:
        if self.expand is None:
            return self._word(node.fieldname, _text(node.text), positive=positive)
        words = self.expand(_text(node.text), int(node.maxdist), int(node.prefixlength))
        return _or([self._word(node.fieldname, word, positive=positive) for word in words])

    def _phrase(self, name: str | None, words: list[str], *, positive: bool) -> Translated:
        parts = [self._word(name, word, positive=positive) for word in words]
        if not parts or any(part is False for part in parts):
            return False
        return "(" + " <-> ".join(str(part) for part in parts) + ")"


def _one_phrase_in_every_field(nodes: list[Any]) -> bool:
    if not nodes or not all(isinstance(node, q.Phrase) and node.slop == 1 for node in nodes):
        return False
    same_words = len({tuple(node.words) for node in nodes}) == 1
    return same_words and {FIELD_WEIGHTS.get(node.fieldname) for node in nodes} >= set("ABCD")


def _and(parts: Iterable[Translated]) -> Translated:
    kept: list[str] = []
    for part in parts:
        if part is False:
            return False
        if isinstance(part, str):
            kept.append(part)
    if not kept:
        return True
    return kept[0] if len(kept) == 1 else "(" + " & ".join(kept) + ")"


def _or(parts: Iterable[Translated]) -> Translated:
    kept: list[str] = []
    for part in parts:
        if part is True:
            return True
        if isinstance(part, str):
            kept += _or_members(part)
    if not kept:
        return False
    kept = _merged_weights(kept)
    return kept[0] if len(kept) == 1 else "(" + " | ".join(kept) + ")"


def bare(tsquery: str) -> str | None:
    """The words of a tsquery with no negation, without phrases' positions and fields' weights: what the GIN
    index answers alone, a superset of the query's matches. None where the query has a negation (then it is no
    superset) or nothing to take away."""
    pieces: list[str] = []
    end = 0
    for found in _OPERAND.finditer(tsquery):
        if found.start() != end:
            return None  # not a tsquery of ours
        end = found.end()
        piece = found.group(0)
        if piece == "!":
            return None
        if piece.startswith("<"):
            piece = "&"
        elif found.group(1) is not None and found.group(3):
            piece = found.group(1) + (":*" if found.group(2) else "")
        pieces.append(piece)
    joined = "".join(pieces)
    return joined if end == len(tsquery) and joined != tsquery else None


def _or_members(part: str) -> list[str]:
    """The operands of an OR that _or made ("(a | b)"), so that an OR of ORs is one (a typo's corrections in
    each field: their fields merge); any other part as it is."""
    if not part.startswith("("):
        return [part]
    members: list[str] = []
    depth = 0
    start = 1
    for found in _OPERAND.finditer(part):
        piece = found.group(0)
        if piece == "(":
            depth += 1
        elif piece == ")":
            depth -= 1
            if depth == 0 and found.end() != len(part):
                return [part]  # "(a) & (b)": not one group
        elif depth == 1 and (piece in ("&", "!") or piece.startswith("<")):
            return [part]
        elif depth == 1 and piece == "|":
            members.append(part[start : found.start()].strip())
            start = found.end()
    members.append(part[start:-1].strip())
    return members


def _merged_weights(parts: list[str]) -> list[str]:
    """One word in several fields as one operand: 'семья':A | 'семья':D → 'семья':AD, and a word in every field
    without weights, which the GIN index answers alone (a weight makes PostgreSQL recheck each row's tsvector)."""
    weights: dict[tuple[str, str], set[str]] = {}
    merged: list[str | tuple[str, str]] = []
    for part in parts:
        found = _WEIGHTED.fullmatch(part)
        if found is None:
            merged.append(part)
            continue
        key = (found.group(1), found.group(2))
        if key not in weights:
            weights[key] = set()
            merged.append(key)
        weights[key].update(found.group(3))
    out: list[str] = []
    for item in merged:
        if isinstance(item, str):
            out.append(item)
            continue
        lexeme, star = item
        letters = "".join(sorted(weights[item]))
        if letters == "ABCD":
            out.append(f"{lexeme}:*" if star else lexeme)
        else:
            out.append(f"{lexeme}:{star}{letters}")
    return list(dict.fromkeys(out))


_WEIGHTED = re.compile(r"('(?:[^']|'')*'):(\*?)([A-D]+)")


_OPERAND = re.compile(r"('(?:[^']|'')*')(?::(\*?)([A-D]*))?|<(?:-|\d+)>|[!()&|]|\s+")


class Loosened(NamedTuple):
    anywhere: str  # the query with the loosened words in every field
    elsewhere: str  # those words in the fields the query leaves out
    negations: bool  # whether the query has any


def loosened(tsquery: str) -> Loosened | None:
    """For a tsquery asking words in some fields, the same without those fields, and what tells whether that
    can differ; None when there is nothing to loosen.

    A word restricted to some fields ('обследование':ACD, a typo's correction outside the case number) makes
    PostgreSQL check each candidate's whole tsvector for its weights. Restricted to fields that include the
    body (D), the word matches alike with no restriction in every document where it occurs in none of the other
    fields, which the small rank vector holds completely (every field but the body): so a document matches
    where `anywhere` does (the GIN index answers it alone) and either `elsewhere` does not match the rank
    vector or the query matches the whole vector. Only words outside any negation are loosened, so `anywhere`
    matches every document the query does."""
    loose: list[str] = []
    negations = False
    checks: list[str] = []
    negated = [False]
    pending = False
    end = 0
    for found in _OPERAND.finditer(tsquery):
        if found.start() != end:
            return None  # not a tsquery of ours
        end = found.end()
        piece = found.group(0)
        if piece == "!":
            pending = negations = True
        elif piece == "(":
            negated.append(negated[-1] or pending)
            pending = False
        elif piece == ")":
            if len(negated) == 1:
                return None
            negated.pop()
        elif found.group(1) is not None:
            lexeme, star, letters = found.group(1), found.group(2) or "", found.group(3) or ""
            if letters and "D" in letters and not (negated[-1] or pending):
                piece = f"{lexeme}:*" if star else lexeme
                others = "".join(letter for letter in "ABC" if letter not in letters)
                checks.append(f"{lexeme}:{star}{others}")
            pending = False
        loose.append(piece)
    if end != len(tsquery) or not checks:
        return None
    return Loosened("".join(loose), " | ".join(dict.fromkeys(checks)), negations)


def _not(part: Translated) -> Translated:
    if isinstance(part, bool):
        return not part
    return f"!{part}"


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, as whoosh's fuzzy terms count it; anything over `limit` comes back as limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)
