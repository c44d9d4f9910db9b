"""Department-level files: district social passports (04-09), ИППСУ (04-07), statistical reports (04-04) and
prevention-council protocols (04-11)."""

from __future__ import annotations

from demo.content import DemoCase, DemoDocument, document, version
from demo.districts_data import INFRASTRUCTURE, JULY_CHANGES, PARTNERS, PASSPORT_ROWS
from demo.forms_office import (
    council_protocol,
    district_passport,
    register,
    report_values,
    statistical_report,
)
from demo.forms_programs import ippsu_conclusion, ippsu_program
from demo.people import (
    DEPARTMENT_GENITIVE,
    DEPARTMENT_TITLE,
    GALIEV,
    ORLOVA,
    SOKOLOVA,
    District,
    district,
    workday,
)
from demo.programs import conclusions, guseva_program
from demo.render import DOCX, PDF, TEXT


def _district_passport(place: District, y: int, media: str) -> DemoDocument:
    versions = []
    for half, date in ((0, workday(y, 1, 14 + place.number)), (1, workday(y, 7, 9 + place.number))):
        rows = tuple((label, values[half]) for label, *values in PASSPORT_ROWS[place.code])
        partners: tuple[tuple[str, ...], ...] = PARTNERS[place.code]
        if half:
            changed = {row[0]: row for row in JULY_CHANGES[place.code]}
            partners = tuple(changed.get(row[0], row) for row in partners)
        extra = (
            f"Паспорт актуализирован за {'I' if half else 'II'} полугодие; граждане «55+» и инвалиды участка "
            "охвачены ежемесячными контактами. Основные проблемы: "
            f"{'ветхий жилой фонд пос. Таёжный, печное отопление, ' if place.code == 'u2' else ''}"
            "одиноко проживающие пожилые граждане на верхних этажах домов без лифта."
        )
        form = district_passport(place, rows, INFRASTRUCTURE[place.code], partners, extra, date)
        comment = (
            "Паспорт участка на начало года" if not half else "Актуализация за I полугодие (численность, партнёры)"
        )
        versions.append(version(form, media, place.specialist, comment))
    title = f"Социальный паспорт участка № {place.number}"
    return document("district_passport", title, workday(y, 1, 14 + place.number), *versions)


def _district_case(place: District, y: int, media: str, extra: DemoDocument) -> DemoCase:
    subject = {"kind": "district", "name": place.name, "address": place.reception}
    title = f"Социальный паспорт социального участка № {place.number} на {y} год"
    documents = (_district_passport(place, y, media), extra)
    return DemoCase("04-09", place.code, title, subject, workday(y, 1, 12), place.specialist.username, documents)


def _contact_list(y: int) -> DemoDocument:
    people = (
        (
            "Гусева Антонина Фёдоровна",
            str(y - 79),
            "ул. Сибирская, д. 6, кв. 2",
            "одиноко проживающая",
            "еженедельно",
        ),
        (
            "Ефимова Галина Петровна",
            str(y - 74),
            "ул. Сибирская, д. 6, кв. 3",
            "одиноко проживающая",
            "ежемесячно",
        ),
        (
            "Морозов Виктор Ильич",
            str(y - 71),
            "ул. Молодёжная, д. 12, кв. 5",
            "инвалид I группы",
            "ежемесячно",
        ),
        (
            "Шубина Раиса Михайловна",
            str(y - 83),
            "ул. Кедровая, д. 2, кв. 41",
            "одинокая, 5 этаж",
            "еженедельно",
        ),
        (
            "Никифоров Пётр Семёнович",
            str(y - 67),
            "ул. Строителей, д. 8, кв. 12",
            "инвалид II группы",
            "ежемесячно",
        ),
        (
            "Лаврентьева Зоя Ивановна",
            str(y - 88),
            "пр. Победы, д. 3, кв. 7",
            "проживает с дочерью",
            "ежемесячно",
        ),
    )
    date = workday(y, 9, 1)
    form = register(
        "Список граждан в возрасте «55+» и инвалидов социального участка № 1 для ежемесячных контактов",
        (("Социальный участок", district("u1").name), ("Специалист", SOKOLOVA.full_name)),
        ("Ф.И.О.", "Год рожд.", "Адрес", "Категория", "Периодичность"),
        people,
        date,
        SOKOLOVA,
        (4, 1, 4, 3, 2),
    )
    return document(
        "other",
        "Список граждан «55+» для ежемесячных контактов",
        date,
        version(form, TEXT, SOKOLOVA, "Список на сентябрь"),
    )


def _street_notes(y: int) -> DemoDocument:
    date = workday(y, 1, 16)
    rows = tuple(
        (street, objects)
        for street, objects in (
            ("пр. Нефтяников", "МБОУ «СОШ № 5»; пункт приёма граждан (д. 30); ОМВД (д. 8)"),
            ("ул. Энтузиастов", "МАДОУ «Детский сад № 9 «Капелька»»"),
            ("ул. Набережная", "Дом культуры «Юность»"),
            ("ул. Полярная", "—"),
            (
                "ул. Лесная (пос. Таёжный)",
                "ФАП (д. 1); МБОУ «Таёжнинская СОШ» (д. 3); администрация поселения",
            ),
            ("ул. Речная (пос. Таёжный)", "—"),
            ("ул. Заозёрная (пос. Таёжный)", "пожарный пост"),
        )
    )
    form = register(
        "Пояснение к карте социального участка № 2: улицы и социально значимые объекты",
        (("Социальный участок", district("u2").name),),
        ("Улица", "Социально значимые объекты"),
        rows,
        date,
        GALIEV,
        (2, 5),
    )
    return document(
        "other", "Пояснение к карте участка № 2", date, version(form, TEXT, GALIEV, "Составлено к паспорту")
    )


def _programs_case(y: int) -> DemoCase:
    found = conclusions(y)
    program = guseva_program(y)
    documents = (
        document(
            "other",
            f"ИППСУ № {program.number} (Гусева А.Ф.)",
            program.date,
            version(ippsu_program(program), DOCX, SOKOLOVA, "Программа подписана получателем"),
        ),
        document(
            "ippsu_conclusion",
            "Заключение по результатам реализации ИППСУ № 98 (Морозов В.И.)",
            found["morozov"].date,
            version(ippsu_conclusion(found["morozov"]), PDF, SOKOLOVA, "Согласовано"),
        ),
        document(
            "ippsu_conclusion",
            "Заключение по результатам реализации ИППСУ № 124 (Сафина Г.Р.)",
            found["safina"].date,
            version(ippsu_conclusion(found["safina"]), DOCX, SOKOLOVA, "Согласовано"),
        ),
    )
    subject = {"kind": "department", "name": DEPARTMENT_TITLE, "note": "участок № 1"}
    title = f"Индивидуальные программы предоставления социальных услуг и заключения по их реализации, {y} год"
    return DemoCase("04-07", "u1", title, subject, workday(y, 1, 12), SOKOLOVA.username, documents)


def _reports_case(y: int) -> DemoCase:
    reports = []
    for quarter, roman, media in ((1, "I", PDF), (2, "II", DOCX)):
        date = workday(y, quarter * 3 + 1, 3)
        form = statistical_report(f"{roman} квартал {y}", report_values(quarter), date, GALIEV)
        reports.append(
            document(
                "statistical_report",
                f"Статистический отчёт за {roman} квартал {y} г.",
                date,
                version(form, media, ORLOVA, "Отчёт сформирован и направлен"),
            )
        )
    # The third quarter's report is computed from the case files when the demo is loaded (demo/loader.py).
    month_date = workday(y, 11, 5)
    october = statistical_report(f"октябрь {y}", report_values(10, monthly=True), month_date, GALIEV)
    reports.append(
        document(
            "statistical_report",
            f"Статистический отчёт за октябрь {y} г.",
            month_date,
            version(october, TEXT, GALIEV, "Ежемесячный мониторинг"),
        )
    )
    subject = {"kind": "department", "name": DEPARTMENT_TITLE, "note": "ежемесячная и квартальная отчётность"}
    title = f"Статистические отчёты о работе {DEPARTMENT_GENITIVE} за {y} год"
    return DemoCase("04-04", "u2", title, subject, workday(y, 1, 12), ORLOVA.username, tuple(reports))


def _council_case(y: int) -> DemoCase:
    present = (
        f"{ORLOVA.initials}, заведующий отделением; {GALIEV.initials}, специалист по работе с семьей; "
        "А.О. Кравец, психолог; Д.А. Рябов, юрисконсульт; приглашены: инспектор ОДН ОМВД, социальный "
        "педагог школы"
    )
    first = council_protocol(
        "1",
        workday(y, 1, 23),
        present,
        (
            (
                "О семье Журавлёвых (ул. Кедровая)",
                f"{SOKOLOVA.initials}: семья признана находящейся в социально опасном положении "
                "постановлением ТКДН и ЗП; "
                "по результатам обследования выявлены злоупотребление отцом алкоголем, долг по ЖКУ, "
                "недостаточный контроль "
                "за детьми.",
                "Поставить семью на социальное сопровождение; утвердить ИППСУ; куратор — М.В. Соколова; "
                "промежуточная "
                "диагностика — не позднее мая.",
            ),
            (
                "О семье Мельниковых (пос. Таёжный)",
                f"{GALIEV.initials}: несовершеннолетний состоит на учёте в ОДН; конфликт матери с сыном; "
                "неисправна печь.",
                "Поставить семью на социальное сопровождение; включить в технологию «Семейный психолог» "
                "(А.О. Кравец); "
                "направить ходатайство в администрацию поселения о ремонте печи.",
            ),
        ),
        SOKOLOVA,
    )
    fifth = council_protocol(
        "5",
        workday(y, 10, 22),
        present,
        (
            (
                "О результатах социального сопровождения семьи Журавлёвых",
                f"{SOKOLOVA.initials}: по итогам заключительной диагностики трудная жизненная ситуация преодолена.",
                "Подготовить заключение по результатам реализации ИППСУ; после утверждения снять семью с "
                "социального "
                "сопровождения, установить постреабилитационный патронат на 6 месяцев.",
            ),
            (
                "О ходе социального сопровождения семьи Мельниковых",
                f"{GALIEV.initials}: конфликтность снизилась, подросток снят с учёта в ОДН.",
                "Продлить социальное сопровождение на 3 месяца с постепенным выходом.",
            ),
        ),
        SOKOLOVA,
    )
    documents = (
        document(
            "other",
            "Протокол заседания совета профилактики № 1",
            workday(y, 1, 23),
            version(first, DOCX, SOKOLOVA, "Протокол оформлен секретарём"),
        ),
        document(
            "other",
            "Протокол заседания совета профилактики № 5",
            workday(y, 10, 22),
            version(fifth, DOCX, SOKOLOVA, "Протокол оформлен секретарём"),
        ),
    )
    subject = {"kind": "department", "name": "Совет профилактики учреждения"}
    title = f"Протоколы заседаний совета профилактики учреждения и документы к ним, {y} год"
    return DemoCase("04-11", "u1", title, subject, workday(y, 1, 12), ORLOVA.username, documents)


def office_cases(y: int) -> tuple[DemoCase, ...]:
    return (
        _district_case(district("u1"), y, DOCX, _contact_list(y)),
        _district_case(district("u2"), y, PDF, _street_notes(y)),
        _programs_case(y),
        _reports_case(y),
        _council_case(y),
    )
