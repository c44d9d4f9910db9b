"""The sheets a case file for a commission is bound with, as PDF: the cover (обложка дела), the internal
inventory (внутренняя опись документов дела) and the certification sheet (лист-заверитель дела), plus the index
of a hearing package and the agenda sheet of a commission's members' package (webapp.hearings.package). Their
wording follows the forms of the 2015 archive rules; unlike the archival original, a copy for a hearing numbers
every sheet in one run, cover to certification sheet, so the inventory's total is the page count of the PDF.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from webapp.printing.layout import Table
from webapp.printing.pdf import FAMILY, draw_table, draw_text, finish_pdf, printable, start_pdf
from webapp.printing.words import DOCUMENTS, SHEETS, count_phrase

_FEATURES = "Особенности физического состояния и формирования дела"
_HEARING_COLUMNS = ("№ п/п", "Номер дела", "Заголовок дела", "Листов", "Папка в пакете")


@dataclass(frozen=True)
class CaseFacts:
    """What the cover and the final records say about a case file. Text typed by people is made printable."""

    institution: str
    unit: str  # the structural unit: the nomenclature section's name
    number: str
    title: str
    index: str  # nomenclature index, e.g. "04-05"
    article: str  # the article of the list of standard documents, may be empty
    retention: str  # e.g. "5 лет ЭПК"
    date_from: dt.date | None
    date_to: dt.date | None
    closed_on: dt.date | None
    prepared_on: dt.date
    prepared_by: str  # "Орлова Т. С."
    prepared_by_position: str  # "Заведующий отделением"


@dataclass(frozen=True)
class InventoryRow:
    ordinal: int
    index: str  # the document's registration index in the system: "№ 51, в. 2"
    date: str  # dd.mm.yyyy or empty
    title: str
    sheets: str  # "5–8"
    note: str


@dataclass(frozen=True)
class Layout:
    """Where the parts of the bound file fall: sheet numbers are 1-based and run through the whole PDF."""

    total: int
    cover: tuple[int, int]  # first and last sheet of each part
    inventory: tuple[int, int]
    documents: tuple[int, int] | None  # None: the case has no documents
    certification: tuple[int, int]


def cover_pdf(facts: CaseFacts, layout: Layout) -> bytes:
    note = (
        f"Копия дела для рассмотрения на заседании комиссии. Сформирована {_date(facts.prepared_on)}; "
        f"подготовил(а): {printable(facts.prepared_by_position)} {printable(facts.prepared_by)}. "
        "Подлинники электронных документов и их подписи — в ZIP-пакете экспорта."
    )
    return case_cover_pdf(facts, layout.total, note)


def case_cover_pdf(facts: CaseFacts, sheets: int, note: str) -> bytes:
    """The cover of a case file of `sheets` sheets, with `note` (what the copy is) at its foot."""
    pdf = _start("Обложка дела", facts)
    pdf.ln(6)
    draw_text(pdf, printable(facts.institution or "Наименование учреждения не задано"), "center", bold=True, size=12)
    pdf.ln(1)
    draw_text(pdf, printable(facts.unit), "center", size=11)
    pdf.ln(28)
    draw_text(pdf, f"ДЕЛО № {facts.number}", "center", bold=True, size=20)
    pdf.ln(6)
    draw_text(pdf, printable(facts.title), "center", size=13)
    pdf.ln(24)
    lines = [
        f"Начато: {_date(facts.date_from)}",
        f"Окончено: {_date(facts.date_to) if facts.closed_on else '—  (дело не закрыто)'}",
        f"На {count_phrase(sheets, SHEETS)}",
        f"Хранить: {facts.retention}" + (f", {facts.article} Перечня" if facts.article else ""),
    ]
    for line in lines:
        _right_block(pdf, line)
    pdf.set_y(pdf.h - 62)
    draw_text(pdf, f"Индекс дела по номенклатуре: {facts.index}", "left", size=10)
    draw_text(pdf, "Ф. № ______    Оп. № ______    Д. № ______", "left", size=10)
    pdf.ln(8)
    draw_text(pdf, note, "left", size=8.5)
    return finish_pdf(pdf)


def inventory_pdf(facts: CaseFacts, rows: list[InventoryRow], layout: Layout) -> bytes:
    pdf = _start("Внутренняя опись", facts)
    draw_text(pdf, "ВНУТРЕННЯЯ ОПИСЬ", "center", bold=True, size=12.5)
    draw_text(pdf, f"документов дела № {facts.number}", "center", bold=True, size=11)
    pdf.ln(2)
    header = ("№ п/п", "Индекс документа", "Дата документа", "Заголовок документа", "Номера листов дела", "Примечание")
    body = tuple(
        (str(row.ordinal), row.index, row.date, printable(row.title), row.sheets, printable(row.note)) for row in rows
    )
    if not body:
        body = (("", "", "", "Документов в деле нет", "", ""),)
    draw_table(pdf, Table(header=header, rows=body, widths=(2, 4, 4, 10, 3, 5)), size=8.5)
    pdf.ln(2)
    first, last = layout.inventory
    parts = [f"обложка — {_range(*layout.cover)}", f"внутренняя опись — {_range(first, last)}"]
    if layout.documents is not None:
        parts.append(f"документы с листами подписей — {_range(*layout.documents)}")
    parts.append(f"лист-заверитель — {_range(*layout.certification)}")
    final = [
        f"Итого {count_phrase(len(rows), DOCUMENTS)}.",
        f"Количество листов внутренней описи: {count_phrase(last - first + 1, SHEETS)}.",
        f"Всего в деле {count_phrase(layout.total, SHEETS)}, с № 1 по № {layout.total}: {'; '.join(parts)}.",
    ]
    for line in final:
        draw_text(pdf, line, "left", size=10)
    _signature(pdf, facts)
    return finish_pdf(pdf)


@dataclass(frozen=True)
class Feature:
    """A line of the certification sheet's table: a feature of the file's make-up and the sheets it concerns."""

    text: str
    sheets: str


def certification_pdf(facts: CaseFacts, layout: Layout, features: list[Feature]) -> bytes:
    pdf = _start("Лист-заверитель", facts)
    draw_text(pdf, "ЛИСТ-ЗАВЕРИТЕЛЬ ДЕЛА", "center", bold=True, size=12.5)
    draw_text(pdf, f"№ {facts.number}", "center", bold=True, size=11)
    pdf.ln(4)
    first, last = layout.inventory
    lines = [
        f"В деле подшито и пронумеровано {count_phrase(layout.total, SHEETS)}, с № 1 по № {layout.total}, в том числе:",
        "литерные номера листов — нет;",
        "пропущенные номера листов — нет;",
        f"листов внутренней описи — {count_phrase(last - first + 1, SHEETS)} ({_range(first, last)}).",
    ]
    for line in lines:
        draw_text(pdf, line, "left", size=10.5)
    pdf.ln(2)
    rows = tuple((printable(feature.text), feature.sheets) for feature in features) or (("Нет", ""),)
    draw_table(
        pdf,
        Table(
            header=("Особенности физического состояния и формирования дела", "Номера листов"), rows=rows, widths=(3, 1)
        ),
        size=9,
    )
    _signature(pdf, facts)
    return finish_pdf(pdf)


@dataclass(frozen=True)
class HearingCase:
    ordinal: int
    number: str
    title: str
    sheets: int
    folder: str  # where its files are in the package


def hearing_index_pdf(title: str, institution: str, cases: list[HearingCase], prepared_on: dt.date) -> bytes:
    pdf = start_pdf("Опись материалов к заседанию", "casefiles", prepared_on)
    draw_text(pdf, printable(institution), "center", bold=True, size=11)
    pdf.ln(4)
    draw_text(pdf, "ОПИСЬ МАТЕРИАЛОВ К ЗАСЕДАНИЮ", "center", bold=True, size=12.5)
    if title:
        draw_text(pdf, printable(title), "center", size=11)
    pdf.ln(3)
    rows = tuple(
        (str(case.ordinal), case.number, printable(case.title), str(case.sheets), case.folder) for case in cases
    )
    draw_table(
        pdf,
        Table(
            header=("№ п/п", "Номер дела", "Заголовок дела", "Листов", "Папка в пакете"),
            rows=rows,
            widths=(2, 4, 10, 2, 3),
        ),
        size=9,
    )
    total = sum(case.sheets for case in cases)
    draw_text(
        pdf,
        f"Итого {count_phrase(len(cases), ('дело', 'дела', 'дел'), 'neuter')}, {count_phrase(total, SHEETS)}. "
        f"Сформировано {_date(prepared_on)}.",
        "left",
        size=10,
    )
    return finish_pdf(pdf)


NEW_SINCE_LAST = "Новое с прошлого заседания"


@dataclass(frozen=True)
class AgendaDocument:
    title: str
    sheets: str  # "л. 5–7"
    is_new: bool  # added to the case (or given a new version) since its previous hearing


@dataclass(frozen=True)
class AgendaItem:
    ordinal: int
    case_number: str
    question: str
    speaker: str
    sheets: str  # the item's part of the package: "л. 3–12"
    cover: str  # the case's cover: "л. 3"
    previous: str  # the case's previous hearing, e.g. "заседание № 3 от 12.02.2026"; empty: heard for the first time
    documents: tuple[AgendaDocument, ...]


@dataclass(frozen=True)
class Agenda:
    """The first sheet of a hearing's package: who sits, when and where, what is heard and on which sheets."""

    institution: str
    commission: str
    number: str
    starts: str  # local date and time: "12.03.2026, 14:00"
    place: str
    items: tuple[AgendaItem, ...]
    total: int  # sheets of the whole package
    prepared_on: dt.date


def agenda_pdf(agenda: Agenda) -> bytes:
    pdf = start_pdf(f"Повестка заседания № {agenda.number}", "casefiles", agenda.prepared_on)
    pdf.set_margins(20, 18, 15)  # room for the sheet number in the top-right corner
    pdf.set_y(18)
    draw_text(pdf, printable(agenda.institution or "Наименование учреждения не задано"), "center", bold=True, size=11)
    draw_text(pdf, printable(agenda.commission), "center", size=11)
    pdf.ln(4)
    draw_text(pdf, f"ПОВЕСТКА ЗАСЕДАНИЯ № {printable(agenda.number)}", "center", bold=True, size=12.5)
    pdf.ln(2)
    draw_text(pdf, f"Дата и время: {agenda.starts}", "left", size=10.5)
    draw_text(pdf, f"Место проведения: {printable(agenda.place) or '—'}", "left", size=10.5)
    rows = tuple(
        (str(item.ordinal), item.case_number, printable(item.question), printable(item.speaker), item.sheets)
        for item in agenda.items
    )
    table = Table(header=("№ п/п", "Дело", "Вопрос", "Докладчик", "Листы"), rows=rows, widths=(2, 4, 11, 5, 3))
    draw_table(pdf, table, size=9)
    draw_text(pdf, "МАТЕРИАЛЫ К ВОПРОСАМ ПОВЕСТКИ", "center", bold=True, size=11)
    for item in agenda.items:
        pdf.ln(1)
        heard = f"предыдущее рассмотрение — {item.previous}" if item.previous else "рассматривается впервые"
        draw_text(pdf, f"{item.ordinal}. Дело № {item.case_number} ({heard})", "left", bold=True, size=10)
        draw_text(pdf, f"Обложка дела — {item.cover}", "left", size=9.5)
        if not item.documents:
            draw_text(pdf, "Документы к вопросу не представлены", "left", size=9.5)
        for number, document in enumerate(item.documents, start=1):
            mark = f" — {NEW_SINCE_LAST}" if document.is_new else ""
            line = f"{item.ordinal}.{number}. {printable(document.title)} — {document.sheets}{mark}"
            draw_text(pdf, line, "left", bold=document.is_new, size=9.5)
    pdf.ln(3)
    draw_text(
        pdf,
        f"Всего в пакете {count_phrase(agenda.total, SHEETS)}, с № 1 по № {agenda.total}. Отметка «{NEW_SINCE_LAST}»: "
        "документ добавлен в дело или получил новую версию после предыдущего рассмотрения дела комиссией (у дела, "
        f"рассматриваемого впервые, — каждый документ). Сформировано {_date(agenda.prepared_on)}.",
        "left",
        size=9,
    )
    return finish_pdf(pdf)


def _start(title: str, facts: CaseFacts) -> FPDF:
    pdf = start_pdf(f"{title} — дело № {facts.number}", "casefiles", facts.prepared_on)
    pdf.set_margins(20, 18, 15)  # room for the sheet number in the top-right corner
    pdf.set_y(18)
    return pdf


def _right_block(pdf: FPDF, line: str) -> None:
    pdf.set_font(FAMILY, "", 12)
    pdf.set_x(pdf.w / 2 + 5)
    pdf.cell(pdf.w / 2 - 20, 7, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _signature(pdf: FPDF, facts: CaseFacts) -> None:
    pdf.ln(8)
    draw_text(pdf, printable(facts.prepared_by_position), "left", size=10)
    draw_text(pdf, f"________________  {printable(facts.prepared_by)}", "left", size=10)
    draw_text(pdf, _date(facts.prepared_on), "left", size=10)


def _range(first: int, last: int) -> str:
    return f"л. {first}" if first == last else f"л. {first}–{last}"


def _date(day: dt.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else "—"
