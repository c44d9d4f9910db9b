"""The individual program of social services (ИППСУ) and the conclusion on how it went."""

from __future__ import annotations

from demo.people import DIRECTOR, INSTITUTION_SHORT, ORLOVA, ddmmyyyy, initials, long_date
from demo.programs import Conclusion, Program
from webapp.printing.layout import Block, Field, Form, Heading, Paragraph, Signature, Table


def ippsu_conclusion(conclusion: Conclusion, *, approved: bool = True) -> Form:
    """approved=False: the specialist's draft (with its own outcome and proposals when they differ)."""
    draft = not approved and bool(conclusion.draft_outcome)
    date = conclusion.date
    stamp = (
        ("УТВЕРЖДАЮ", "Заведующий отделением", f"____________ {ORLOVA.initials}", long_date(date))
        if approved
        else ("ПРОЕКТ",)
    )
    blocks: list[Block] = [
        Field("Получатель социальных услуг", conclusion.recipient),
        Field("Дата рождения", ddmmyyyy(conclusion.birth)),
        Field("Адрес проживания", conclusion.address),
        Field("Индивидуальная программа", conclusion.program),
        Field("Период реализации", conclusion.period),
        Field("Форма социального обслуживания", conclusion.form),
        Heading("1. Предоставление социальных услуг", 2),
        Table(
            ("Социальная услуга", "Объём, периодичность", "Отметка о выполнении"),
            conclusion.services,
            (5, 3, 3),
        ),
        Heading("2. Мероприятия по социальному сопровождению", 2),
        Table(("Мероприятие", "Организация (ведомство)", "Результат"), conclusion.support, (4, 4, 3)),
        Heading("3. Оценка результатов реализации программы", 2),
        Paragraph(conclusion.result),
        Field("Итог", conclusion.draft_outcome if draft else conclusion.outcome),
        Heading("4. Предложения", 2),
        Paragraph(conclusion.draft_proposals if draft else conclusion.proposals),
        Signature("Специалист по работе с семьей", conclusion.specialist.initials, ddmmyyyy(date)),
        Signature("Согласовано: заведующий отделением", ORLOVA.initials, ddmmyyyy(date) if approved else ""),
    ]
    return Form(
        "Заключение по результатам реализации индивидуальной программы предоставления социальных услуг",
        tuple(blocks),
        author=conclusion.specialist.full_name,
        created=date,
        stamp=stamp,
    )


def ippsu_program(program: Program) -> Form:
    blocks: list[Block] = [
        Paragraph(f"№ {program.number} от {long_date(program.date)}", "center"),
        Field("Фамилия, имя, отчество получателя", program.recipient),
        Field("Дата рождения", ddmmyyyy(program.birth)),
        Field("Адрес места жительства", program.address),
        Field("Форма социального обслуживания", program.form),
        Field("Срок предоставления социальных услуг", f"с {ddmmyyyy(program.date)}, на 1 год"),
        Field("Поставщик социальных услуг", INSTITUTION_SHORT),
        Heading("Социальные услуги", 2),
        Table(("Наименование социальной услуги", "Объём", "Периодичность"), program.services, (6, 2, 2)),
        Heading("Мероприятия по социальному сопровождению", 2),
        Table(("Вид социального сопровождения", "Исполнитель", "Срок"), program.support, (5, 4, 2)),
        Paragraph("С содержанием индивидуальной программы согласен(а)."),
        Signature("Получатель социальных услуг", initials(program.recipient), ddmmyyyy(program.date)),
        Signature("Лицо, уполномоченное на подписание ИППСУ: директор", DIRECTOR, ddmmyyyy(program.date)),
    ]
    return Form(
        "Индивидуальная программа предоставления социальных услуг",
        tuple(blocks),
        author=program.specialist.full_name,
        created=program.date,
    )
