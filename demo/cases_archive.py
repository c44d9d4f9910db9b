"""Files of past years for the archivist: closed last year (to be inventoried and handed to the archive) and
closed years ago with their retention expired (a destruction round: plain, ЭПК needing expert review, held)."""

from __future__ import annotations

import datetime as dt

from demo.content import DemoCase, DemoDocument, document, version
from demo.forms_office import register
from demo.people import DEPARTMENT_GENITIVE, GALIEV, INSTITUTION_SHORT, ORLOVA, SOKOLOVA, Staff, ddmmyyyy
from demo.render import DOCX, PDF, TEXT
from webapp.printing.layout import Form, Heading, Paragraph, Signature

DEPARTMENT = {"kind": "department", "name": "Отделение социального сопровождения граждан"}


def _plan(y: int, staff: Staff) -> DemoDocument:
    date = dt.date(y, 1, 12)
    items = (
        ("1", "Актуализация социальных паспортов участков", "январь, июль", "специалисты по работе с семьёй"),
        ("2", "Ежемесячные контакты с гражданами «55+» и инвалидами участков", "ежемесячно", "специалисты"),
        ("3", "Заседания совета профилактики учреждения", "ежеквартально", "заведующий отделением"),
        ("4", "Оценка эффективности ИППСУ", "ежеквартально", "заведующий отделением"),
    )
    form = register(
        f"План работы {DEPARTMENT_GENITIVE} на {y} год",
        (("Утверждён", f"директором {INSTITUTION_SHORT} {ddmmyyyy(date)}"),),
        ("№", "Мероприятие", "Срок", "Ответственный"),
        items,
        date,
        staff,
        (1, 6, 2, 3),
    )
    return document("other", f"План работы отделения на {y} год", date, version(form, DOCX, staff, "Утверждённый план"))


def _note(title: str, date: dt.date, staff: Staff, text: str, media: str = TEXT) -> DemoDocument:
    form = Form(
        title,
        (Heading(title), Paragraph(text), Signature(staff.position, staff.full_name, ddmmyyyy(date))),
        author=staff.full_name,
        created=date,
        stamp=(INSTITUTION_SHORT,),
    )
    return document("other", title, date, version(form, media, staff, "Подлинник"))


def _visits_journal(y: int) -> DemoDocument:
    date = dt.date(y, 12, 27)
    rows = tuple(
        (str(n), f"{n:02d}.{(n % 12) + 1:02d}.{y}", f"участок № {1 + n % 2}", "патронаж, консультация")
        for n in range(1, 13)
    )
    form = register(
        f"Журнал учёта посещений граждан на дому за {y} год",
        (("Начат", f"09.01.{y}"), ("Окончен", ddmmyyyy(date))),
        ("№", "Дата", "Участок", "Цель посещения"),
        rows,
        date,
        SOKOLOVA,
        (1, 2, 2, 5),
    )
    return document(
        "other", f"Журнал учёта посещений на дому за {y} год", date, version(form, PDF, SOKOLOVA, "Скан журнала")
    )


def archive_cases(y: int) -> tuple[DemoCase, ...]:
    old, older, last = y - 6, y - 7, y - 1
    return (
        # Closed last year: one file of each retention class to hand over with an inventory.
        DemoCase(
            "04-03",
            "u1",
            f"Годовой отчёт о работе отделения за {last - 1} год",
            DEPARTMENT,
            dt.date(last, 1, 15),
            ORLOVA.username,
            (
                _note(
                    f"Годовой отчёт о работе отделения за {last - 1} год",
                    dt.date(last, 2, 5),
                    ORLOVA,
                    "Отделение сопровождало 64 семьи с детьми и 119 граждан пожилого возраста и инвалидов; "
                    "проведено 212 посещений на дому, составлено 18 актов обследования.",
                    DOCX,
                ),
            ),
            closed_on=dt.date(last, 2, 20),
        ),
        DemoCase(
            "04-02",
            "u1",
            f"Планы работы отделения на {last} год",
            DEPARTMENT,
            dt.date(last, 1, 10),
            ORLOVA.username,
            (_plan(last, ORLOVA),),
            closed_on=dt.date(last, 12, 29),
        ),
        DemoCase(
            "04-14",
            "u2",
            f"Журнал учёта семей, находящихся в социально опасном положении, за {last} год",
            DEPARTMENT,
            dt.date(last, 1, 9),
            GALIEV.username,
            (
                _note(
                    f"Журнал учёта семей в СОП за {last} год (итоговая запись)",
                    dt.date(last, 12, 26),
                    GALIEV,
                    "На учёте состояло 7 семей; сняты с учёта в связи с улучшением положения 3 семьи.",
                ),
            ),
            closed_on=dt.date(last, 12, 28),
        ),
        # Closed years ago, retention expired: a destruction round.
        DemoCase(
            "04-02",
            "u1",
            f"Планы работы отделения на {older} год",
            DEPARTMENT,
            dt.date(older, 1, 10),
            ORLOVA.username,
            (_plan(older, ORLOVA),),
            closed_on=dt.date(older, 12, 27),
        ),
        DemoCase(
            "04-13",
            "u1",
            f"Журнал учёта посещений граждан на дому за {older} год",
            DEPARTMENT,
            dt.date(older, 1, 9),
            SOKOLOVA.username,
            (_visits_journal(older),),
            closed_on=dt.date(older, 12, 28),
        ),
        DemoCase(
            "04-16",
            "u2",
            f"Документы о «дворовом» социальном менеджменте за {old} год",
            DEPARTMENT,
            dt.date(old, 3, 2),
            GALIEV.username,
            (
                _note(
                    f"План мероприятий «дворового» менеджмента на {old} год",
                    dt.date(old, 3, 2),
                    GALIEV,
                    "Встречи с жителями дворов ул. Сибирской и ул. Молодёжной, субботники, праздник двора.",
                ),
            ),
            closed_on=dt.date(old, 12, 25),
        ),
        DemoCase(
            "04-17",
            "u1",
            f"Документы о реализации технологии «Семейный психолог» за {older} год",
            DEPARTMENT,
            dt.date(older, 2, 4),
            ORLOVA.username,
            (
                _note(
                    f"Отчёт о реализации технологии «Семейный психолог» за {older} год",
                    dt.date(older, 12, 20),
                    ORLOVA,
                    "Курс прошли 9 семей; у 7 семей конфликтность снизилась.",
                    DOCX,
                ),
            ),
            closed_on=dt.date(older, 12, 27),
        ),
        DemoCase(
            "04-15",
            "u2",
            f"Переписка с органами системы профилактики за {older} год",
            DEPARTMENT,
            dt.date(older, 1, 14),
            GALIEV.username,
            (
                _note(
                    "Письмо в КДН и ЗП о семьях в социально опасном положении",
                    dt.date(older, 5, 13),
                    GALIEV,
                    "Направлены сведения о ходе реализации ИППСУ семей, находящихся в СОП.",
                ),
            ),
            closed_on=dt.date(older, 12, 27),
            hold_reason="Запрос прокуратуры города о семьях в СОП: хранить до окончания проверки",
        ),
    )
