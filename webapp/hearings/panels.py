"""What the hearing pages show, gathered for them (the views stay thin): the month calendar, the agenda as the
viewer may see it, the agenda builder's choices (cases found by number, heading or surname; a case's documents
with the default ones ticked and the new ones marked), and the users a commission or an item may name."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.cases.permissions import can_read_case, can_see_case, readable_cases_clause
from webapp.cases.services import cases_with_words
from webapp.dbtypes import utcnow
from webapp.documents.models import Document
from webapp.extensions import db
from webapp.hearings import links, services
from webapp.hearings.filing import filing_note
from webapp.hearings.models import Commission, Hearing, HearingItem, HearingLink, HearingQuestion
from webapp.hearings.permissions import can_see_item, may_manage, may_read_materials
from webapp.policy import Action, allowed, roles_with
from webapp.runtime import institution_zone

MATCHES_SHOWN = 20


# --- the list and the month calendar --------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    first: dt.date  # the month's first day

    @classmethod
    def parse(cls, raw: str | None, today: dt.date) -> Month:
        """`YYYY-MM`, or the month of `today` when not given; anything else raises ValueError."""
        if not raw:
            return cls(today.replace(day=1))
        year, _, month = raw.partition("-")
        if not (len(year) == 4 and year.isdigit() and len(month) == 2 and month.isdigit()):
            raise ValueError(raw)
        return cls(dt.date(int(year), int(month), 1))

    @property
    def next(self) -> dt.date:
        return (self.first + dt.timedelta(days=32)).replace(day=1)

    @property
    def previous(self) -> dt.date:
        return (self.first - dt.timedelta(days=1)).replace(day=1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The month in UTC, its days being the institution's."""
        zone = institution_zone()
        start = dt.datetime.combine(self.first, dt.time(), zone)
        end = dt.datetime.combine(self.next, dt.time(), zone)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


@dataclass
class CalendarDay:
    day: dt.date | None  # None: a cell outside the month
    hearings: list[Hearing] = field(default_factory=list)


def month_calendar(actor: User, month: Month) -> list[list[CalendarDay]]:
    """The month's weeks (Monday first), each day with the hearings the actor sees on it (local dates)."""
    start, end = month.bounds()
    by_day: dict[dt.date, list[Hearing]] = {}
    for hearing in sorted(services.list_hearings(actor, start=start, end=end), key=lambda h: h.starts_at):
        by_day.setdefault(hearing.starts_at.astimezone(institution_zone()).date(), []).append(hearing)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.first.year, month.first.month)
    return [
        [CalendarDay(day, by_day.get(day, [])) if day.month == month.first.month else CalendarDay(None) for day in week]
        for week in weeks
    ]


def upcoming_and_past(actor: User, now: dt.datetime) -> tuple[list[Hearing], list[Hearing]]:
    hearings = services.list_hearings(actor)
    upcoming = sorted((h for h in hearings if h.starts_at >= now), key=lambda h: h.starts_at)
    return upcoming, [h for h in hearings if h.starts_at < now]


def managed_commissions(actor: User) -> list[Commission]:
    """The active commissions whose hearings the actor may plan (the head: all; a secretary: theirs)."""
    return [c for c in services.list_commissions() if may_manage(actor, c)]


# --- the hearing page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaRow:
    item: HearingItem
    visible: bool  # False: «Вопрос по делу, к которому у вас нет доступа»
    note: str = ""  # why an approved protocol's decision was not filed in the case (webapp.hearings.filing)


@dataclass(frozen=True)
class DocumentChoice:
    document: Document
    ticked: bool
    is_new: bool


@dataclass
class HearingPanel:
    hearing: Hearing
    may_manage: bool
    agenda: list[AgendaRow]
    may_edit_agenda: bool
    questions: list[HearingQuestion] = field(default_factory=list)
    speakers: list[User] = field(default_factory=list)
    planned: list[HearingItem] = field(default_factory=list)
    choices: dict[int, list[DocumentChoice]] = field(default_factory=dict)  # per visible item, for managers
    may_read_package: bool = False  # managers, and internal members once the agenda is sent
    links: dict[int, HearingLink] = field(default_factory=dict)  # per external member, the latest (managers)
    may_make_links: bool = False

    @property
    def package_ready(self) -> bool:
        file = self.hearing.package_file
        return self.hearing.package_built_at is not None and file is not None and file.deleted_at is None


def hearing_panel(actor: User, hearing: Hearing) -> HearingPanel:
    manages = may_manage(actor, hearing.commission)
    agenda = [AgendaRow(item, can_see_item(actor, item), filing_note(item)) for item in hearing.items]
    panel = HearingPanel(
        hearing=hearing,
        may_manage=manages,
        agenda=agenda,
        may_edit_agenda=manages and hearing.status in ("planned", "agenda_sent"),
    )
    panel.may_read_package = may_read_materials(actor, hearing)
    if manages:
        for link in reversed(links.links_of(actor, hearing.id)):  # oldest first: the latest wins
            panel.links[link.member_id] = link
        window_open = hearing.access_until is not None and hearing.access_until > utcnow()
        panel.may_make_links = hearing.agenda_sent_at is not None and window_open
    if panel.may_edit_agenda:
        panel.questions = services.list_questions()
        panel.speakers = speakers()
        planned = services.planned_items(actor, hearing.commission_id)
        panel.planned = [item for item in planned if can_see_case(actor, item.case)]  # a secretary's cases only
        panel.choices = {row.item.id: item_document_choices(row.item, hearing) for row in agenda}
    return panel


def speakers() -> list[User]:
    """Who may present an item: the active users who prepare documents (specialists and heads)."""
    roles = roles_with(Action.PREPARE_DOCUMENTS)
    query = select(User).where(User.is_active.is_(True), User.role.in_(roles)).order_by(User.full_name)
    return list(db.session.scalars(query))


def document_choices(case: Case, hearing: Hearing) -> list[DocumentChoice]:
    """A case about to be put on the agenda: its documents, the default ones ticked, the new ones marked."""
    documents = services.presentable_documents(case)
    previous = services.previous_hearing(case.id, hearing)
    defaults = {d.id for d in services.default_documents(case, documents, previous)}
    changed = services.changed_since(documents, previous)
    return [DocumentChoice(d, d.id in defaults, d.id in changed) for d in documents]


def item_document_choices(item: HearingItem, hearing: Hearing) -> list[DocumentChoice]:
    """An item's case's documents, the presented ones ticked, the new ones marked."""
    documents = services.presentable_documents(item.case)
    presented = {p.document_id: p.is_new for p in item.documents}
    changed = services.changed_since(documents, services.previous_hearing(item.case_id, hearing))
    return [DocumentChoice(d, d.id in presented, presented.get(d.id, d.id in changed)) for d in documents]


# --- the agenda builder's search --------------------------------------------------------------------------


def cases_matching(actor: User, text: str, *, limit: int = MATCHES_SHOWN) -> list[Case]:
    """Cases the actor sees, not destroyed, whose number (current or former) or heading contains `text`, or whose
    recipient's name does where the actor reads the case (a name is content); case-insensitive, Cyrillic too."""
    needle = " ".join(text.split()).casefold()
    if len(needle) < 2:
        return []
    query = select(Case).where(Case.status != "destroyed")
    clause = readable_cases_clause(actor)
    if clause is not None:
        query = query.where(clause)
    found = []
    for case, words in cases_with_words(query):
        if needle in words or _named(actor, case, needle):
            found.append(case)
            if len(found) == limit:
                break
    return found


def _named(actor: User, case: Case, needle: str) -> bool:
    name = str((case.subject or {}).get("name", ""))
    return bool(name) and needle in name.casefold() and can_read_case(actor, case)


def may_plan_hearings(actor: User) -> bool:
    """«Новое заседание»: the head, or the secretary of some commission."""
    return allowed(actor, Action.MANAGE_HEARINGS) or bool(managed_commissions(actor))
