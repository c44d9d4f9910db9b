"""Forms of the department as a whole: the district's social passport (appendix 3 to the order), the
statistical report (appendix 5), prevention-council protocols, letters, applications, registers and
scan notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from demo.people import (
    DEPARTMENT,
    DEPUTY_DIRECTOR,
    DIRECTOR,
    INSTITUTION,
    INSTITUTION_ADDRESS,
    INSTITUTION_PHONE,
    INSTITUTION_SHORT,
    ORLOVA,
    TOWN,
    District,
    Staff,
    ddmmyyyy,
    long_date,
)
from demo.records import read
from webapp.printing.layout import Block, Field, Form, Heading, Paragraph, Signature, Table

ORDER = ("Приложение 3", "к приказу Депсоцразвития Югры", "от «__» января 2019 года")
PassportRows = Sequence[tuple[str, str]]
Row = tuple[str, ...]


def district_passport(
    district: District,
    rows: PassportRows,
    infrastructure: Sequence[Row],
    partners: Sequence[Row],
    extra: str,
    date: dt.date,
) -> Form:
    head = (
        (
            "Фамилия, имя, отчество специалиста по работе с семьей по участковому принципу",
            district.specialist.full_name,
        ),
        ("Адрес пункта по приему граждан", district.reception),
        ("Телефон:", district.phone),
        ("График приема граждан", district.schedule),
        ("Обслуживаемая территория:", district.territory),
    )
    blocks: list[Block] = [
        Table(("", ""), (*head, *rows), widths=(6, 5), header_row=False),
        Heading("Инфраструктура участка", 1),
        Table(
            (
                "№ п/п",
                "Полное наименование учреждения",
                "Адрес",
                "Телефон",
                "Ф.И.О. руководителя",
                "Примечание",
            ),
            (
                *((str(n), *row) for n, row in enumerate(infrastructure, 1)),
                ("Итого учреждений", str(len(infrastructure))),
            ),
            widths=(1, 5, 4, 3, 3, 3),
        ),
        Table(("Должность", "Ф.И.О.", "Адрес", "Телефон", "Примечание"), tuple(partners), widths=(5, 3, 4, 3, 3)),
        Heading("Дополнительная информация", 2),
        Paragraph(extra),
        Paragraph("Карта участка с обозначением улиц и социально значимых учреждений — на бумажном носителе."),
        Signature("Специалист по работе с семьей", district.specialist.initials),
        Paragraph(f"Дата составления: {ddmmyyyy(date)}"),
    ]
    return Form(
        f"Социальный паспорт участка № {district.number}",
        tuple(blocks),
        author=district.specialist.full_name,
        created=date,
        stamp=ORDER,
    )


# The statistical report's indicators (code, label) and the demo's figures, from data/statistical_report.json:
# per quarter, a month being about a third; staff counts and stock figures (9, 9.1) are not scaled.
_REPORT = read("statistical_report")
INDICATORS: tuple[tuple[str, str], ...] = tuple((code, label) for code, label in _REPORT["indicators"])
_QUARTER_BASE: dict[str, int] = _REPORT["quarter_base"]
_STAFF: dict[str, int] = _REPORT["staff"]
_TOTALS = {total: tuple(parts) for total, parts in _REPORT["totals"].items()}


def report_values(period: int, *, monthly: bool = False, corrections: dict[str, int] | None = None) -> dict[str, int]:
    """Indicator values for quarter `period` (1–4) or, with monthly=True, for month `period` (1–12)."""
    values = dict(_STAFF)
    for code, base in _QUARTER_BASE.items():
        grown = base + (base * period) // (30 if monthly else 10)
        values[code] = max(0, round(grown / 3)) if monthly else grown
    values |= corrections or {}
    for total, parts in _TOTALS.items():  # insertion order: 2.1 before 2.
        values[total] = sum(values[part] for part in parts)
    values["11."] = values["11.1"] + values["11.2"] + values["12."] // 10
    on_service = 143 + 4 * period
    values["9."], values["9.1"] = on_service, on_service // 3
    return values


def statistical_report(period_title: str, values: dict[str, int], date: dt.date, staff: Staff) -> Form:
    rows = tuple((code, label, str(values.get(code, ""))) for code, label in INDICATORS)
    blocks: list[Block] = [
        Paragraph(INSTITUTION_SHORT, "center"),
        Paragraph("(наименование учреждения социального обслуживания)", "center", small=True),
        Paragraph(f"за {period_title} года", "center", bold=True),
        Table(("№", "Показатель", "Значение"), rows, widths=(1, 9, 2)),
        Paragraph(
            "* мониторинг осуществляется в отделении социального сопровождения граждан для внутреннего "
            "использования, при подготовке статистической и аналитической информации",
            small=True,
        ),
        Signature("Заведующий отделением социального сопровождения граждан", ORLOVA.initials, ddmmyyyy(date)),
        Paragraph(f"Исполнитель: {staff.initials}, тел. {INSTITUTION_PHONE}", small=True),
    ]
    return Form(
        "Статистический отчёт о работе отделения социального сопровождения граждан",
        tuple(blocks),
        author=staff.full_name,
        created=date,
        stamp=("Приложение 5", "к приказу Депсоцразвития Югры", "от «__» января 2019 года"),
    )


def council_protocol(
    number: str, date: dt.date, present: str, items: Sequence[tuple[str, str, str]], secretary: Staff
) -> Form:
    """items: (agenda item, heard, decided)."""
    blocks: list[Block] = [
        Paragraph(INSTITUTION_SHORT, "center", bold=True),
        Paragraph(f"{long_date(date)}{' ' * 30}№ {number}{' ' * 30}{TOWN}"),
        Field("Председатель", f"{DEPUTY_DIRECTOR}, заместитель директора"),
        Field("Секретарь", f"{secretary.initials}, специалист по работе с семьей"),
        Field("Присутствовали", present),
        Heading("ПОВЕСТКА ДНЯ:", 1),
        *(Paragraph(f"{n}. {topic}") for n, (topic, _, _) in enumerate(items, 1)),
    ]
    for n, (topic, heard, decided) in enumerate(items, 1):
        blocks += [
            Heading(f"{n}. {topic}", 2),
            Field("СЛУШАЛИ", heard),
            Field("РЕШИЛИ", decided),
            Paragraph("Голосовали: «за» — единогласно."),
        ]
    blocks += [Signature("Председатель", DEPUTY_DIRECTOR), Signature("Секретарь", secretary.initials)]
    return Form(
        f"Протокол заседания совета профилактики № {number}",
        tuple(blocks),
        author=secretary.full_name,
        created=date,
    )


def letter(
    addressee: Sequence[str], number: str, date: dt.date, title: str, body: Sequence[str], executor: Staff
) -> Form:
    blocks: list[Block] = [
        Paragraph(f"Исх. № {number} от {ddmmyyyy(date)}", small=True),
        *(Paragraph(text) for text in body),
        Signature("Директор", DIRECTOR),
        Paragraph(f"Исполнитель: {executor.full_name}, {DEPARTMENT}, тел. {INSTITUTION_PHONE}", small=True),
        Paragraph(f"{INSTITUTION_SHORT}; {INSTITUTION_ADDRESS}", small=True),
    ]
    return Form(title, tuple(blocks), author=executor.full_name, created=date, stamp=tuple(addressee))


def application(applicant: str, address: str, date: dt.date, body: Sequence[str], signer: str) -> Form:
    blocks: list[Block] = [
        *(Paragraph(text) for text in body),
        Signature("Подпись заявителя", signer, ddmmyyyy(date)),
    ]
    stamp = (
        f"Директору {INSTITUTION_SHORT}",
        "Е.Н. Лаптевой",
        f"от {applicant},",
        f"проживающей(его): {address}",
    )
    return Form("Заявление", tuple(blocks), author=applicant, created=date, stamp=stamp)


def register(
    title: str,
    fields: Sequence[tuple[str, str]],
    header: Row,
    rows: Sequence[Row],
    date: dt.date,
    staff: Staff,
    widths: tuple[int, ...] = (),
) -> Form:
    """A journal, list or log: some heading fields and one table."""
    blocks: list[Block] = [
        *(Field(label, value) for label, value in fields),
        Table(header, tuple(rows), widths=widths),
        Signature("Составил", f"{staff.initials}", ddmmyyyy(date)),
    ]
    return Form(title, tuple(blocks), author=staff.full_name, created=date, stamp=(INSTITUTION_SHORT,))


def scan_note(document: str, details: Sequence[tuple[str, str]], summary: str, date: dt.date, staff: Staff) -> Form:
    """What a scan upload would carry in the demo: its card and a transcript of the key details."""
    blocks: list[Block] = [
        Field("Документ", document),
        *(Field(label, value) for label, value in details),
        Field("Скан-копию загрузил", f"{staff.full_name} ({ddmmyyyy(date)})"),
        Heading("Краткое содержание (расшифровка для поиска)", 2),
        Paragraph(summary),
        Paragraph(
            f"Демонстрационные данные: изображение страниц не приложено. Учреждение: {INSTITUTION}.",
            small=True,
        ),
    ]
    return Form("Карточка скан-копии документа", tuple(blocks), author=staff.full_name, created=date)
