"""Archive paperwork as DOCX: the inventory of files and the act on selecting files for destruction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import docx
import pytest

from webapp.archive.paperwork import (
    DestructionActPaper,
    InventoryPaper,
    PaperCase,
    cases_phrase,
    destruction_act_docx,
    inventory_docx,
)
from webapp.printing.words import SHEETS, count_phrase, number_in_words, plural_ru

NBSP = "\u00a0"


def _case(ordinal: int, **changes: object) -> PaperCase:
    case = PaperCase(
        ordinal=ordinal,
        number=f"04-05/2021/{ordinal:03d}",
        title=f"Личное дело получателя социальных услуг № {ordinal} <договор & программа>",
        date_from=dt.date(2019 + ordinal % 3, 2, 3),
        date_to=dt.date(2021, 12, 28),
        sheets=10 + ordinal,
        retention="5 лет ЭПК",
        article="ст. 151",
        note="",
    )
    return dataclasses.replace(case, **changes)  # type: ignore[arg-type]


def _inventory(count: int, retention_class: str = "permanent") -> InventoryPaper:
    return InventoryPaper(
        institution="ГБУ «Тестовый центр социального обслуживания»",
        number=3,
        year=2021,
        retention_class=retention_class,
        cases=[_case(ordinal) for ordinal in range(1, count + 1)],
        compiled_by="Петрова Анна Сергеевна",
        compiled_by_position="Архивариус",
        compiled_on=dt.date(2022, 3, 15),
    )


def _act(count: int, *, approved: bool, inventories: tuple[str, ...] = ("№ 1 за 2021 год",)) -> DestructionActPaper:
    return DestructionActPaper(
        institution="ГБУ «Тестовый центр социального обслуживания»",
        number=2,
        year=2026,
        drafted_on=dt.date(2026, 3, 16),
        cases=[_case(ordinal) for ordinal in range(1, count + 1)],
        drafted_by="Петрова Анна Сергеевна",
        drafted_by_position="Архивариус",
        approved_by="Сидоров Пётр Николаевич" if approved else None,
        approved_on=dt.date(2026, 3, 20) if approved else None,
        inventories=list(inventories),
    )


def _open(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def _text(data: bytes) -> str:
    document = _open(data)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells).replace(NBSP, " ")


def _register(data: bytes) -> list[list[str]]:
    """The bordered table of files (the other tables are borderless signature blocks)."""
    tables = [table for table in _open(data).tables if table.style is not None and table.style.name == "Table Grid"]
    assert len(tables) == 1
    return [[cell.text.replace(NBSP, " ") for cell in row.cells] for row in tables[0].rows]


# --- numbers in words --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "gender", "words"),
    [
        (0, "masculine", "ноль"),
        (1, "neuter", "одно"),
        (2, "feminine", "две"),
        (11, "neuter", "одиннадцать"),
        (21, "neuter", "двадцать одно"),
        (40, "masculine", "сорок"),
        (112, "masculine", "сто двенадцать"),
        (999, "masculine", "девятьсот девяносто девять"),
        (1000, "neuter", "одна тысяча"),
        (2001, "neuter", "две тысячи одно"),
        (5342, "masculine", "пять тысяч триста сорок два"),
        (9999, "masculine", "девять тысяч девятьсот девяносто девять"),
        (21000, "masculine", "двадцать одна тысяча"),
    ],
)
def test_number_in_words(number: int, gender: str, words: str) -> None:
    assert number_in_words(number, gender) == words


def test_number_in_words_refuses_what_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="0\\.\\.999999"):
        number_in_words(-1)
    with pytest.raises(ValueError, match="0\\.\\.999999"):
        number_in_words(1_000_000)
    with pytest.raises(ValueError, match="gender"):
        number_in_words(1, "plural")


@pytest.mark.parametrize(
    ("count", "phrase"),
    [
        (0, "0 (ноль) дел"),
        (1, "1 (одно) дело"),
        (2, "2 (два) дела"),
        (4, "4 (четыре) дела"),
        (5, "5 (пять) дел"),
        (11, "11 (одиннадцать) дел"),
        (12, "12 (двенадцать) дел"),
        (21, "21 (двадцать одно) дело"),
        (22, "22 (двадцать два) дела"),
        (111, "111 (сто одиннадцать) дел"),
    ],
)
def test_cases_phrase(count: int, phrase: str) -> None:
    assert cases_phrase(count) == phrase


def test_count_phrase() -> None:
    assert count_phrase(37, SHEETS) == "37 (тридцать семь) листов"
    assert count_phrase(1, SHEETS) == "1 (один) лист"


def test_plural_ru() -> None:
    assert [plural_ru(n, "год", "года", "лет") for n in (1, 3, 5, 11, 14, 21, 101, 111)] == [
        "год",
        "года",
        "лет",
        "лет",
        "лет",
        "год",
        "год",
        "лет",
    ]


# --- the inventory -----------------------------------------------------------------------------------------------


def test_inventory_lists_every_case_under_a_header_repeated_on_each_page() -> None:
    paper = _inventory(40)
    data = inventory_docx(paper)
    rows = _register(data)
    assert len(rows) == 1 + len(paper.cases)
    assert rows[0] == [
        "№ п/п",
        "Индекс дела",
        "Заголовок дела",
        "Крайние даты",
        "Кол-во листов",
        "Срок хранения",
        "Примечание",
    ]
    for case, row in zip(paper.cases, rows[1:], strict=True):
        assert row[0] == str(case.ordinal)
        assert row[1] == case.number
        assert row[2] == case.title
        assert row[4] == str(case.sheets)
        assert row[5] == "5 лет ЭПК, ст. 151"
    assert rows[1][3] == "03.02.2020 – 28.12.2021"
    table = next(table for table in _open(data).tables if len(table.rows) == len(rows))
    header_flags = [
        row._tr.trPr is not None and row._tr.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None for row in table.rows
    ]
    assert header_flags == [True] + [False] * len(paper.cases)


def test_inventory_heading_and_final_record() -> None:
    text = _text(inventory_docx(_inventory(21)))
    assert "ГБУ «Тестовый центр социального обслуживания»" in text
    assert "УТВЕРЖДАЮ" in text and "Директор" in text and "____ ____________ 20__ г." in text
    assert "ОПИСЬ № 3" in text and "за 2021 год" in text
    assert "В данный раздел описи внесено 21 (двадцать одно) дело с № 1 по № 21" in text
    assert "Архивариус" in text and "Петрова Анна Сергеевна" in text and "15.03.2022" in text
    assert "СОГЛАСОВАНО" in text and "Протокол ЭК (экспертной комиссии) от ________ № ____" in text


CLASS_WORDINGS = {
    "permanent": "дел постоянного хранения",
    "long": "дел долговременного (свыше 10 лет) хранения",
    "temporary": "дел временного (до 10 лет) хранения",
}


@pytest.mark.parametrize("retention_class", sorted(CLASS_WORDINGS))
def test_inventory_names_its_retention_class(retention_class: str) -> None:
    text = _text(inventory_docx(_inventory(2, retention_class)))
    assert [wording in text for wording in CLASS_WORDINGS.values()] == [
        key == retention_class for key in CLASS_WORDINGS
    ]
    assert "внесено 2 (два) дела с № 1 по № 2" in text


def test_inventory_refuses_an_unknown_retention_class() -> None:
    with pytest.raises(ValueError, match="retention_class"):
        inventory_docx(_inventory(1, "forever"))


def test_inventory_of_one_and_of_five_cases() -> None:
    assert "внесено 1 (одно) дело с № 1 по № 1" in _text(inventory_docx(_inventory(1)))
    assert "внесено 5 (пять) дел с № 1 по № 5" in _text(inventory_docx(_inventory(5)))


def test_an_empty_inventory_is_still_a_document() -> None:
    data = inventory_docx(_inventory(0))
    assert len(_register(data)) == 1
    text = _text(data)
    assert "внесено 0 (ноль) дел" in text and "с № 1" not in text


def test_missing_dates_and_article_are_shown_plainly() -> None:
    paper = dataclasses.replace(
        _inventory(0),
        cases=[
            _case(1, date_from=None, date_to=None, article="", retention="постоянно", note="Подлинник"),
            _case(2, date_from=dt.date(2021, 5, 4), date_to=dt.date(2021, 5, 4), article="157а"),
        ],
    )
    first, second = _register(inventory_docx(paper))[1:]
    assert (first[3], first[5], first[6]) == ("—", "постоянно", "Подлинник")
    assert (second[3], second[5]) == ("04.05.2021", "5 лет ЭПК, ст. 157а")


def test_inventory_is_deterministic() -> None:
    assert inventory_docx(_inventory(7)) == inventory_docx(_inventory(7))
    assert inventory_docx(_inventory(7)) != inventory_docx(_inventory(8))


# --- the act -------------------------------------------------------------------------------------------------------


def test_act_lists_every_case() -> None:
    paper = _act(5, approved=True, inventories=("№ 1 за 2021 год", "№ 2 за 2021 год"))
    data = destruction_act_docx(paper)
    rows = _register(data)
    assert len(rows) == 1 + len(paper.cases)
    assert rows[0][1] == "Заголовок дела (групповой заголовок документов)"
    assert rows[0][6] == "Сроки хранения и номера статей по перечню"
    for case, row in zip(paper.cases, rows[1:], strict=True):
        assert row[0] == str(case.ordinal)
        assert row[1] == case.title
        assert row[3] == "№ 1 за 2021 год, № 2 за 2021 год"
        assert row[4] == case.number
        assert row[5] == str(case.sheets)
        assert row[6] == "5 лет ЭПК, ст. 151"


def test_act_text_and_totals() -> None:
    text = _text(destruction_act_docx(_act(5, approved=True)))
    assert "АКТ № 2" in text and "от 16.03.2026" in text
    assert "о выделении к уничтожению документов, не подлежащих хранению" in text
    assert "приказом Росархива от 20.12.2019 № 236" in text
    assert "Итого 5 (пять) дел за 2019–2021 годы" in text
    assert "Документы в количестве 5 дел" in text and "уничтожены путём удаления электронных документов" in text
    assert "Протокол ЭК от ________ № ____" in text
    assert "Петрова Анна Сергеевна" in text and "16.03.2026" in text


def test_act_of_one_case_in_one_year() -> None:
    paper = dataclasses.replace(
        _act(0, approved=False), cases=[_case(1, date_from=dt.date(2020, 1, 9), date_to=dt.date(2020, 6, 1))]
    )
    text = _text(destruction_act_docx(paper))
    assert "Итого 1 (одно) дело за 2020 год" in text and "в количестве 1 дела" in text


def test_an_empty_act_counts_the_act_year_and_has_no_inventories() -> None:
    data = destruction_act_docx(_act(0, approved=False, inventories=()))
    assert len(_register(data)) == 1
    assert "Итого 0 (ноль) дел за 2026 год" in _text(data)
    rows = _register(destruction_act_docx(_act(2, approved=False, inventories=())))
    assert [row[3] for row in rows[1:]] == ["—", "—"]


def test_a_draft_act_is_marked_and_an_approved_one_names_the_head() -> None:
    draft = _text(destruction_act_docx(_act(2, approved=False)))
    assert "ПРОЕКТ" in draft and "Заведующий отделением" not in draft and "Сидоров" not in draft
    approved = _text(destruction_act_docx(_act(2, approved=True)))
    assert "ПРОЕКТ" not in approved
    assert "Заведующий отделением" in approved and "Сидоров Пётр Николаевич" in approved and "20.03.2026" in approved


def test_act_is_deterministic() -> None:
    assert destruction_act_docx(_act(3, approved=True)) == destruction_act_docx(_act(3, approved=True))
    assert destruction_act_docx(_act(3, approved=False)) != destruction_act_docx(_act(3, approved=True))
