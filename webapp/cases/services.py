"""Opening and finding case files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from sqlalchemy import ColumnElement, Select, or_, select, update

from webapp.audit.services import record_event
from webapp.auth.models import District, User
from webapp.auth.services import find_district
from webapp.cases.events import CaseOpened, ResponsibleAssigned
from webapp.cases.models import CASE_STATUSES, Case, FormerNumber
from webapp.cases.permissions import (
    can_open_case_in,
    can_read_case,
    can_see_case,
    can_write_case,
    readable_cases_clause,
)
from webapp.cases.schemas import (
    MONTHLY_CONTACT_CATEGORIES,
    CaseFilters,
    CaseInput,
    ProfileInput,
    check_categories,
)
from webapp.events import publish
from webapp.exceptions import Conflict, Forbidden, NotFound, ValidationError
from webapp.extensions import db
from webapp.nomenclature.models import NomenclatureEntry
from webapp.nomenclature.services import find_entry
from webapp.pagination import paginate
from webapp.policy import Action, allowed, require
from webapp.runtime import local_today


def open_case(actor: User, data: CaseInput, *, today: dt.date | None = None) -> Case:
    entry = find_entry(data.nomenclature_index, data.year)
    district = find_district(data.district)
    if not can_open_case_in(actor, district):
        raise Forbidden("Нельзя открыть дело на чужом участке", code="district_forbidden")
    opened_on = data.opened_on or today or local_today()
    if opened_on.year < data.year:
        raise ValidationError("Дело нельзя открыть раньше года номенклатуры", code="invalid_opened_on")
    responsible = _responsible(data.responsible, district) if data.responsible else None
    if responsible is None and allowed(actor, Action.TAKE_CASES):
        responsible = actor
    sequence = _next_case_sequence(entry)
    case = Case(
        entry_id=entry.id,
        year=entry.year,
        sequence=sequence,
        number=format_case_number(entry.index, entry.year, sequence),
        title=data.title,
        district_id=district.id,
        subject=data.subject.model_dump() if data.subject else {},
        status="open",
        opened_on=opened_on,
        created_by_id=actor.id,
        responsible_id=responsible.id if responsible else None,
    )
    db.session.add(case)
    db.session.flush()
    record_event(actor, "case.open", "case", case.id)
    publish(CaseOpened(case.id, actor.id))
    return case


def _responsible(username: str, district: District) -> User:
    """The specialist to work a case of `district`: an active specialist serving it."""
    user = db.session.scalar(select(User).where(User.username == username))
    if (
        user is None
        or not user.is_active
        or not allowed(user, Action.TAKE_CASES)
        or district.code not in user.district_codes
    ):
        raise ValidationError(
            "Ответственным может быть только действующий специалист этого участка", code="invalid_responsible"
        )
    return user


def update_profile(actor: User, case_id: int, data: ProfileInput, *, today: dt.date | None = None) -> Case:
    """Set who works the case (the head decides) and its recipient's categories (whoever works it). A citizen
    found to be «55+» or disabled is owed a monthly contact from the month this is recorded, not from the
    case's opening (their earlier contacts were never in the journal)."""
    case = get_case(actor, case_id)
    if not can_write_case(actor, case):
        raise Forbidden("Менять сведения о деле может тот, кто работает с ним", code="forbidden")
    if case.is_closed:
        raise Conflict("Дело закрыто: сведения о нём не меняются", code="case_closed")
    responsible = _responsible(data.responsible, case.district) if data.responsible else None
    if responsible != case.responsible:
        require(actor, Action.ASSIGN_RESPONSIBLE)
        case.responsible_id = responsible.id if responsible else None
        case.responsible = responsible
        if responsible is not None:
            publish(ResponsibleAssigned(case.id, actor.id, responsible.id))
    kind = case.subject.get("kind", "")
    try:
        categories = check_categories(kind, data.categories)
    except ValueError as exc:
        raise ValidationError(f"categories: {exc}", code="invalid_categories") from None
    subject = {**case.subject, "categories": categories}
    watched = bool(set(categories) & MONTHLY_CONTACT_CATEGORIES)
    if watched and not set(case.subject.get("categories") or ()) & MONTHLY_CONTACT_CATEGORIES:
        subject["contacts_from"] = (today or local_today()).isoformat()
    elif not watched:
        subject.pop("contacts_from", None)
    case.subject = subject
    record_event(actor, "case.profile", "case", case.id)
    return case


def format_case_number(index: str, year: int, sequence: int) -> str:
    return f"{index}/{year}/{sequence:03d}"


def _next_case_sequence(entry: NomenclatureEntry) -> int:
    """Atomic increment: the row lock serialises concurrent openings on PostgreSQL; SQLite locks the file."""
    statement = (
        update(NomenclatureEntry)
        .where(NomenclatureEntry.id == entry.id)
        .values(last_case_sequence=NomenclatureEntry.last_case_sequence + 1)
        .returning(NomenclatureEntry.last_case_sequence)
        .execution_options(synchronize_session=False)
    )
    sequence = db.session.execute(statement).scalar_one()
    db.session.expire(entry, ["last_case_sequence"])
    return sequence


def get_case(actor: User, case_id: int) -> Case:
    """A case the actor may see; one they may not is reported as missing, so its existence does not leak."""
    case = db.session.get(Case, case_id)
    if case is None or not can_see_case(actor, case):
        raise NotFound("Дело не найдено")
    return case


def require_content_access(actor: User, case: Case) -> None:
    """For a case the actor sees (an archivist sees every case): may they read what is in it?"""
    if not can_read_case(actor, case):
        raise Forbidden(CONTENT_FORBIDDEN, code="no_content_access")


CONTENT_FORBIDDEN = "Нет доступа к содержимому дела: его открывает заведующий отделением"


def list_cases(actor: User, filters: CaseFilters, *, page: int, per_page: int) -> tuple[Sequence[Case], int]:
    query = select(Case).join(Case.entry).join(Case.district)
    clause = readable_cases_clause(actor)
    if clause is not None:
        query = query.where(clause)
    if filters.status is not None:
        if filters.status not in CASE_STATUSES:
            raise ValidationError("status: допустимо " + ", ".join(CASE_STATUSES), code="invalid_parameter")
        query = query.where(Case.status == filters.status)
    if filters.district is not None:
        query = query.where(District.code == filters.district)
    if filters.year is not None:
        query = query.where(Case.year == filters.year)
    if filters.nomenclature is not None:
        query = query.where(NomenclatureEntry.index == filters.nomenclature)
    if filters.number is not None:
        query = query.where(numbered(filters.number))
    return paginate(query, Case.year.desc(), NomenclatureEntry.index, Case.sequence, page=page, per_page=per_page)


def numbered(number: str) -> ColumnElement[bool]:
    """A WHERE clause: the case with this number, its current one or a former one (webapp.cases.corrections)."""
    former = select(FormerNumber.case_id).where(FormerNumber.number == number)
    return or_(Case.number == number, Case.id.in_(former))


def find_case_by_number(number: str) -> Case | None:
    """The case with this number, current or former, whoever may see it: callers check access."""
    return db.session.scalar(select(Case).where(numbered(number)))


def recent_open_cases(actor: User, limit: int) -> list[Case]:
    """The latest opened of the open cases the actor may read."""
    query = select(Case).where(Case.status == "open")
    visible = readable_cases_clause(actor)
    if visible is not None:
        query = query.where(visible)
    return list(db.session.scalars(query.order_by(Case.created_at.desc()).limit(limit)))


def cases_with_words(query: Select[Case]) -> Iterator[tuple[Case, str]]:
    """The cases of `query`, newest year first, each with the casefolded words of its number, its former numbers
    and its heading: what a person finds a case by."""
    former: dict[int, str] = {}
    for case_id, number in db.session.execute(select(FormerNumber.case_id, FormerNumber.number)):
        former[case_id] = f"{former.get(case_id, '')} {number}"
    for case in db.session.scalars(query.order_by(Case.year.desc(), Case.number)):
        yield case, f"{case.number} {former.get(case.id, '')} {case.title}".casefold()


def writable_cases_matching(actor: User, text: str, *, limit: int = 20) -> list[Case]:
    """Open cases not on hold that the actor may add documents to, whose number (current or former) or heading
    contains `text` (case-insensitively, Cyrillic too): where a misfiled document can go."""
    needle = text.strip().casefold()
    if not needle:
        return []
    query = select(Case).where(Case.status == "open", Case.legal_hold_since.is_(None))
    clause = readable_cases_clause(actor)
    if clause is not None:
        query = query.where(clause)
    found = []
    for case, words in cases_with_words(query):
        if needle in words and can_write_case(actor, case):
            found.append(case)
            if len(found) == limit:
                break
    return found
