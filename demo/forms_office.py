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


INDICATORS: tuple[tuple[str, str], ...] = (
    ("1.", "Количество специалистов:"),
    ("1.1", "специалистов по работе с семьей"),
    ("1.2", "психологов"),
    ("1.3", "юрисконсультов"),
    ("1.4", "ассистентов по оказанию технической помощи"),
    ("2.", "Количество граждан, принятых, обследованных на социальном участке, по категориям:"),
    ("2.1", "граждане пожилого возраста (женщины старше 55 лет, мужчины старше 60 лет)"),
    ("2.1.1", "одинокопроживающие"),
    ("2.1.2", "одинокие (нет родственников в населенном пункте)"),
    ("2.1.3", "проживающие в семьях"),
    ("2.2", "инвалиды (по группам)"),
    ("2.3", "несовершеннолетние, входящие в группу риска"),
    ("2.4", "граждане, оказавшиеся в иной трудной жизненной ситуации"),
    ("2.5", "мигранты, беженцы"),
    ("2.6", "иные категории"),
    ("3.", "Количество семей, принятых, обследованных на социальном участке, по категориям:"),
    ("3.1", "семьи с детьми"),
    ("3.2", "семьи, находящиеся в социально опасном положении"),
    ("3.3", "семьи с детьми-инвалидами"),
    ("3.4", "семьи, в состав которых входят инвалиды"),
    ("3.5", "иные категории"),
    ("4.", "Количество посещений граждан на дому"),
    (
        "5.",
        "Количество составленных актов обследования материально-бытовых условий проживания семьи, отдельных "
        "категорий граждан (социальный контракт)",
    ),
    (
        "6.",
        "Количество составленных актов обследования жилищно-бытовых условий проживания семьи, отдельных "
        "категорий граждан",
    ),
    ("7.", "Количество граждан, признанных нуждающимися в предоставлении социальных услуг в отчетный период"),
    ("7.1", "в т. ч. в социальном сопровождении"),
    ("8.", "Количество граждан, снятых с социального обслуживания за отчетный период"),
    ("8.1", "в т. ч. социального сопровождения"),
    ("9.", "Количество граждан, находящихся на социальном обслуживании на отчетную дату"),
    ("9.1", "в т. ч. на социальном сопровождении"),
    (
        "10.",
        "Количество направленных отчетов об исполнении гражданами программ социальной адаптации (социальный контракт)",
    ),
    (
        "11.",
        "Количество мероприятий по профилактике обстоятельств, обусловливающих нуждаемость гражданина в "
        "социальном обслуживании, в т. ч.:",
    ),
    ("11.1", "количество совместных рейдов с учреждениями системы профилактики"),
    (
        "11.2",
        "количество писем (ходатайство, представление, запросы и т.д.), направленных в организации других ведомств",
    ),
    ("12.", "Количество мероприятий социального сопровождения граждан, в т. ч.:"),
    ("12.1", "медицинской помощи"),
    ("12.2", "психологической помощи"),
    ("12.3", "педагогической помощи"),
    ("12.4", "юридической помощи"),
    ("12.5", "социальной помощи"),
    (
        "13.",
        "Показатели охвата граждан в возрасте «55+», инвалидов мероприятиями службы «дворового» менеджмента:",
    ),
    ("13.1", "вовлечение в культурно-досуговые мероприятия"),
    ("13.2", "вовлечение в физкультурно-оздоровительные мероприятия"),
    ("13.3", "вовлечение в спортивные мероприятия"),
    ("13.4", "вовлечение в туристические мероприятия"),
    ("13.5", "вовлечение в добровольческую (волонтерскую) деятельность"),
    ("13.6", "вовлечение в иные мероприятия"),
    ("13.7", "оказано содействие в профессиональной переподготовке"),
    ("13.8", "оказано содействие в трудоустройстве"),
    ("13.9", "иное"),
)
# Per quarter; a month is about a third. Staff counts and stock figures (9, 9.1) are not scaled.
_QUARTER_BASE = {
    "2.1.1": 24,
    "2.1.2": 5,
    "2.1.3": 61,
    "2.2": 38,
    "2.3": 9,
    "2.4": 17,
    "2.5": 2,
    "2.6": 6,
    "3.1": 46,
    "3.2": 3,
    "3.3": 7,
    "3.4": 12,
    "3.5": 4,
    "4.": 204,
    "5.": 11,
    "6.": 29,
    "7.": 34,
    "7.1": 12,
    "8.": 27,
    "8.1": 9,
    "10.": 5,
    "11.1": 8,
    "11.2": 37,
    "12.1": 19,
    "12.2": 44,
    "12.3": 21,
    "12.4": 16,
    "12.5": 58,
    "13.1": 71,
    "13.2": 33,
    "13.3": 12,
    "13.4": 6,
    "13.5": 9,
    "13.6": 14,
    "13.7": 1,
    "13.8": 3,
    "13.9": 2,
}
_STAFF = {"1.1": 4, "1.2": 1, "1.3": 1, "1.4": 1}
_TOTALS = {
    "1.": ("1.1", "1.2", "1.3", "1.4"),
    "2.1": ("2.1.1", "2.1.2", "2.1.3"),
    "2.": ("2.1", "2.2", "2.3", "2.4", "2.5", "2.6"),
    "3.": ("3.1", "3.4", "3.5"),
    "12.": ("12.1", "12.2", "12.3", "12.4", "12.5"),
    "13.": ("13.1", "13.2", "13.3", "13.4", "13.5", "13.6", "13.7", "13.8", "13.9"),
}


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
