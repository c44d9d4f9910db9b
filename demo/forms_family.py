"""Forms about one family or citizen, after the appendices to the specialists' work algorithm: the inspection
act (appendix 1), the family's social passport (appendix 2) and the cooperation agreement (appendix 3)."""

from __future__ import annotations

import datetime as dt
import zlib

from demo.families import Household, Stages
from demo.passport_rows import (
    COUNCIL_DECISIONS,
    DIAGNOSTIC_SECTIONS,
    FAMILY_TYPES,
    HARDSHIPS,
    HELP_SECTION,
    HOUSEHOLD_ITEMS,
    STAGE_NAMES,
)
from demo.people import (
    DEPARTMENT_GENITIVE,
    DIRECTOR,
    INSTITUTION,
    INSTITUTION_ADDRESS,
    INSTITUTION_SHORT,
    TOWN,
    Staff,
    ddmmyyyy,
    initials,
    long_date,
    rub,
)
from webapp.printing.layout import Block, Field, Form, Heading, Paragraph, Signature, Table

ALGORITHM = "к Алгоритму деятельности специалистов", "участковой социальной службы"


def inspection_act(household: Household, staff: Staff, date: dt.date, *, corrected: bool = True) -> Form:
    """A draft (corrected=False) lacks the last income line and has the short conclusion."""
    draft = not corrected and bool(household.draft_conclusion)
    incomes = household.incomes[:-1] if draft else household.incomes
    total = sum(income.amount for income in incomes)
    per_head = total // len(household.members)
    is_family = household.kind == "family"
    blocks: list[Block] = [
        Paragraph(long_date(date)),
        Field(
            "Обследование произвели (Ф.И.О., должность специалиста, название учреждения)",
            f"{staff.full_name}, {staff.position} {INSTITUTION_SHORT}",
        ),
        Field("Ф.И.О. представителя семьи" if is_family else "Ф.И.О. гражданина", household.representative.name),
        Field("Адрес проживания", household.full_address),
        Heading("Состав семьи (Ф.И.О., дата рождения, место работы, учебы)", 2),
        *(
            Paragraph(
                f"{number}. {member.name}, {ddmmyyyy(member.birth)} г.р. ({member.relation}) — {member.occupation}"
            )
            for number, member in enumerate(household.members, 1)
        ),
        Field("Занимают жилую площадь", household.housing),
        Field("Санитарное состояние помещения", household.sanitary),
        Heading("Материальное положение", 2),
        Table(
            ("Ф.И.О. члена семьи", "Вид полученного дохода", "Сумма"),
            (
                *((income.member, income.kind, rub(income.amount)) for income in incomes),
                ("Итого", f"среднедушевой доход — {rub(per_head)}", rub(total)),
            ),
            widths=(3, 5, 2),
        ),
        Field("В момент посещения в квартире находились", household.present),
        Field("Взаимоотношения между членами семьи", household.relations),
        Field("Взаимоотношения с соседями по квартире", household.neighbours),
        Field("Характеристика родителей", household.parents),
        Field("В связи с чем проводилось обследование", household.reason),
        Field(
            "Заключение (выводы и предложения по устранению неблагополучной обстановки в семье и т.п.)",
            household.draft_conclusion if draft else household.conclusion,
        ),
        Signature("Акт составил:", f"{staff.initials}, специалист по работе с семьей"),
        Signature("Присутствовали при составлении акта:", initials(household.representative.name)),
        Signature(
            "Подпись представителя семьи" if is_family else "Подпись гражданина",
            initials(household.representative.name),
        ),
    ]
    return Form(
        "Акт обследования материально-бытовых условий проживания семьи, отдельных категорий граждан",
        tuple(blocks),
        author=staff.full_name,
        created=date,
        stamp=("Приложение 1", *ALGORITHM),
    )


def family_passport(household: Household, staff: Staff, stage: int) -> Form:
    """The passport as filled in up to diagnostic stage `stage` (1, 2 or 3); later columns stay empty."""
    plan = household.passport
    if plan is None or not 1 <= stage <= len(plan.stages):
        raise ValueError(f"{household.key}: no diagnostic stage {stage}")

    def reached(values: Stages) -> tuple[str, str, str]:
        first, second, third = (value if number < stage else "" for number, value in enumerate(values))
        return first, second, third

    header = tuple(
        f"{name} ({ddmmyyyy(plan.stages[number])})" if number < stage else name
        for number, name in enumerate(STAGE_NAMES)
    )
    blocks: list[Block] = [
        Paragraph(f"№ {plan.number} от {long_date(plan.stages[0])}", "center"),
        Field("1. Ф.И.О. представителя семьи", household.representative.name),
        Field("2. Адрес регистрации", household.full_address),
        Field("3. Адрес проживания", household.full_address),
        Heading("4. Сведения о семье (включая представителя семьи)", 2),
        Table(
            ("Ф.И.О.", "Родство", "Дата рождения", "Место работы, учебы"),
            tuple((m.name, m.relation, ddmmyyyy(m.birth), m.occupation) for m in household.members),
            widths=(4, 2, 2, 5),
        ),
        Heading("4.1. Тип семьи", 2),
        Table(
            ("Тип семьи", "Отметка"),
            tuple((name, plan.family_type.get(name, "")) for name in FAMILY_TYPES),
            (4, 3),
        ),
    ]
    for title, column, rows in (*DIAGNOSTIC_SECTIONS, HELP_SECTION):
        if title.startswith("9."):
            blocks.append(
                Heading("10. Вид трудной жизненной ситуации, объективно нарушающей жизнедеятельность семьи", 2)
            )
            blocks.append(
                Table(
                    ("Вид трудной жизненной ситуации", "Отметка"),
                    tuple((name, plan.hardship.get(name, "")) for name in HARDSHIPS),
                    (4, 2),
                )
            )
        default: Stages = ("+", "+", "+") if rows == HOUSEHOLD_ITEMS else ("", "", "")
        table_rows = tuple((row, *reached(plan.marks.get(row, default))) for row in rows)
        blocks += [Heading(title, 2), Table((column, *header), table_rows, widths=(4, 3, 3, 3))]
    council_date, council_number, decision = plan.council
    blocks.append(
        Paragraph(
            "12. Заключение совета профилактики учреждения социального обслуживания: "
            f"от {long_date(council_date)} № {council_number} (нужное отмечено):",
            bold=True,
        )
    )
    blocks += [Paragraph(f"[{'x' if option == decision else ' '}] {option}") for option in COUNCIL_DECISIONS]
    blocks.append(Heading("Сведения о ходе социального сопровождения", 2))
    blocks += [Paragraph(f"{STAGE_NAMES[n]} ({ddmmyyyy(plan.stages[n])}): {plan.notes[n]}") for n in range(stage)]
    blocks += [
        Signature("Должность и подпись специалиста", f"{staff.initials}, специалист по работе с семьей"),
        Paragraph(f"Дата: {ddmmyyyy(plan.stages[stage - 1])}"),
    ]
    return Form(
        "Социальный паспорт семьи",
        tuple(blocks),
        author=staff.full_name,
        created=plan.stages[stage - 1],
        stamp=("Приложение 2", *ALGORITHM),
    )


def _identity(household: Household) -> str:
    code = zlib.crc32(household.key.encode())
    return f"паспорт {67 + code % 3} {10 + code % 15:02d} № {code % 900_000 + 100_000}"


def cooperation_agreement(household: Household, staff: Staff, date: dt.date, number: str) -> Form:
    rep = household.representative
    family = f"семьей {household.genitive}"
    clauses = (
        (
            "1. Предмет соглашения",
            (
                f"1.1. Настоящее соглашение регулирует взаимоотношения между {family} и специалистом по "
                "работе с семьей "
                f"{DEPARTMENT_GENITIVE} {staff.full_name} (далее – специалист) по реализации мероприятий, "
                "предусмотренных "
                "индивидуальной программой предоставления социальных услуг семье (далее – Программа), и "
                "осуществлению "
                "патроната семьи в целях контроля за процессом социальной реабилитации семьи.",
                "1.2. Участие семьи во взаимоотношениях, регулируемых настоящим соглашением, строится на "
                "добровольной основе.",
            ),
        ),
        (
            "2. Права и обязанности сторон",
            (
                "2.1. Учреждение имеет право: получать от членов семьи необходимую для работы специалиста "
                "информацию; "
                "приглашать, при необходимости, членов семьи в учреждение для беседы; при необходимости "
                "проведения "
                "экстренного патроната посещать семью без предварительного согласования; совместно с "
                "инспекторами ОДН "
                "ОМВД посещать семью во время проведения плановых мероприятий; контролировать посещаемость "
                "несовершеннолетними образовательных учреждений, организацию их досуга; получать от "
                "заинтересованных "
                "лиц информацию о семье и использовать её в работе.",
                "2.2. Учреждение обязуется: оказывать семье помощь в разрешении трудной жизненной ситуации; "
                "проводить "
                "диагностику взаимоотношений между членами семьи; проводить по необходимости социальный "
                "патронат; "
                "ежеквартально производить оценку эффективности реализации Программы и доводить её до "
                "сведения семьи; "
                "согласовывать с представителем семьи время плановых патронатов; не разглашать информацию, "
                "предоставленную членами семьи.",
                "2.3. Семья имеет право: получать услуги, предоставляемые учреждением; получать полную "
                "информацию о ходе "
                "реабилитационных мероприятий и заключениях специалистов.",
                "2.4. Семья обязуется: прилагать усилия для своевременного исполнения мероприятий "
                "Программы; не "
                "препятствовать посещениям специалистов и выполнять их рекомендации; контролировать "
                "посещаемость "
                "несовершеннолетними образовательных учреждений; организовывать досуг детей; допускать "
                "специалистов к "
                "общению с членами семьи и обследованию материально-бытовых условий; предоставлять "
                "необходимую информацию.",
            ),
        ),
        (
            "3. Дополнительные условия",
            (
                "3.1. Невыполнение семьей взятых на себя обязательств, повлекшее ущемление законных прав и "
                "интересов "
                "несовершеннолетних, является основанием для обращения в орган опеки и попечительства.",
            ),
        ),
        (
            "4. Срок и условия действия соглашения",
            (
                "4.1. Соглашение вступает в силу с момента его подписания.",
                "4.2. Срок окончания соглашения – выход семьи из трудной жизненной ситуации, нормализация "
                "обстановки в семье.",
            ),
        ),
    )
    blocks: list[Block] = [
        Paragraph(f"№ {number}", "center"),
        Paragraph(f"{TOWN}{' ' * 40}{long_date(date)}"),
        Paragraph(
            f"Учреждение социального обслуживания – {INSTITUTION} (далее – учреждение) в лице директора "
            f"{DIRECTOR}, "
            f"действующего на основании Устава, с одной стороны, и семья {household.genitive} в лице "
            "представителя "
            f"{rep.name} (далее по тексту «Семья»), с другой стороны, заключили соглашение о следующем:"
        ),
    ]
    for title, items in clauses:
        blocks.append(Heading(title.upper(), 1))
        blocks += [Paragraph(item) for item in items]
    blocks += [
        Heading("5. ЮРИДИЧЕСКИЕ АДРЕСА И ПОДПИСИ СТОРОН", 1),
        Table(
            ("Учреждение", "Представитель семьи"),
            (
                (
                    f"{INSTITUTION_SHORT}\nПочтовый адрес: {INSTITUTION_ADDRESS}\n\nДиректор\n{DIRECTOR}\n"
                    f"Подпись ______________\n{long_date(date)}",
                    f"{rep.name}\n{_identity(household).capitalize()}\nЗарегистрирован по адресу: "
                    f"{household.full_address}"
                    f"\n\nПодпись ______________\n{long_date(date)}",
                ),
            ),
            widths=(1, 1),
        ),
    ]
    return Form(
        "Соглашение о сотрудничестве при реализации индивидуальной программы предоставления социальных услуг",
        tuple(blocks),
        author=staff.full_name,
        created=date,
        stamp=("Приложение 3", *ALGORITHM),
    )
