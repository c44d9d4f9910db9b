"""Numbers in Russian words and the noun forms that go with them, as the final records of archive paperwork
write counts: «21 (двадцать одно) дело», «37 (тридцать семь) листов»."""

from __future__ import annotations

_UNITS = ("", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_UNITS_FEMININE = {1: "одна", 2: "две"}
_UNITS_NEUTER = {1: "одно"}
_TEENS = (
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_TENS = ("", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто")
_HUNDREDS = ("", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот")
GENDERS = ("masculine", "feminine", "neuter")
MAX_IN_WORDS = 999_999


def plural_ru(count: int, one: str, few: str, many: str) -> str:
    """The noun form that goes with `count`: plural_ru(n, "дело", "дела", "дел") gives 1 дело, 3 дела, 11 дел."""
    count = abs(count)
    if count % 10 == 1 and count % 100 != 11:
        return one
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return few
    return many


def number_in_words(number: int, gender: str = "masculine") -> str:
    """A whole number 0..999 999 in Russian words, the units agreeing with a noun of `gender`
    ("masculine", "feminine" or "neuter"): number_in_words(21, "neuter") == "двадцать одно"."""
    if gender not in GENDERS:
        raise ValueError(f"gender must be one of {', '.join(GENDERS)}")
    if not 0 <= number <= MAX_IN_WORDS:
        raise ValueError(f"only 0..{MAX_IN_WORDS} can be written in words")
    if number == 0:
        return "ноль"
    thousands, rest = divmod(number, 1000)
    words: list[str] = []
    if thousands:
        words += _triad(thousands, "feminine")
        words.append(plural_ru(thousands, "тысяча", "тысячи", "тысяч"))
    words += _triad(rest, gender)
    return " ".join(words)


def _triad(number: int, gender: str) -> list[str]:
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    words = [_HUNDREDS[hundreds]]
    if tens == 1:
        return [word for word in (*words, _TEENS[units]) if word]
    words.append(_TENS[tens])
    unit = _UNITS[units]
    if gender == "feminine":
        unit = _UNITS_FEMININE.get(units, unit)
    elif gender == "neuter":
        unit = _UNITS_NEUTER.get(units, unit)
    words.append(unit)
    return [word for word in words if word]


def count_phrase(count: int, forms: tuple[str, str, str], gender: str = "masculine") -> str:
    """The count in figures and words with its noun: count_phrase(37, SHEETS) == "37 (тридцать семь) листов"."""
    return f"{count} ({number_in_words(count, gender)}) {plural_ru(count, *forms)}"


SHEETS = ("лист", "листа", "листов")
DOCUMENTS = ("документ", "документа", "документов")
