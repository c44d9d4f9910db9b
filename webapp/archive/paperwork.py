"""Archive paperwork as DOCX: the inventory of files (опись дел) and the act on selecting files for
destruction (акт о выделении к уничтожению документов, не подлежащих хранению).

Both follow the forms of the appendices to the archive rules of 2015 («Правила организации хранения,
комплектования, учета и использования документов Архивного фонда Российской Федерации и других архивных
документов в государственных органах, органах местного самоуправления и организациях»): portrait A4, a bordered
register whose header row repeats on every page, the final record with the count in figures and in words, and the
signature, approval and agreement blocks. The same paper always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.shared import Cm, Pt
from docx.table import Table

from document_templates.docx_kit import (
    add_grid_table,
    add_paragraph,
    add_run,
    fix_core_properties,
    repack_zip,
    set_widths,
    setup_page,
    to_bytes,
)
from webapp.printing.words import count_phrase, plural_ru

RETENTION_CLASSES = ("permanent", "long", "temporary")


@dataclass(frozen=True)
class PaperCase:
    """One line of an inventory or an act."""

    ordinal: int
    number: str  # the case number, e.g. "04-05/2026/017" (used as the file's index)
    title: str  # the case heading
    date_from: dt.date | None  # крайние даты: the first ...
    date_to: dt.date | None  # ... and the last date of the file
    sheets: int  # количество листов
    retention: str  # e.g. "5 лет ЭПК", "постоянно"
    article: str  # article of the federal list, e.g. "ст. 151" (may be empty)
    note: str  # примечание (may be empty)


@dataclass(frozen=True)
class InventoryPaper:
    institution: str
    number: int  # the inventory's number within the year
    year: int
    retention_class: str  # one of RETENTION_CLASSES
    cases: list[PaperCase]
    compiled_by: str  # full name of the archivist
    compiled_by_position: str
    compiled_on: dt.date


@dataclass(frozen=True)
class DestructionActPaper:
    institution: str
    number: int  # the act's number within the year
    year: int
    drafted_on: dt.date
    cases: list[PaperCase]
    drafted_by: str
    drafted_by_position: str
    approved_by: str | None  # the head, once approved
    approved_on: dt.date | None
    inventories: list[str]  # e.g. ["№ 1 за 2026 год"]: the inventories whose cases are listed (may be empty)


def cases_phrase(count: int) -> str:
    """The count of files in figures and words, as in a final record: "21 (двадцать одно) дело", "5 (пять) дел"."""
    return count_phrase(count, ("дело", "дела", "дел"), "neuter")


# --- layout ----------------------------------------------------------------------------------------------------

FONT = "Times New Roman"
BODY_SIZE = 12
TABLE_SIZE = 10
TABLE_HEADER_SIZE = 9
CAPTION_SIZE = 8
LEFT_MARGIN, RIGHT_MARGIN = 2.0, 1.0  # cm: the least that ГОСТ Р 7.0.97 allows, for a wider register
TEXT_WIDTH = 21.0 - LEFT_MARGIN - RIGHT_MARGIN
APPROVAL_INDENT = 9.0  # cm: the «УТВЕРЖДАЮ» block sits at the right
SIGNATURE_ROOM = 14  # pt above a signature line
SIGNATURE_TAB = 3.0  # cm into that block: where the name follows the signature line
CELL_MARGIN = 0.1  # cm: left and right padding in the register, for narrow columns
DASH = "—"
NBSP = "\u00a0"
BLANK_DATE = "________"
BLANK_SHORT = "____"
INVENTORY_APPROVER = "Директор"
APPROVING_HEAD = "Заведующий отделением"  # who approves an act on destruction
BLANK_APPROVAL_DATE = "____ ____________ 20__ г."

INVENTORY_CLASS_WORDING = {
    "permanent": "дел постоянного хранения",
    "long": "дел долговременного (свыше 10 лет) хранения",
    "temporary": "дел временного (до 10 лет) хранения",
}
# (header, width in cm); the heading column takes what the others leave.
INVENTORY_COLUMNS: tuple[tuple[str, float], ...] = (
    ("№ п/п", 0.8),
    ("Индекс дела", 2.5),
    ("Заголовок дела", 0.0),
    ("Крайние даты", 2.1),
    ("Кол-во листов", 1.3),
    ("Срок хранения", 2.2),
    ("Примечание", 2.5),
)
ACT_COLUMNS: tuple[tuple[str, float], ...] = (
    ("№ п/п", 0.8),
    ("Заголовок дела (групповой заголовок документов)", 0.0),
    ("Крайние даты", 2.1),
    ("Номер описи", 1.8),
    ("Индекс дела", 2.5),
    ("Кол-во листов", 1.3),
    ("Сроки хранения и номера статей по перечню", 2.2),
    ("Примечание", 2.5),
)
# Columns whose text is centred: the ordinal, the dates, the sheets, the inventory.
_CENTRED = {"№ п/п", "Крайние даты", "Кол-во листов", "Номер описи"}

FEDERAL_LIST = (
    "Перечня типовых управленческих архивных документов, образующихся в процессе деятельности государственных "
    "органов, органов местного самоуправления и организаций, с указанием сроков их хранения, утв. приказом "
    "Росархива от 20.12.2019 № 236"
)


# --- the inventory ---------------------------------------------------------------------------------------------


def inventory_docx(paper: InventoryPaper) -> bytes:
    """The inventory of files (опись дел) of permanent, long-term (over 10 years) or temporary storage."""
    document = _new_document(f"Опись № {paper.number} за {paper.year} год")
    _paragraph(document, paper.institution, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, space_after=12)
    _approval_block(document, INVENTORY_APPROVER, None, None)
    _paragraph(document, f"Фонд № {BLANK_SHORT}", space_before=6)
    _paragraph(document, f"ОПИСЬ № {paper.number}", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, space_before=12)
    if paper.retention_class not in INVENTORY_CLASS_WORDING:
        raise ValueError(f"retention_class must be one of {', '.join(RETENTION_CLASSES)}")
    wording = INVENTORY_CLASS_WORDING[paper.retention_class]
    _paragraph(document, wording, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    _paragraph(document, f"за {paper.year} год", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, space_after=10)
    rows = [
        [
            str(case.ordinal),
            case.number,
            case.title,
            _extreme_dates(case),
            str(case.sheets),
            _retention_text(case),
            case.note,
        ]
        for case in paper.cases
    ]
    _register(document, INVENTORY_COLUMNS, rows)
    record = f"В данный раздел описи внесено {cases_phrase(len(paper.cases))}"
    if paper.cases:
        record += f" с № {paper.cases[0].ordinal} по № {paper.cases[-1].ordinal}"
    _paragraph(document, record + ", в том числе:", space_before=12, keep_with_next=True)
    _paragraph(document, f"литерные номера: {DASH}", keep_with_next=True)
    _paragraph(document, f"пропущенные номера: {DASH}", keep_with_next=True)
    _paragraph(document, "Составитель описи:", space_before=12, keep_with_next=True)
    _signature_block(document, paper.compiled_by_position, paper.compiled_by, paper.compiled_on)
    _agreed(document, f"Протокол ЭК (экспертной комиссии) от {BLANK_DATE} № {BLANK_SHORT}")
    return _finish(document)


# --- the act -----------------------------------------------------------------------------------------------------


def destruction_act_docx(paper: DestructionActPaper) -> bytes:
    """The act on selecting for destruction files not to be kept; a draft (not approved yet) is marked «ПРОЕКТ»."""
    document = _new_document(f"Акт № {paper.number} от {_date(paper.drafted_on)}")
    _paragraph(document, paper.institution, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, space_after=12)
    head = APPROVING_HEAD if paper.approved_by else None
    _approval_block(document, head, paper.approved_by, paper.approved_on)
    if paper.approved_by is None:
        _draft_mark(document)
    _paragraph(document, f"АКТ № {paper.number}", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, space_before=12)
    _paragraph(document, f"от {_date(paper.drafted_on)}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(
        document,
        "о выделении к уничтожению документов, не подлежащих хранению",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        bold=True,
        space_before=6,
        space_after=10,
    )
    _paragraph(
        document,
        f"На основании {FEDERAL_LIST}, отобраны к уничтожению как не имеющие научно-исторической ценности "
        "и утратившие практическое значение документы:",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        first_line_indent=1.25,
        space_after=6,
    )
    inventories = ", ".join(label.replace("№ ", "№" + NBSP) for label in paper.inventories) or DASH
    rows = [
        [
            str(case.ordinal),
            case.title,
            _extreme_dates(case),
            inventories,
            case.number,
            str(case.sheets),
            _retention_text(case),
            case.note,
        ]
        for case in paper.cases
    ]
    _register(document, ACT_COLUMNS, rows)
    count = len(paper.cases)
    _paragraph(document, f"Итого {cases_phrase(count)} за {_years(paper)}.", space_before=12)
    _paragraph(
        document,
        f"Описи дел постоянного хранения за {_years(paper)} утверждены, а по личному составу согласованы с ЭПК "
        f"архивного учреждения (протокол от {BLANK_DATE} № {BLANK_SHORT}).",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        first_line_indent=1.25,
        space_before=6,
    )
    _paragraph(document, "Экспертизу ценности документов провёл(а):", space_before=12, keep_with_next=True)
    _signature_block(document, paper.drafted_by_position, paper.drafted_by, paper.drafted_on)
    _agreed(document, f"Протокол ЭК от {BLANK_DATE} № {BLANK_SHORT}")
    _paragraph(
        document,
        f"Документы в количестве {count} {plural_ru(count, 'дела', 'дел', 'дел')}, перечисленные в настоящем акте, "
        "уничтожены путём удаления электронных документов из хранилища.",
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
        first_line_indent=1.25,
        space_before=18,
        keep_with_next=True,
    )
    _signature_block(document, None, None, None)
    return _finish(document)


def _years(paper: DestructionActPaper) -> str:
    """The years the listed files span, from their extreme dates: "2019–2021 годы", "2021 год" (the act's year
    when no file has dates)."""
    years = [date.year for case in paper.cases for date in (case.date_from, case.date_to) if date is not None]
    first, last = (min(years), max(years)) if years else (paper.year, paper.year)
    return f"{first} год" if first == last else f"{first}–{last} годы"


def _draft_mark(document: docx.document.Document) -> None:
    """A boxed, spaced-out «ПРОЕКТ» over the title: the act is not approved yet."""
    paragraph = _paragraph(
        document, "ПРОЕКТ", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=14, space_before=12, color=(0xC0, 0, 0)
    )
    run = paragraph.runs[0]
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), "60")  # twentieths of a point: letter-spaced
    run._r.get_or_add_rPr().append(spacing)
    border = OxmlElement("w:bdr")
    for name, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "2"), ("w:color", "C00000")):
        border.set(qn(name), value)
    run._r.get_or_add_rPr().append(border)


# --- shared pieces -----------------------------------------------------------------------------------------------


def _date(date: dt.date) -> str:
    return f"{date:%d.%m.%Y}"


def _extreme_dates(case: PaperCase) -> str:
    if case.date_from is None and case.date_to is None:
        return DASH
    first = _date(case.date_from) if case.date_from else DASH
    last = _date(case.date_to) if case.date_to else DASH
    return first if first == last else f"{first} – {last}"


def _retention_text(case: PaperCase) -> str:
    article = case.article.strip()
    if not article:
        return case.retention
    if not article.lower().startswith("ст"):
        article = f"ст. {article}"
    return f"{case.retention}, {article.replace('ст. ', 'ст.' + NBSP, 1)}"


def _new_document(title: str) -> docx.document.Document:
    document = docx.Document()
    setup_page(document, left=LEFT_MARGIN, right=RIGHT_MARGIN, font_size=BODY_SIZE, space_after=0)
    section = document.sections[0]
    section.header_distance = section.footer_distance = Cm(1.0)
    style = document.styles["Normal"]
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    style.paragraph_format.line_spacing = 1.0
    _page_numbers(document)
    document.core_properties.title = title
    return document


def _page_numbers(document: docx.document.Document) -> None:
    """The page number centred at the top of every page but the first."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _finish(document: docx.document.Document) -> bytes:
    fix_core_properties(document)
    return repack_zip(to_bytes(document))


# Paperwork spaces its paragraphs explicitly: none after unless asked.
_paragraph = functools.partial(add_paragraph, space_after=0)


def _approval_block(
    document: docx.document.Document, position: str | None, name: str | None, approved_on: dt.date | None
) -> None:
    """«УТВЕРЖДАЮ» at the right: the head's position, signature and name, and the date; blanks where None."""
    indent = APPROVAL_INDENT
    _paragraph(document, "УТВЕРЖДАЮ", bold=True, left_indent=indent)
    if position is None:
        _paragraph(document, "_" * 34, left_indent=indent, space_before=6)
        _paragraph(document, "(наименование должности)", italic=True, size=CAPTION_SIZE, left_indent=indent)
    else:
        _paragraph(document, position, left_indent=indent)
    line = _paragraph(document, "____________\t" + (name or "_" * 20), left_indent=indent, space_before=SIGNATURE_ROOM)
    captions = "(подпись)" if name else "(подпись)\t(расшифровка подписи)"
    caption = _paragraph(document, captions, italic=True, size=CAPTION_SIZE, left_indent=indent)
    for paragraph in (line, caption):
        paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(indent + SIGNATURE_TAB), WD_TAB_ALIGNMENT.LEFT)
    _paragraph(document, _date(approved_on) if approved_on else BLANK_APPROVAL_DATE, left_indent=indent, space_before=4)


def _signature_block(
    document: docx.document.Document, position: str | None, name: str | None, signed_on: dt.date | None
) -> None:
    """Position, a line for the signature, the name and the date; blanks where a value is None."""
    table = document.add_table(rows=2, cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    values = (position or "_" * 24, "______________", name or "_" * 22)
    captions = ("" if position else "(наименование должности)", "(подпись)", "" if name else "(расшифровка подписи)")
    for cell, value in zip(table.rows[0].cells, values, strict=True):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
        add_run(cell.paragraphs[0], value)
        cell.paragraphs[0].paragraph_format.keep_with_next = True
        cell.paragraphs[0].paragraph_format.space_before = Pt(SIGNATURE_ROOM)  # room for a handwritten signature
    for cell, value in zip(table.rows[1].cells, captions, strict=True):
        add_run(cell.paragraphs[0], value, italic=True, size=CAPTION_SIZE)
        cell.paragraphs[0].paragraph_format.keep_with_next = True
    for row in table.rows:
        _row_properties(row._tr, cant_split=True, header=False)
    set_widths(table, [7.5, 4.0, TEXT_WIDTH - 11.5])
    _paragraph(document, _date(signed_on) if signed_on else BLANK_APPROVAL_DATE, space_before=4)


def _agreed(document: docx.document.Document, protocol: str) -> None:
    _paragraph(document, "СОГЛАСОВАНО", bold=True, space_before=18, keep_with_next=True)
    _paragraph(document, protocol)


def _register(document: docx.document.Document, columns: Sequence[tuple[str, float]], rows: list[list[str]]) -> None:
    """The bordered table of files: a header row repeated on every page, one unsplittable row per file."""
    table = add_grid_table(document, len(columns))
    _cell_margins(table, CELL_MARGIN)
    header = [label for label, _ in columns]
    _table_row(table, header, header, header=True)
    for values in rows:
        _table_row(table, header, values, header=False)
    fixed = sum(width for _, width in columns)
    set_widths(table, [width or TEXT_WIDTH - fixed for _, width in columns])


def _table_row(table: Table, labels: list[str], values: list[str], *, header: bool) -> None:
    row = table.add_row()  # type: ignore[no-untyped-call]
    _row_properties(row._tr, cant_split=True, header=header)
    for cell, label, value in zip(row.cells, labels, values, strict=True):
        paragraph = cell.paragraphs[0]
        centred = header or label in _CENTRED
        add_run(
            paragraph,
            value,
            align=WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT,
            bold=header,
            size=TABLE_HEADER_SIZE if header else TABLE_SIZE,
        )
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER if header else WD_CELL_VERTICAL_ALIGNMENT.TOP


def _row_properties(tr: CT_Row, *, cant_split: bool, header: bool) -> None:
    """`cantSplit` keeps a row on one page; `tblHeader` repeats the row at the top of every page."""
    tr_pr = tr.get_or_add_trPr()
    for flag, name in ((cant_split, "w:cantSplit"), (header, "w:tblHeader")):
        if flag and tr_pr.find(qn(name)) is None:
            tr_pr.append(OxmlElement(name))  # schema order: cantSplit before tblHeader


def _cell_margins(table: Table, margin_cm: float) -> None:
    tbl_pr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("w:left", "w:right"):
        element = OxmlElement(side)
        element.set(qn("w:w"), str(round(margin_cm * 567)))  # twips
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    look = tbl_pr.find(qn("w:tblLook"))
    if look is None:
        tbl_pr.append(margins)
    else:
        look.addprevious(margins)
