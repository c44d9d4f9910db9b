"""Personal files of families (04-05) and citizens (04-06): acts, passports, agreements, conclusions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from demo.content import DemoCase, DemoDocument, document, version
from demo.families import Household, load_household
from demo.forms_family import (
    cooperation_agreement,
    family_passport,
    inspection_act,
)
from demo.forms_office import application, letter, register, scan_note
from demo.forms_programs import ippsu_conclusion
from demo.journal import CATEGORIES
from demo.passport_rows import STAGE_NAMES
from demo.people import GALIEV, ORLOVA, SOKOLOVA, Staff, ddmmyyyy, district, workday
from demo.programs import Conclusion, conclusions
from demo.render import DOCX, PDF, TEXT

FAMILY_FILES = "04-05"
CITIZEN_FILES = "04-06"


@dataclass(frozen=True)
class FamilyPlan:
    household: Household
    opened: dt.date
    act: tuple[dt.date, str]  # date, media type
    passport: str  # media type
    agreement: tuple[dt.date, str, str]  # date, number, media type


def _who(household: Household, *, full: bool = False) -> str:
    """«семья Журавлёвых»; a citizen as «Лукин Г.П.» or, with full=True, the full name."""
    if household.kind == "family":
        return household.name[0].lower() + household.name[1:]
    return household.name if full else household.representative.short


def _case_title(household: Household) -> str:
    return f"Личное дело получателя социальных услуг: {_who(household, full=True)}"


def _subject(household: Household) -> dict[str, Any]:
    return {
        "kind": household.kind,
        "name": household.name,
        "address": household.address,
        "note": household.note,
        "categories": list(CATEGORIES.get(household.name, ())),
    }


def _act(household: Household, staff: Staff, date: dt.date, media: str) -> DemoDocument:
    title = f"Акт обследования материально-бытовых условий: {_who(household)}"
    if not household.draft_conclusion:
        return document(
            "inspection_act",
            title,
            date,
            version(
                inspection_act(household, staff, date),
                media,
                staff,
                "Акт составлен по итогам посещения на дому",
            ),
        )
    return document(
        "inspection_act",
        title,
        date,
        version(inspection_act(household, staff, date, corrected=False), media, staff, "Первичная редакция акта"),
        version(
            inspection_act(household, staff, date),
            media,
            staff,
            "Исправленная редакция: дополнена таблица доходов (единое пособие), уточнено заключение после "
            "повторного "
            "посещения",
        ),
    )


def _passport(household: Household, staff: Staff, media: str) -> DemoDocument:
    plan = household.passport
    assert plan is not None
    versions = tuple(
        version(
            family_passport(household, staff, stage),
            media,
            staff,
            f"{STAGE_NAMES[stage - 1]} от {ddmmyyyy(plan.stages[stage - 1])}",
        )
        for stage in range(1, len(plan.stages) + 1)
    )
    return document("family_passport", f"Социальный паспорт семьи № {plan.number}", plan.stages[0], *versions)


def _conclusion(item: Conclusion, media: str) -> DemoDocument:
    title = f"Заключение по результатам реализации {item.program.split(' от ')[0]}"
    if not item.draft_outcome:
        return document(
            "ippsu_conclusion",
            title,
            item.date,
            version(ippsu_conclusion(item), media, item.specialist, "Заключение подготовлено и согласовано"),
        )
    return document(
        "ippsu_conclusion",
        title,
        item.date,
        version(ippsu_conclusion(item, approved=False), media, item.specialist, "Проект заключения специалиста"),
        version(ippsu_conclusion(item), media, ORLOVA, "Утверждено заведующим: уточнены итог и предложения"),
    )


def _family_case(plan: FamilyPlan, extra: tuple[DemoDocument, ...]) -> DemoCase:
    household = plan.household
    staff = district(household.district).specialist
    act_date, act_media = plan.act
    agreement_date, agreement_number, agreement_media = plan.agreement
    agreement = cooperation_agreement(household, staff, agreement_date, agreement_number)
    documents = (
        _act(household, staff, act_date, act_media),
        _passport(household, staff, plan.passport),
        document(
            "cooperation_agreement",
            f"Соглашение о сотрудничестве № {agreement_number}",
            agreement_date,
            version(agreement, agreement_media, staff, "Подписано сторонами"),
        ),
        *extra,
    )
    return DemoCase(
        FAMILY_FILES,
        household.district,
        _case_title(household),
        _subject(household),
        plan.opened,
        staff.username,
        tuple(sorted(documents, key=lambda item: item.date)),
    )


def _kdn_scan(household: Household, staff: Staff, date: dt.date, number: str, decided: str) -> DemoDocument:
    p = date.year - 1
    note = scan_note(
        "Постановление территориальной комиссии по делам несовершеннолетних и защите их прав",
        (
            ("Реквизиты", f"от {decided}.{p} № {number}"),
            ("Листов", "2"),
            ("Оригинал", "в бумажном личном деле"),
        ),
        "Комиссия постановила: организовать индивидуальную профилактическую работу с семьёй "
        f"{household.genitive}; "
        f"поручить {district(household.district).specialist.initials} (КЦСОН) социальное сопровождение "
        "семьи; "
        "информацию о результатах представить в комиссию ежеквартально.",
        date,
        staff,
    )
    return document(
        "scan", f"Скан: постановление ТКДН и ЗП № {number}", date, version(note, TEXT, staff, "Загружен скан")
    )


def _patronage_log(household: Household, staff: Staff, y: int) -> DemoDocument:
    visits = (
        (
            (1, 15),
            "Обследование условий проживания",
            "Составлен акт; семья предупреждена о совете профилактики",
        ),
        ((1, 29), "Контроль исполнения ИППСУ", "Отец от беседы уклонился; мать выполняет рекомендации"),
        ((2, 26), "Патронаж совместно с инспектором ОДН", "Отец трезв; направлен в центр занятости"),
        ((3, 26), "Контроль посещаемости школы", "Пропусков нет; Артём записан в секцию"),
        ((4, 16), "Плановый патронаж", "Отец трудоустроен с 14.04; график погашения долга согласован"),
        ((5, 14), "Промежуточная диагностика", "Заполнен социальный паспорт (промежуточная диагностика)"),
        ((6, 11), "Плановый патронаж", "Дети направлены в лагерь «Ровесник»"),
        ((8, 13), "Плановый патронаж", "Подготовка детей к школе, выдан набор канцтоваров"),
        ((9, 10), "Контроль погашения долга по ЖКУ", "Долг погашен полностью"),
        ((10, 15), "Заключительная диагностика", "Заполнен социальный паспорт (заключительная диагностика)"),
        ((11, 12), "Итоговая беседа", "Семья ознакомлена с проектом заключения по ИППСУ"),
    )

    def log(until: dt.date) -> tuple[str, tuple[tuple[str, ...], ...]]:
        rows = tuple(
            (ddmmyyyy(workday(y, *day)), purpose, result, staff.initials)
            for day, purpose, result in visits
            if workday(y, *day) <= until
        )
        return ddmmyyyy(until), rows

    versions = []
    for until, comment in (
        (workday(y, 6, 15), "Записи за I полугодие"),
        (workday(y, 11, 13), "Добавлены записи по ноябрь"),
    ):
        stamp, rows = log(until)
        form = register(
            "Лист учёта посещений семьи (социального патроната)",
            (
                ("Получатель социальных услуг", _who(household)),
                ("Адрес", household.full_address),
                ("Состояние на", stamp),
            ),
            ("Дата", "Цель посещения", "Результат, рекомендации", "Специалист"),
            rows,
            until,
            staff,
            (2, 4, 5, 2),
        )
        versions.append(version(form, TEXT, staff, comment))
    return document("other", "Лист учёта посещений семьи (патронаж)", workday(y, 1, 15), *versions)


def family_cases(y: int) -> tuple[DemoCase, ...]:
    found = conclusions(y)
    zh, kr, me, ta = (load_household(key, y) for key in ("zhuravlev", "krylov", "melnikov", "tarasov"))
    zh_case = _family_case(
        FamilyPlan(zh, workday(y, 1, 14), (workday(y, 1, 15), DOCX), DOCX, (workday(y, 1, 26), "7-СС", PDF)),
        (
            _conclusion(found["zhuravlev"], DOCX),
            _kdn_scan(zh, SOKOLOVA, workday(y, 1, 14), "14-исх-1187", "26.12"),
            _patronage_log(zh, SOKOLOVA, y),
        ),
    )
    kr_application = application(
        "Крыловой Екатерины Андреевны",
        kr.full_address,
        workday(y, 2, 2),
        (
            "Прошу оказать помощь моей многодетной семье. В сентябре прошлого года родился наш четвёртый "
            "ребёнок, "
            "я нахожусь в отпуске по уходу за ребёнком, муж работает вахтовым методом. Ежемесячный платёж "
            "по ипотеке "
            "составляет 31 800 руб., после его уплаты денег на детей не хватает.",
            "Прошу проконсультировать о положенных мерах поддержки, помочь с детской кроваткой и коляской "
            "для "
            "младшего сына и, если возможно, с путёвками в летний лагерь для старших детей.",
            "С обработкой моих персональных данных и данных моих детей в целях предоставления социальных "
            "услуг "
            "согласна.",
        ),
        "Е.А. Крылова",
    )
    kr_case = _family_case(
        FamilyPlan(kr, workday(y, 2, 2), (workday(y, 2, 5), PDF), PDF, (workday(y, 2, 19), "11-СС", DOCX)),
        (
            document(
                "other",
                "Заявление об оказании помощи многодетной семье",
                workday(y, 2, 2),
                version(kr_application, TEXT, SOKOLOVA, "Заявление принято на личном приёме"),
            ),
        ),
    )
    me_case = _family_case(
        FamilyPlan(me, workday(y, 1, 13), (workday(y, 1, 14), DOCX), DOCX, (workday(y, 1, 27), "8-СС", PDF)),
        (
            _conclusion(found["melnikov"], PDF),
            _kdn_scan(me, GALIEV, workday(y, 1, 13), "212", "17.12"),
        ),
    )
    ramp = letter(
        (f"Генеральному директору {ta.extra['uk']}", ta.extra["uk_head"]),
        "04-15/118",
        workday(y, 3, 16),
        "Ходатайство об оборудовании подъезда пандусом",
        (
            "В отделении социального сопровождения граждан на социальном "
            f"сопровождении находится семья, проживающая по адресу: {ta.address}, 5 этаж. В семье "
            "воспитывается "
            "ребёнок-инвалид, передвигающийся на кресле-коляске; дом не оборудован лифтом, пандус у входа в "
            "подъезд "
            "отсутствует, что лишает ребёнка возможности самостоятельно выходить на улицу с сопровождающим.",
            "Просим рассмотреть возможность оборудования входной группы подъезда пандусом (откидным "
            "пандусом) и "
            "установки поручней, а также проинформировать учреждение о принятом решении и сроках выполнения "
            "работ.",
            "Согласие законного представителя ребёнка на передачу сведений получено.",
        ),
        GALIEV,
    )
    ta_case = _family_case(
        FamilyPlan(ta, workday(y, 2, 24), (workday(y, 2, 26), PDF), DOCX, (workday(y, 3, 13), "14-СС", DOCX)),
        (
            document(
                "other",
                "Ходатайство в управляющую компанию об оборудовании пандуса",
                workday(y, 3, 16),
                version(ramp, PDF, GALIEV, "Направлено в управляющую компанию"),
            ),
        ),
    )
    return (
        zh_case,
        kr_case,
        me_case,
        ta_case,
        _guseva_case(y, found["guseva"]),
        _lukin_case(y, found["lukin"]),
    )


def _guseva_case(y: int, conclusion: Conclusion) -> DemoCase:
    household = load_household("guseva", y)
    opened = workday(y, 2, 9)
    request = application(
        "Гусевой Антонины Фёдоровны",
        household.full_address,
        workday(y, 2, 11),
        (
            "Прошу признать меня нуждающейся в социальном обслуживании на дому. Проживаю одна, передвигаюсь "
            "с "
            "тростью, самостоятельно ходить в магазин, делать уборку и готовить мне трудно. Сын живёт в "
            "другом регионе.",
            "Прошу также помочь утеплить окна в квартире. С условиями предоставления социальных услуг ознакомлена.",
        ),
        "А.Ф. Гусева",
    )
    documents = (
        _act(household, SOKOLOVA, workday(y, 2, 10), TEXT),
        document(
            "other",
            "Заявление о предоставлении социального обслуживания",
            workday(y, 2, 11),
            version(request, TEXT, SOKOLOVA, "Заявление принято на дому"),
        ),
        _conclusion(conclusion, PDF),
    )
    return DemoCase(
        CITIZEN_FILES, "u1", _case_title(household), _subject(household), opened, SOKOLOVA.username, documents
    )


def _lukin_case(y: int, conclusion: Conclusion) -> DemoCase:
    household = load_household("lukin", y)
    opened = workday(y, 1, 19)
    request = letter(
        ("Начальнику отдела по вопросам миграции", "ОМВД России по г. Кедровогорску"),
        "04-15/37",
        workday(y, 1, 22),
        "Ходатайство о содействии в документировании гражданина",
        (
            f"На социальном сопровождении в учреждении находится {household.name}, "
            f"{ddmmyyyy(household.members[0].birth)} "
            f"г.р., освободившийся из мест лишения свободы 14.11.{y - 1}, временно проживающий по адресу: "
            f"{household.full_address}.",
            "Паспорт гражданина утрачен. Просим оказать содействие в оформлении паспорта гражданина "
            "Российской "
            "Федерации и регистрации по месту пребывания. Копия справки об освобождении прилагается.",
        ),
        GALIEV,
    )
    release = scan_note(
        "Справка об освобождении из исправительного учреждения (копия)",
        (("Дата освобождения", f"14.11.{y - 1}"), ("Листов", "1"), ("Оригинал", "возвращён гражданину")),
        "Справка выдана в связи с освобождением по отбытии срока наказания; указано место следования — "
        "пос. Таёжный. Используется для оформления паспорта и постановки на учёт в центре занятости.",
        opened,
        GALIEV,
    )
    documents = (
        document("scan", "Скан: справка об освобождении", opened, version(release, TEXT, GALIEV, "Загружен скан")),
        _act(household, GALIEV, workday(y, 1, 21), DOCX),
        document(
            "other",
            "Ходатайство о содействии в документировании",
            workday(y, 1, 22),
            version(request, PDF, GALIEV, "Направлено в ОВМ ОМВД"),
        ),
        _conclusion(conclusion, DOCX),
    )
    return DemoCase(
        CITIZEN_FILES, "u2", _case_title(household), _subject(household), opened, GALIEV.username, documents
    )
