"""The field's abbreviations as synonyms of their full forms, both ways.

When a document holds any spelling of a group (the abbreviation or the full wording, in any word form), the
index also gets the lemmas of the group's other spellings at that place. A query stays as typed, so «ИППСУ»
finds documents that spell the programme out, and «программа предоставления социальных услуг» finds those that
only say «ИППСУ». From the seeds' list of abbreviations (Алгоритм деятельности специалистов участковой социальной
службы) and the words of the field."""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Filter

SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("ИППСУ", "индивидуальная программа предоставления социальных услуг"),
    ("РППСУ", "реестр получателей и поставщиков социальных услуг"),
    ("СОП", "социально опасное положение"),
    ("ТЖС", "трудная жизненная ситуация"),
    ("КДН и ЗП", "КДН", "комиссия по делам несовершеннолетних и защите их прав"),
    ("ПМПК", "психолого-медико-педагогическая комиссия"),
    ("МСЭ", "медико-социальная экспертиза"),
    ("ИПРА", "индивидуальная программа реабилитации и абилитации"),
    ("ОДН", "отделение по делам несовершеннолетних"),
    ("ПДН", "подразделение по делам несовершеннолетних"),
    ("ОВД", "отдел внутренних дел", "отделение внутренних дел"),
    ("ОМВД", "отдел министерства внутренних дел"),
    ("УВД", "управление внутренних дел"),
    ("УСО", "учреждение социального обслуживания"),
    ("ОУ", "образовательное учреждение"),
    ("ДОУ", "дошкольное образовательное учреждение"),
    ("ТОС", "территориальное общественное самоуправление"),
    ("АСОИ", "автоматизированная система обработки информации"),
    ("ЖЭК", "жилищно-эксплуатационная контора"),
    ("ТСЖ", "товарищество собственников жилья"),
    ("ЧАЭС", "Чернобыльская АЭС", "Чернобыльская атомная электростанция"),
    ("ЭПК", "экспертно-проверочная комиссия"),
    ("ЗАГС", "запись актов гражданского состояния"),
    ("ООиП", "отдел опеки и попечительства"),
    ("ИНН", "идентификационный номер налогоплательщика"),
    ("СНИЛС", "страховой номер индивидуального лицевого счета"),
    ("ОВЗ", "ограниченные возможности здоровья"),
    ("ЦЗН", "центр занятости населения"),
)


def abbreviations() -> frozenset[str]:
    """The abbreviations of the table, lowercase: words the lemmatizer leaves as they are."""
    return frozenset(
        word.lower().replace("ё", "е")
        for group in SYNONYMS
        for spelling in group
        for word in spelling.split()
        if sum(char.isupper() for char in word) >= 2
    )


class SynonymFilter(Filter):  # type: ignore[misc]
    """In the index: after the last word of any spelling of a group, add the lemmas of its other spellings.

    Matching follows the first lemma of each word (compound parts and alternative lemmas are skipped), so
    it sees the words in the order of the text whatever their forms. Queries pass through unchanged."""

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        table = synonym_table()
        window: deque[str] = deque(maxlen=table.longest)
        for token in tokens:
            yield token
            if token.mode == "query" or token.stopped or getattr(token, "extra", False):
                continue
            window.append(token.text)
            for spelling, additions in table.ending_with.get(token.text, ()):
                if len(spelling) <= len(window) and tuple(window)[-len(spelling) :] == spelling:
                    for text in additions:
                        synonym = token.copy()
                        synonym.text = text
                        synonym.extra = True
                        yield synonym


class _Table:
    """Spellings as lemma sequences, looked up by their last lemma, with what each spelling adds."""

    def __init__(self, groups: tuple[tuple[str, ...], ...]) -> None:
        self.ending_with: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        self.longest = 1
        for group in groups:
            spellings = [_lemma_sequence(text) for text in group]
            for spelling in spellings:
                if not spelling:
                    continue
                others = {lemma for other in spellings for lemma in other} - set(spelling)
                self.ending_with.setdefault(spelling[-1], []).append((spelling, tuple(sorted(others))))
                self.longest = max(self.longest, len(spelling))


def _lemma_sequence(text: str) -> tuple[str, ...]:
    from search_index.analysis import base_analyzer

    return tuple(token.text for token in base_analyzer()(text, mode="query") if not token.stopped)


@functools.cache
def synonym_table() -> _Table:
    return _Table(SYNONYMS)


def related(lemmas: set[str]) -> set[str]:
    """The lemmas of the other spellings of every group spelled out in full among `lemmas` («тжс» → «трудный»,
    «жизненный», «ситуация», and back): what a synonym match looks like in the text, for highlighting."""
    found: set[str] = set()
    for entries in synonym_table().ending_with.values():
        for spelling, additions in entries:
            if all(lemma in lemmas for lemma in spelling):
                found.update(additions)
    return found
