"""A deterministic corpus of realistic Russian case documents, and the queries specialists type, for bench.search.

Every document is one of the built-in forms' example values with the family, staff, town, streets, dates and
numbers replaced, turned into text by `form_text` exactly as the app indexes filled forms. Only the public APIs of
`document_templates` and `search_index` are used, so the corpus keeps working while those change."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from document_templates import FieldSpec, Manifest, builtin_ids, example_values, form_text, load_manifest
from search_index import IndexedDocument

FIRST_YEAR, LAST_YEAR = 2019, 2026
YEAR_WEIGHTS = (6, 7, 8, 9, 10, 11, 12, 12)  # 2019..2026: more files in recent years
DISTRICTS = ("u1", "u2", "u3", "u4", "u5", "u6")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NOMENCLATURE = {
    "04-01": "Положение об отделении социального сопровождения граждан",
    "04-02": "Планы работы отделения социального сопровождения граждан (годовые, квартальные, месячные)",
    "04-03": "Годовые отчёты о работе отделения социального сопровождения граждан",
    "04-04": "Статистические отчёты о работе отделения социального сопровождения граждан (месячные, квартальные)",
    "04-05": "Личные дела получателей социальных услуг (семьи с детьми)",
    "04-06": "Личные дела получателей социальных услуг (граждане пожилого возраста, инвалиды, иные граждане)",
    "04-07": "Индивидуальные программы предоставления социальных услуг и заключения по результатам их реализации",
    "04-08": "Акты обследования материально-бытовых условий проживания семей, отдельных категорий граждан",
    "04-09": "Социальные паспорта социальных участков",
    "04-10": "Соглашения о сотрудничестве при реализации ИППСУ",
    "04-11": "Протоколы заседаний совета профилактики учреждения и документы к ним",
    "04-12": "Журнал учёта граждан, обратившихся в отделение",
}

# Male surnames; the other forms are derived (Иванов → Иванова, Ивановых, Ивановой, Ивановыми...).
SURNAMES = _words(
    """
    Иванов Петров Смирнов Кузнецов Попов Васильев Михайлов Новиков Фёдоров Морозов Волков Алексеев
    Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Макаров Никитин Захаров Зайцев Соловьёв
    Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Дмитриев Королёв Гусев Киселёв
    Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов
    Филиппов Комаров Давыдов Беляев Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов
    Карпов Власов Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Фомин Чернов Абрамов Мартынов
    Ефимов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Лазарев Воронин Пономарёв Голубев
    Кудрявцев Прохоров Наумов Журавлёв Трофимов Ермаков Гончаров Грачёв Котов Громов Кириллов Малышев
    Анисимов Ерёмин Скворцов Нестеров Цветков Хабибуллин Гарипов Сафин Валиев Ахметов Шайхутдинов
    Ковальский Завадский Островский Высоцкий Бондаренко Кравченко Петренко Шевченко Лысенко
    """
)

# Male first names: genitive, then the patronymics they give (male, female).
MALE_NAMES = (
    ("Иван", "Ивана", "Иванович", "Ивановна"),
    ("Сергей", "Сергея", "Сергеевич", "Сергеевна"),
    ("Андрей", "Андрея", "Андреевич", "Андреевна"),
    ("Алексей", "Алексея", "Алексеевич", "Алексеевна"),
    ("Дмитрий", "Дмитрия", "Дмитриевич", "Дмитриевна"),
    ("Александр", "Александра", "Александрович", "Александровна"),
    ("Михаил", "Михаила", "Михайлович", "Михайловна"),
    ("Николай", "Николая", "Николаевич", "Николаевна"),
    ("Владимир", "Владимира", "Владимирович", "Владимировна"),
    ("Евгений", "Евгения", "Евгеньевич", "Евгеньевна"),
    ("Павел", "Павла", "Павлович", "Павловна"),
    ("Юрий", "Юрия", "Юрьевич", "Юрьевна"),
    ("Олег", "Олега", "Олегович", "Олеговна"),
    ("Виктор", "Виктора", "Викторович", "Викторовна"),
    ("Игорь", "Игоря", "Игоревич", "Игоревна"),
    ("Роман", "Романа", "Романович", "Романовна"),
    ("Денис", "Дениса", "Денисович", "Денисовна"),
    ("Артём", "Артёма", "Артёмович", "Артёмовна"),
    ("Максим", "Максима", "Максимович", "Максимовна"),
    ("Константин", "Константина", "Константинович", "Константиновна"),
    ("Илья", "Ильи", "Ильич", "Ильинична"),
    ("Ринат", "Рината", "Ринатович", "Ринатовна"),
    ("Рустам", "Рустама", "Рустамович", "Рустамовна"),
    ("Василий", "Василия", "Васильевич", "Васильевна"),
    ("Анатолий", "Анатолия", "Анатольевич", "Анатольевна"),
    ("Вячеслав", "Вячеслава", "Вячеславович", "Вячеславовна"),
    ("Егор", "Егора", "Егорович", "Егоровна"),
    ("Матвей", "Матвея", "Матвеевич", "Матвеевна"),
    ("Кирилл", "Кирилла", "Кириллович", "Кирилловна"),
    ("Тимур", "Тимура", "Тимурович", "Тимуровна"),
)
FEMALE_NAMES = (
    ("Ольга", "Ольги"),
    ("Наталья", "Натальи"),
    ("Елена", "Елены"),
    ("Татьяна", "Татьяны"),
    ("Ирина", "Ирины"),
    ("Светлана", "Светланы"),
    ("Марина", "Марины"),
    ("Анна", "Анны"),
    ("Юлия", "Юлии"),
    ("Екатерина", "Екатерины"),
    ("Мария", "Марии"),
    ("Дарья", "Дарьи"),
    ("Полина", "Полины"),
    ("Анастасия", "Анастасии"),
    ("Ксения", "Ксении"),
    ("Алёна", "Алёны"),
    ("Виктория", "Виктории"),
    ("Людмила", "Людмилы"),
    ("Галина", "Галины"),
    ("Надежда", "Надежды"),
    ("Оксана", "Оксаны"),
    ("Лилия", "Лилии"),
    ("Гульнара", "Гульнары"),
    ("Эльвира", "Эльвиры"),
    ("Валентина", "Валентины"),
    ("Софья", "Софьи"),
    ("Алина", "Алины"),
    ("Вероника", "Вероники"),
    ("Кристина", "Кристины"),
    ("Евгения", "Евгении"),
)

# Staff of the departments: the first twelve are the district specialists (two per district), who author files.
STAFF = (
    "Соколова Марина Викторовна",
    "Орлова Татьяна Сергеевна",
    "Гарипова Лилия Ахатовна",
    "Лаптева Елена Николаевна",
    "Ахмедова Диана Руслановна",
    "Галиев Ринат Ильдарович",
    "Никифорова Анна Олеговна",
    "Шарипова Гульнара Ринатовна",
    "Кузьмина Наталья Олеговна",
    "Тарасова Инна Геннадьевна",
    "Мельникова Юлия Артёмовна",
    "Бондаренко Светлана Игоревна",
    "Ефимова Алла Рашидовна",
    "Волкова Ирина Павловна",
    "Зайнуллина Альфия Рустамовна",
    "Сидоренко Олег Викторович",
    "Лысенко Оксана Петровна",
    "Петренко Юлия Сергеевна",
)


@dataclass(frozen=True)
class Town:
    name: str  # Сургут
    prepositional: str  # в г. Сургуте
    dative: str  # по г. Сургуту
    adjective: str  # stem: Сургутск(ий, ая, ие)
    postcode: str
    weight: int
    microdistricts: bool = False  # addresses like "мкр. 11, д. 5, кв. 12"


TOWNS = (
    Town("Сургут", "Сургуте", "Сургуту", "Сургутск", "628400", 10),
    Town("Нижневартовск", "Нижневартовске", "Нижневартовску", "Нижневартовск", "628600", 8),
    Town("Нефтеюганск", "Нефтеюганске", "Нефтеюганску", "Нефтеюганск", "628300", 6, microdistricts=True),
    Town("Ханты-Мансийск", "Ханты-Мансийске", "Ханты-Мансийску", "Ханты-Мансийск", "628000", 4),
    Town("Когалым", "Когалыме", "Когалыму", "Когалымск", "628480", 3),
    Town("Нягань", "Нягани", "Нягани", "Няганск", "628180", 3),
    Town("Мегион", "Мегионе", "Мегиону", "Мегионск", "628680", 2),
    Town("Пыть-Ях", "Пыть-Яхе", "Пыть-Яху", "Пыть-Яхск", "628380", 2, microdistricts=True),
    Town("Лангепас", "Лангепасе", "Лангепасу", "Лангепасск", "628670", 2),
    Town("Урай", "Урае", "Ураю", "Урайск", "628280", 2),
    Town("Югорск", "Югорске", "Югорску", "Югорск", "628260", 2),
    Town("Лянтор", "Лянторе", "Лянтору", "Лянторск", "628449", 1),
)
STREETS = _words(
    """
    Ленина Мира Гагарина Школьная Советская Центральная Молодёжная Набережная Лесная Нефтяников
    Строителей Энергетиков Геологов Комсомольская Спортивная Садовая Северная Юбилейная Первомайская
    Пушкина Чехова Югорская Студенческая Маяковского Сибирская Таёжная Кедровая Береговая Зелёная
    Октябрьская Победы Университетская Профсоюзная Губкина Есенина Ломоносова Дружбы Салманова
    """
)

# Field sentences mixed into the free-text fields: abbreviations of the trade and inflected forms.
SENTENCES = (
    "Семья {fam} признана находящейся в социально опасном положении (СОП) постановлением КДН и ЗП от {date}.",
    "Семья {fam} состоит на учете в КДН и ЗП г. {town} с {date}, семья в СОП.",
    "Несовершеннолетний {child} направлен на ПМПК; заключение ПМПК от {date}: обучение по адаптированной программе.",
    "Рекомендовано оформить направление на МСЭ для установления группы инвалидности.",
    "Ребенку-инвалиду разработана ИПРА по результатам МСЭ от {date}.",
    "Многодетная семья {fam}: трое несовершеннолетних детей, назначено единое пособие на детей.",
    "Семья многодетная, получено удостоверение многодетной семьи, оформлено пособие многодетным семьям.",
    "Выявлены признаки ТЖС: малообеспеченность, задолженность по оплате жилищно-коммунальных услуг.",
    "Граждане, проживающие по адресу: г. {town}, ул. {street}, д. {house}, кв. {flat}, нуждаются в сопровождении.",
    "Со слов соседей, проживающих в кв. {flat}, жалоб на семью {fam} не поступало.",
    "Семья {fam} снята с социального сопровождения в связи с преодолением ТЖС.",
    "Информация направлена в орган опеки и попечительства по г. {town_dat}.",
    "Проведено повторное обследование жилищно-бытовых условий семьи {fam}.",
    "Мать получает пособие по уходу за ребенком до полутора лет.",
    "Отец несовершеннолетних лишен родительских прав решением суда от {date}.",
    "Несовершеннолетний {child} состоит на профилактическом учете в ПДН ОМВД России по г. {town_dat}.",
    "Разработана ИППСУ № 86-{n:04d}-{year}-{m:03d}, срок реализации ИППСУ — 6 месяцев.",
    "С семьей {fam} заключено соглашение о сотрудничестве при реализации ИППСУ.",
    "Семьей {fam} получена единовременная материальная помощь в размере {money} руб.",
    "Оказана материальная помощь: продуктовый набор, средства гигиены, школьные принадлежности.",
    "Направлено ходатайство в КДН и ЗП о ненадлежащем исполнении родительских обязанностей.",
    "Рекомендована консультация врача психиатра-нарколога: {other} злоупотребляет спиртными напитками.",
    "Приемная семья: воспитываются двое детей, оставшихся без попечения родителей.",
    "Супруги {fam_nom} обратились за консультацией по оформлению мер социальной поддержки.",
    "Гражданин пожилого возраста проживает один, нуждается в социальном обслуживании на дому; инвалид II группы.",
    "Семья признана нуждающейся в социальном обслуживании, ТЖС подтверждена.",
    "Проведен социальный патронаж семьи {fam}, нарушений прав несовершеннолетних не выявлено.",
    "Дети посещают МБОУ «СОШ № {school}» и детский сад, пропусков занятий без уважительной причины нет.",
    "Реабилитационные мероприятия по ИПРА выполнены, рекомендовано повторное освидетельствование в бюро МСЭ.",
    "{rep} ознакомлен(а) с условиями предоставления социальных услуг, согласие на обработку данных получено.",
)

SIGNED_BY_FAMILY = frozenset({"cooperation_agreement", "ippsu_conclusion"})

# The same for the department's own papers (district passports, reports), which name no family.
OFFICE_TYPES = frozenset({"district_passport", "statistical_report"})
OFFICE_SENTENCES = (
    "На участке выявлено {k} семей в СОП, сведения направлены в КДН и ЗП по г. {town_dat}.",
    "Количество многодетных семей на участке — {k}, из них получают единое пособие на детей — {k2}.",
    "Проведены подворовые обходы, выявлено {k} одиноко проживающих граждан пожилого возраста.",
    "Разработано {k} ИППСУ, заключения по результатам реализации ИППСУ составлены по {k2} программам.",
    "Направлено на ПМПК {k} несовершеннолетних, на МСЭ — {k2} граждан.",
    "Семей, находящихся в ТЖС, — {k}; снято с социального сопровождения — {k2}.",
    "Совместно с КДН и ЗП проведено {k} рейдов по семьям, находящимся в социально опасном положении.",
    "Проведены мероприятия технологии «Семейный психолог»: {k} консультаций, {k2} тренингов.",
    "Оказана материальная помощь {k} малообеспеченным семьям с детьми.",
    "Граждане, проживающие по ул. {street}, обслуживаются специалистом участка № {district}.",
    "Инвалидов I группы — {k2}, II группы — {k}, детей-инвалидов — {k2}.",
    "Заключено {k} соглашений о сотрудничестве, приемных семей на учете — {k2}.",
)

TITLES = {
    "inspection_act": (
        "Акт обследования материально-бытовых условий: семья {fam}",
        "Акт обследования МБУ семьи {fam}",
        "Акт повторного обследования: {rep}",
        "Акт обследования жилищно-бытовых условий {rep_short_gen}",
    ),
    "family_passport": ("Социальный паспорт семьи {fam}", "Социальный паспорт семьи: {rep}"),
    "cooperation_agreement": ("Соглашение о сотрудничестве: {rep}", "Соглашение о сотрудничестве с семьей {fam}"),
    "ippsu_conclusion": ("Заключение по результатам реализации ИППСУ: семья {fam}", "Заключение по ИППСУ: {rep}"),
    "district_passport": (
        "Социальный паспорт участка № {district} (г. {town})",
        "Паспорт социального участка № {district}",
    ),
    "statistical_report": (
        "Статистический отчет за {period} {year} г.",
        "Отчет о работе отделения за {period} {year} г.",
    ),
}


@dataclass(frozen=True)
class CaseKind:
    nomenclature: str
    weight: int
    types: tuple[str, ...]  # for personal files, in the order documents usually join the file
    max_docs: int
    personal: bool = False  # every document of the file is about the same family


CASE_KINDS = (
    CaseKind(
        "04-05",
        60,
        (
            "inspection_act",
            "family_passport",
            "cooperation_agreement",
            "inspection_act",
            "ippsu_conclusion",
            "inspection_act",
        ),
        6,
        personal=True,
    ),
    CaseKind("04-06", 8, ("inspection_act", "cooperation_agreement", "ippsu_conclusion"), 3, personal=True),
    CaseKind("04-07", 6, ("ippsu_conclusion",), 8),
    CaseKind("04-08", 6, ("inspection_act",), 8),
    CaseKind("04-09", 4, ("district_passport",), 2),
    CaseKind("04-04", 4, ("statistical_report",), 4),
    CaseKind("04-10", 4, ("cooperation_agreement",), 6),
    CaseKind("04-11", 3, ("family_passport", "inspection_act"), 5),
    CaseKind("04-12", 2, ("inspection_act", "cooperation_agreement"), 4),
    CaseKind("04-03", 1, ("statistical_report",), 1),
    CaseKind("04-02", 1, ("statistical_report", "district_passport"), 2),
    CaseKind("04-01", 1, ("district_passport",), 1),
)


@dataclass(frozen=True)
class Surname:
    male: str  # Иванов
    female: str  # Иванова
    plural_gen: str  # (семья) Ивановых
    female_gen: str  # (у) Ивановой
    male_gen: str  # (у) Иванова
    plural_nom: str  # (супруги) Ивановы


def surname(male: str) -> Surname:
    if male.endswith(("ский", "цкий")):
        stem = male[:-2]
        return Surname(male, stem + "ая", stem + "их", stem + "ой", stem + "ого", stem + "ие")
    if male.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return Surname(male, male + "а", male + "ых", male + "ой", male + "а", male + "ы")
    return Surname(male, male, male, male, male, male)  # Бондаренко: the same in every form


@dataclass(frozen=True)
class Name:
    last: str
    first: str
    patronymic: str
    last_gen: str = ""

    @property
    def full(self) -> str:
        return f"{self.last} {self.first} {self.patronymic}"

    @property
    def initials(self) -> str:
        return f"{self.first[0]}. {self.patronymic[0]}."

    @property
    def short(self) -> str:
        return f"{self.last} {self.initials}"

    @property
    def short_gen(self) -> str:
        return f"{self.last_gen or self.last} {self.initials}"

    @property
    def signature(self) -> str:
        return f"{self.initials} {self.last}"


def staff_name(full: str) -> Name:
    last, first, patronymic = full.split()
    return Name(last, first, patronymic)


@dataclass(frozen=True)
class Family:
    surname: Surname
    rep: Name  # the parent who represents the family; either gender
    other_parent: Name
    children: tuple[Name, Name, Name]  # son, daughter, son: the roles the examples give them
    children_first_gen: tuple[str, str, str]
    town: Town
    home: str  # "ул. Ленина, д. 5, кв. 12"


@dataclass(frozen=True)
class Case:
    case_id: int
    number: str  # 04-05/2026/017
    kind: CaseKind
    year: int
    district: str
    town: Town
    specialist: Name


@dataclass(frozen=True)
class Form:
    manifest: Manifest
    example: dict[str, Any]
    base_date: dt.date  # the example's first date: the document date everything else moves with


# The people, places and numbers the examples name, replaced as whole words in every string of a document.
_EXAMPLE_WORDS = (
    "Журавлёва Ольга Петровна",
    "Карпова Наталья Сергеевна",
    "Журавлёв Андрей Сергеевич",
    "Журавлёв Илья Андреевич",
    "Журавлёва Дарья Андреевна",
    "Журавлёвой О. П.",
    "Журавлёва О. П.",
    "О. П. Журавлёва",
    "Журавлёвых",
    "Журавлёвой",
    "Журавлёва",
    "Журавлёв",
    "Ольга",
    "Наталья",
    "Илья",
    "Дарья",
    "Егор",
    "Егора",
    "Полина",
    "Полины",
    "Матвея",
    "Соколова Марина Викторовна",
    "Соколова М. В.",
    "Гарипова Лилия Ахатовна",
    "Гарипова Л. А.",
    "Орлова Т. С.",
    "Лаптева Елена Николаевна",
    "Е. Н. Лаптева",
    "Галиев Р. И.",
    "Ахмедова Д. Р.",
    "Кедровогорский",
    "Кедровогорская",
    "Кедровогорские",
    "Кедровогорске",
    "Кедровогорску",
    "Кедровогорск",
    "628499",
    "Кедровая",
    "Таёжная",
    "Нефтяников",
    "Молодёжная",
    "Береговая",
    "Береговой",
    "Строителей",
    "Геологов",
    "Ленина",
)
_EXAMPLE_STREETS = ("Кедровая", "Таёжная", "Нефтяников", "Молодёжная", "Береговая", "Строителей", "Геологов", "Ленина")
_WORDS_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(word) for word in sorted(_EXAMPLE_WORDS, key=len, reverse=True)) + r")(?!\w)"
)
_ADDRESS_RE = re.compile(r"(?:ул\.|мкр\.) [^,\n]+, д\. \d+, кв\. \d+")
_YEAR_RE = re.compile(r"(?<!\d)20[0-3]\d(?!\d)")
_MONEY_RE = re.compile(r"^\d+\.\d\d$")


class CorpusGenerator:
    """N documents grouped into case files; the same seed gives the same documents."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.forms = {type_id: _form(type_id) for type_id in builtin_ids()}
        self.surnames = [surname(male) for male in SURNAMES]
        self.staff = [staff_name(full) for full in STAFF]
        self._case_numbers: dict[tuple[str, int], int] = {}

    def documents(self, count: int) -> Iterator[IndexedDocument]:
        document_id, case_id = 0, 0
        kinds = [kind for kind in CASE_KINDS if any(t in self.forms for t in kind.types)]
        while document_id < count:
            case_id += 1
            case = self._case(case_id, self.rng.choices(kinds, weights=[k.weight for k in kinds])[0])
            for type_id, family, date in self._case_documents(case):
                document_id += 1
                yield self._document(document_id, case, type_id, family, date)
                if document_id == count:
                    return

    def _case(self, case_id: int, kind: CaseKind) -> Case:
        year = self.rng.choices(range(FIRST_YEAR, LAST_YEAR + 1), weights=YEAR_WEIGHTS)[0]
        district_index = self.rng.randrange(len(DISTRICTS))
        sequence = self._case_numbers[kind.nomenclature, year] = (
            self._case_numbers.get((kind.nomenclature, year), 0) + 1
        )
        return Case(
            case_id=case_id,
            number=f"{kind.nomenclature}/{year}/{sequence:03d}",
            kind=kind,
            year=year,
            district=DISTRICTS[district_index],
            town=self.rng.choices(TOWNS, weights=[town.weight for town in TOWNS])[0],
            specialist=self.staff[district_index * 2 + self.rng.randrange(2)],
        )

    def _case_documents(self, case: Case) -> list[tuple[str, Family, dt.date]]:
        types = [t for t in case.kind.types if t in self.forms]
        count = self.rng.randint(1, case.kind.max_docs)
        if case.kind.personal:
            family = self._family(case.town)
            chosen = [(t, family) for t in (types * case.kind.max_docs)[:count]]
        else:
            chosen = [(self.rng.choice(types), self._family(case.town)) for _ in range(count)]
        start = dt.date(case.year, 1, 1).toordinal()
        end = min(dt.date(case.year, 12, 31), dt.date(LAST_YEAR, 12, 31)).toordinal()
        dates = sorted(dt.date.fromordinal(self.rng.randint(start, end)) for _ in chosen)
        return [(type_id, family, date) for (type_id, family), date in zip(chosen, dates, strict=True)]

    def _family(self, town: Town) -> Family:
        rng = self.rng
        family = rng.choice(self.surnames)
        # The father's first name gives the children their patronymics; the parents' own come from anyone.
        father_first, _, son_patronymic, daughter_patronymic = rng.choice(MALE_NAMES)
        father = Name(family.male, father_first, rng.choice(MALE_NAMES)[2], family.male_gen)
        mother_first, _ = rng.choice(FEMALE_NAMES)
        mother = Name(family.female, mother_first, rng.choice(MALE_NAMES)[3], family.female_gen)
        sons = rng.sample(MALE_NAMES, 2)
        daughter_first, daughter_gen = rng.choice(FEMALE_NAMES)
        children = (
            Name(family.male, sons[0][0], son_patronymic, family.male_gen),
            Name(family.female, daughter_first, daughter_patronymic, family.female_gen),
            Name(family.male, sons[1][0], son_patronymic, family.male_gen),
        )
        rep_is_father = rng.random() < 0.2
        return Family(
            surname=family,
            rep=father if rep_is_father else mother,
            other_parent=mother if rep_is_father else father,
            children=children,
            children_first_gen=(sons[0][1], daughter_gen, sons[1][1]),
            town=town,
            home=self._home(town),
        )

    def _home(self, town: Town) -> str:
        rng = self.rng
        if town.microdistricts and rng.random() < 0.6:
            place = f"мкр. {rng.randint(1, 16)}"
        else:
            place = f"ул. {rng.choice(STREETS)}"
        return f"{place}, д. {rng.randint(1, 60)}, кв. {rng.randint(1, 120)}"

    def _document(self, document_id: int, case: Case, type_id: str, family: Family, date: dt.date) -> IndexedDocument:
        form = self.forms[type_id]
        filler = _Filler(self, case, family, date, form.base_date)
        values = {
            spec.name: filler.vary(spec, form.example[spec.name])
            for spec in form.manifest.fields
            if spec.name in form.example
        }
        if "district_number" in values:
            values["district_number"] = case.district.removeprefix("u")
        free_text = [spec.name for spec in form.manifest.fields if spec.type == "long_text" and values.get(spec.name)]
        if free_text and self.rng.random() < 0.9:
            target = self.rng.choice(free_text)
            pool = OFFICE_SENTENCES if type_id in OFFICE_TYPES else SENTENCES
            extra = [filler.sentence(pool) for _ in range(self.rng.randint(1, 4))]
            values[target] = " ".join([values[target], *extra])
        title = self.rng.choice(TITLES.get(type_id, (form.manifest.title,))).format(
            **filler.placeholders(), period=values.get("period", ""), district=case.district.removeprefix("u")
        )
        return make_document(
            document_id=document_id,
            version=self.rng.choices((1, 2, 3), weights=(7, 2, 1))[0],
            case_id=case.case_id,
            case_number=case.number,
            title=title,
            type=type_id,
            date=date,
            district=case.district,
            nomenclature=case.kind.nomenclature,
            nomenclature_title=NOMENCLATURE[case.kind.nomenclature],
            year=case.year,
            text=form_text(form.manifest, values),
            author=case.specialist.full,
            signers=self._signers(type_id, case, family),
        )

    def _signers(self, type_id: str, case: Case, family: Family) -> str:
        """Who signed the version (dropped by make_document while IndexedDocument has no such field)."""
        if self.rng.random() < 0.2:  # a draft: not signed yet
            return ""
        names = [case.specialist.full]
        if type_id in SIGNED_BY_FAMILY:
            names.append(family.rep.full)
        return ", ".join(names)


class _Filler:
    """One document's substitutions: who, where and when, applied to every value of the example."""

    def __init__(self, corpus: CorpusGenerator, case: Case, family: Family, date: dt.date, base: dt.date) -> None:
        self.rng = corpus.rng
        self.case = case
        self.family = family
        self.date = date
        self.day_shift = dt.timedelta(days=(date - base).days)
        self.year_shift = date.year - base.year
        self.staff = corpus.staff
        self._addresses: dict[str, str] = {}

    @cached_property
    def words(self) -> dict[str, str]:
        family, town, rng = self.family, self.family.town, self.rng
        rep, other = family.rep, family.other_parent
        son, daughter, _ = family.children  # only the younger son's genitive first name appears in the examples
        son_gen, daughter_gen, son2_gen = family.children_first_gen
        author = self.case.specialist
        psychologist, head, director, deputy, lawyer = rng.sample(self.staff[12:], 5)
        streets = dict(zip(_EXAMPLE_STREETS, rng.sample(STREETS, len(_EXAMPLE_STREETS)), strict=True))
        return {
            "Журавлёва Ольга Петровна": rep.full,
            "Карпова Наталья Сергеевна": rep.full,
            "Журавлёв Андрей Сергеевич": other.full,
            "Журавлёв Илья Андреевич": son.full,
            "Журавлёва Дарья Андреевна": daughter.full,
            "Журавлёвой О. П.": rep.short_gen,
            "Журавлёва О. П.": rep.short,
            "О. П. Журавлёва": rep.signature,
            "Журавлёвых": family.surname.plural_gen,
            "Журавлёвой": family.surname.female_gen,
            "Журавлёва": family.surname.female,
            "Журавлёв": family.surname.male,
            "Ольга": rep.first,
            "Наталья": rep.first,
            "Илья": son.first,
            "Дарья": daughter.first,
            "Егор": son.first,
            "Егора": son_gen,
            "Полина": daughter.first,
            "Полины": daughter_gen,
            "Матвея": son2_gen,
            "Соколова Марина Викторовна": author.full,
            "Соколова М. В.": author.short,
            "Гарипова Лилия Ахатовна": psychologist.full,
            "Гарипова Л. А.": psychologist.short,
            "Орлова Т. С.": head.short,
            "Лаптева Елена Николаевна": director.full,
            "Е. Н. Лаптева": director.signature,
            "Галиев Р. И.": deputy.short,
            "Ахмедова Д. Р.": lawyer.short,
            "Кедровогорский": town.adjective + "ий",
            "Кедровогорская": town.adjective + "ая",
            "Кедровогорские": town.adjective + "ие",
            "Кедровогорске": town.prepositional,
            "Кедровогорску": town.dative,
            "Кедровогорск": town.name,
            "628499": town.postcode,
            **streets,
            "Береговой": streets["Береговая"],
        }

    def text(self, value: str) -> str:
        value = _WORDS_RE.sub(lambda match: self.words[match.group(0)], value)
        value = _ADDRESS_RE.sub(self._address, value)
        if self.year_shift:
            value = _YEAR_RE.sub(lambda match: str(int(match.group(0)) + self.year_shift), value)
        return value

    def _address(self, match: re.Match[str]) -> str:
        """The first flat an example names is the family's home; any other gets an address of its own."""
        seen = match.group(0)
        if seen not in self._addresses:
            self._addresses[seen] = self.family.home if not self._addresses else self._other_home()
        return self._addresses[seen]

    def _other_home(self) -> str:
        return f"ул. {self.rng.choice(STREETS)}, д. {self.rng.randint(1, 60)}, кв. {self.rng.randint(1, 120)}"

    def vary(self, spec: FieldSpec, value: Any) -> Any:
        if spec.type == "table":
            columns = {column.name: column for column in spec.columns}
            return [
                {
                    name: self.scalar(columns[name].type, columns[name].options, name, cell)
                    if name in columns
                    else cell
                    for name, cell in row.items()
                }
                for row in value or []
            ]
        if spec.type == "diagnostic" and isinstance(value, dict):
            return {
                stage: self.scalar("choice" if spec.options else "text", spec.options, spec.name, v)
                for stage, v in value.items()
            }
        if spec.type == "multi_choice" and spec.options:
            return self.rng.sample(spec.options, self.rng.randint(1, min(3, len(spec.options))))
        return self.scalar(spec.type, spec.options, spec.name, value)

    def scalar(self, kind: str, options: tuple[str, ...], name: str, value: Any) -> Any:
        rng = self.rng
        if value is None or value == "" or isinstance(value, bool):
            return rng.random() < 0.25 if isinstance(value, bool) else value
        if kind == "date" and isinstance(value, str):
            return (dt.date.fromisoformat(value) + self.day_shift).isoformat()
        if kind == "choice" and options and value in options:
            return rng.choice(options)
        if kind == "number" and isinstance(value, int | float):
            if "year" in name:
                return self.date.year
            scaled = value * rng.uniform(0.6, 1.4)
            return round(scaled) if isinstance(value, int) else round(scaled, 1)
        if kind == "money" and isinstance(value, str) and _MONEY_RE.match(value):
            return f"{float(value) * rng.uniform(0.6, 1.4):.2f}"
        return self.text(value) if isinstance(value, str) else value

    def placeholders(self) -> dict[str, Any]:
        family, town = self.family, self.family.town
        return {
            "fam": family.surname.plural_gen,
            "fam_nom": family.surname.plural_nom,
            "rep": family.rep.full,
            "rep_short_gen": family.rep.short_gen,
            "other": family.other_parent.full,
            "child": family.children[0].full,
            "town": town.name,
            "town_dat": town.dative,
            "year": self.date.year,
        }

    def sentence(self, pool: tuple[str, ...]) -> str:
        rng = self.rng
        on = dt.date.fromordinal(self.date.toordinal() - rng.randint(0, 400))
        return rng.choice(pool).format(
            **self.placeholders(),
            date=on.strftime("%d.%m.%Y"),
            street=rng.choice(STREETS),
            house=rng.randint(1, 60),
            flat=rng.randint(1, 120),
            n=rng.randint(1, 9999),
            m=rng.randint(1, 300),
            money=f"{rng.randint(2, 30) * 1000:,}".replace(",", " "),
            school=rng.randint(1, 12),
            k=rng.randint(2, 40),
            k2=rng.randint(1, 15),
            district=self.case.district.removeprefix("u"),
        )


def _form(type_id: str) -> Form:
    manifest = load_manifest(type_id)
    example = example_values(type_id)
    dates = [example[spec.name] for spec in manifest.fields if spec.type == "date" and example.get(spec.name)]
    return Form(manifest, example, dt.date.fromisoformat(dates[0]) if dates else dt.date(LAST_YEAR, 1, 1))


def make_document(**values: Any) -> IndexedDocument:
    """An IndexedDocument of whatever fields it has today: unknown ones are dropped, new required ones blank."""
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(IndexedDocument):
        if field.name in values:
            kwargs[field.name] = values[field.name]
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            kwargs[field.name] = _blank(str(field.type))
    return IndexedDocument(**kwargs)


def _blank(annotation: str) -> Any:
    if "None" in annotation:
        return None
    for prefix, blank in (("str", ""), ("int", 0), ("float", 0.0), ("bool", False), ("frozenset", frozenset())):
        if annotation.startswith(prefix):
            return blank
    return () if annotation.startswith("tuple") else None


def build_corpus(count: int, seed: int) -> list[IndexedDocument]:
    return list(CorpusGenerator(seed).documents(count))


# What specialists type: names in any case form, abbreviations, addresses, "phrases", -exclusions, prefix*,
# case numbers and a few typos.
QUERIES = (
    # families and people, inflected
    "акт обследования семьи Ивановых",
    "семьёй Петровых",
    "Смирнова Ольга",
    "социальный паспорт семьи Кузнецовых",
    "соглашение о сотрудничестве Попова",
    "Соловьевых",
    "семья Воробьёвых многодетная",
    "Королева Наталья Сергеевна",
    "Журавлевой",
    "у Волковой задолженность",
    "Лебедевы",
    "Морозовым оказана помощь",
    "Ковальская",
    "заключение ИППСУ Захаровых",
    "Никитина Дарья",
    "Бондаренко",
    "Хабибуллиных",
    "Егоров Илья Андреевич",
    "дети Фёдоровых",
    "Ивановой Марии",
    # abbreviations and topics
    "ИППСУ 2025 заключение",
    "многодетная семья пособие",
    "СОП семья",
    "КДН и ЗП постановление",
    "ПМПК заключение ребенок",
    "МСЭ инвалидность",
    "ТЖС малообеспеченность",
    "трудная жизненная ситуация",
    "задолженность по оплате жилищно-коммунальных услуг",
    "единое пособие на детей",
    "субсидия на оплату жилого помещения",
    "алименты не выплачивает",
    "злоупотребление алкоголем",
    "лишен родительских прав",
    "социально опасное положение",
    "приёмная семья",
    "ребенок-инвалид",
    "неполная семья мать одна воспитывает",
    "центр занятости населения",
    "летний отдых детей лагерь",
    "консультация психолога сын",
    "социальный патронаж",
    "материальная помощь продуктовый набор",
    "снятие с социального сопровождения",
    "удостоверение многодетной семьи",
    # addresses and towns
    "проживающих Ленина 5",
    "ул. Мира д. 12",
    "Сургут",
    "г. Нефтеюганск ул. Мира",
    "Пыть-Ях мкр 2",
    "Гагарина 14 кв 37",
    "Школьная улица",
    "Нижневартовске",
    "Ханты-Мансийск Югра",
    "проезд Северный",
    "Когалым Молодежная",
    "628400",
    "частный сектор печное отопление",
    "общежитие Строителей",
    # reports and districts
    "статистический отчет III квартал",
    "социальный паспорт участка 3",
    "паспорт участка Сургут",
    "отчет за 2024 год",
    "граждане пожилого возраста одиноко проживающие",
    "инвалиды II группы",
    "совет ветеранов",
    "поликлиника педиатр участок",
    # "phrases"
    '"материально-бытовых условий"',
    '"трудной жизненной ситуации"',
    '"Семейный психолог"',
    '"единое пособие"',
    '"социально опасном положении" семья',
    '"акт обследования" Смирновых',
    # -exclusions
    "социальное сопровождение -снять",
    "неполная семья -алименты",
    "многодетная -пособие",
    "ИППСУ -2026",
    "задолженность -погашена",
    # prefix*
    "многодетн*",
    "обследова*",
    "Иван*",
    "Кузнец* семья",
    "пособи* детей",
    "реабилит*",
    # case numbers
    "04-05/2026/017",
    "04-07/2025/003",
    "04-05/2024/101",
    "04-09/2023/001",
    "04-05/2019/042",
    "дело 04-04/2022/002",
    # typos
    "Ивнова",
    "многодетнная семья",
    "обследовние",
    "Петорв",
    # staff and everyday wording
    "Соколова Марина Викторовна",
    "составил Соколова М. В.",
    "школа пропуски уроков успеваемость",
    "детский сад старшая группа",
    "нарколог консультация отца",
    "жалоб от соседей не поступало",
)
