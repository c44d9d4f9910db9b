"""Commissions and their hearings: building the agenda, sending it (which opens the cases to the members for a
while), holding the hearing and entering its decisions. The package, the protocol, the extracts filed back and
the external members' links have modules of their own beside this one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.auth.services import find_user
from webapp.cases.models import Case, CaseGrant
from webapp.cases.permissions import can_read_case
from webapp.cases.services import get_case
from webapp.dbtypes import utcnow
from webapp.documents.models import Document, DocumentVersion
from webapp.events import publish
from webapp.exceptions import Conflict, NotFound, ValidationError
from webapp.extensions import db
from webapp.hearings.events import AgendaSent, DecisionRecorded, HearingHeld
from webapp.hearings.models import (
    DEFAULT_QUESTIONS,
    Commission,
    CommissionMember,
    Hearing,
    HearingItem,
    HearingItemDocument,
    HearingQuestion,
)
from webapp.hearings.permissions import (
    get_visible_hearing,
    require_manager,
    visible_hearings_clause,
)
from webapp.hearings.schemas import CommissionInput, DecisionInput, HearingInput, ItemInput, MemberInput
from webapp.pagination import paginate
from webapp.policy import Action, require
from webapp.runtime import institution_zone, local_today

# Documents shown by default with an item, besides everything added since the case was last heard.
DEFAULT_TYPES = ("family_passport", "ippsu_conclusion")
MAX_ITEMS = 50  # as an export's cases


# --- commissions ----------------------------------------------------------------------------------------


def list_commissions(*, active_only: bool = True) -> list[Commission]:
    """Commissions are the institution's bodies, not case data: every user may list them."""
    query = select(Commission).order_by(Commission.name)
    if active_only:
        query = query.where(Commission.active.is_(True))
    return list(db.session.scalars(query))


def get_commission(commission_id: int) -> Commission:
    commission = db.session.get(Commission, commission_id)
    if commission is None:
        raise NotFound("Комиссия не найдена")
    return commission


def create_commission(actor: User, data: CommissionInput) -> Commission:
    require(actor, Action.MANAGE_HEARINGS)
    protocols_case = _protocols_case(actor, data.protocols_case_id)
    commission = Commission(
        name=data.name,
        kind=data.kind,
        protocols_case_id=protocols_case.id if protocols_case else None,
        access_days=data.access_days,
        created_by_id=actor.id,
    )
    db.session.add(commission)
    db.session.flush()
    for member in data.members:
        _add_member(commission, member)
    _check_roles(commission)
    record_event(actor, "commission.create", "commission", commission.id)
    return commission


def add_member(actor: User, commission_id: int, data: MemberInput) -> CommissionMember:
    commission = get_commission(commission_id)
    require(actor, Action.MANAGE_HEARINGS)
    member = _add_member(commission, data)
    _check_roles(commission)
    record_event(actor, "commission.add_member", "commission", commission.id, member=member.id)
    return member


def remove_member(actor: User, commission_id: int, member_id: int) -> CommissionMember:
    commission = get_commission(commission_id)
    require(actor, Action.MANAGE_HEARINGS)
    member = db.session.get(CommissionMember, member_id)
    if member is None or member.commission_id != commission.id or member.removed_at is not None:
        raise NotFound("Участник комиссии не найден")
    member.removed_at = utcnow()
    record_event(actor, "commission.remove_member", "commission", commission.id, member=member.id)
    return member


def _add_member(commission: Commission, data: MemberInput) -> CommissionMember:
    user = None
    if data.username is not None:
        user = find_user(data.username)
        if not user.is_active:
            raise NotFound("Пользователь не найден")
        if any(m.user_id == user.id for m in commission.current_members):
            raise Conflict("Этот пользователь уже в составе комиссии", code="already_member")
    member = CommissionMember(
        commission_id=commission.id,
        user_id=user.id if user else None,
        name="" if user else data.name,
        position=data.position,
        organization=data.organization,
        role=data.role,
    )
    db.session.add(member)
    db.session.flush()
    db.session.refresh(commission)
    return member


def _check_roles(commission: Commission) -> None:
    for role, label in (("chair", "председатель"), ("secretary", "секретарь")):
        if sum(1 for m in commission.current_members if m.role == role) > 1:
            raise ValidationError(f"У комиссии один {label}", code="invalid_members")


def _protocols_case(actor: User, case_id: int | None) -> Case | None:
    if case_id is None:
        return None
    case = get_case(actor, case_id)
    if case.is_closed:
        raise Conflict(f"Дело {case.number} закрыто: протоколы подшиваются в открытое дело", code="case_closed")
    return case


# --- questions the head keeps ---------------------------------------------------------------------------


def ensure_default_questions() -> int:
    """A new installation's question list (DEFAULT_QUESTIONS), added by `casefiles init` while the list is
    empty; the head's own additions and retirements are never undone. Returns how many were added."""
    if db.session.scalar(select(func.count(HearingQuestion.id))):
        return 0
    db.session.add_all(HearingQuestion(title=title) for title in DEFAULT_QUESTIONS)
    db.session.flush()
    return len(DEFAULT_QUESTIONS)


def list_questions(*, active_only: bool = True) -> list[HearingQuestion]:
    query = select(HearingQuestion).order_by(HearingQuestion.id)
    if active_only:
        query = query.where(HearingQuestion.active.is_(True))
    return list(db.session.scalars(query))


def add_question(actor: User, title: str) -> HearingQuestion:
    require(actor, Action.MANAGE_HEARINGS)
    existing = db.session.scalar(select(HearingQuestion).where(HearingQuestion.title == title))
    if existing is not None:
        existing.active = True
        return existing
    question = HearingQuestion(title=title)
    db.session.add(question)
    db.session.flush()
    record_event(actor, "hearing_question.add", "hearing_question", question.id)
    return question


def retire_question(actor: User, question_id: int) -> HearingQuestion:
    require(actor, Action.MANAGE_HEARINGS)
    question = db.session.get(HearingQuestion, question_id)
    if question is None:
        raise NotFound("Вопрос не найден")
    question.active = False
    record_event(actor, "hearing_question.retire", "hearing_question", question.id)
    return question


# --- hearings -------------------------------------------------------------------------------------------


def create_hearing(actor: User, data: HearingInput) -> Hearing:
    commission = get_commission(data.commission_id)
    require_manager(actor, commission)
    if not commission.active:
        raise Conflict("Комиссия упразднена", code="commission_inactive")
    hearing = Hearing(
        commission_id=commission.id,
        number=data.number or _next_number(commission, data.starts_at),
        starts_at=to_utc(data.starts_at),
        place=data.place,
        created_by_id=actor.id,
    )
    db.session.add(hearing)
    db.session.flush()
    record_event(actor, "hearing.create", "hearing", hearing.id, commission=commission.id)
    return hearing


def _next_number(commission: Commission, starts_at: dt.datetime) -> str:
    """The protocol's number: the commission's hearings of that year, counted."""
    year = starts_at.year
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    count = db.session.scalar(
        select(func.count(Hearing.id)).where(
            Hearing.commission_id == commission.id,
            Hearing.starts_at >= start,
            Hearing.starts_at < start.replace(year=year + 1),
        )
    )
    return str((count or 0) + 1)


def to_utc(moment: dt.datetime) -> dt.datetime:
    """A time given without a zone is the institution's local time (CASEFILES_TIMEZONE)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=institution_zone())
    return moment.astimezone(dt.UTC)


def list_hearings(
    actor: User, *, start: dt.datetime | None = None, end: dt.datetime | None = None, limit: int = 200
) -> list[Hearing]:
    """The hearings the actor sees, by time (a month's calendar gives start and end)."""
    query = select(Hearing).where(visible_hearings_clause(actor))
    if start is not None:
        query = query.where(Hearing.starts_at >= start)
    if end is not None:
        query = query.where(Hearing.starts_at < end)
    return list(db.session.scalars(query.order_by(Hearing.starts_at.desc(), Hearing.id.desc()).limit(limit)))


def find_hearings(
    actor: User, *, start: dt.datetime | None = None, end: dt.datetime | None = None, page: int, per_page: int
) -> tuple[Sequence[Hearing], int]:
    """A page of the hearings the actor sees, newest first, and how many there are (the API's list)."""
    query = select(Hearing).where(visible_hearings_clause(actor))
    if start is not None:
        query = query.where(Hearing.starts_at >= start)
    if end is not None:
        query = query.where(Hearing.starts_at < end)
    return paginate(query, Hearing.starts_at.desc(), Hearing.id.desc(), page=page, per_page=per_page)


def hearings_of_case(actor: User, case_id: int) -> list[HearingItem]:
    """The agenda items of a case the actor sees, newest hearing first (the case page's «Заседания»)."""
    case = get_case(actor, case_id)
    query = (
        select(HearingItem)
        .join(Hearing, HearingItem.hearing_id == Hearing.id)
        .where(HearingItem.case_id == case.id)
        .order_by(Hearing.starts_at.desc())
    )
    return list(db.session.scalars(query))


def get_hearing(actor: User, hearing_id: int) -> Hearing:
    hearing = get_visible_hearing(actor, hearing_id)
    record_event(actor, "hearing.read", "hearing", hearing.id)
    return hearing


def managed_hearing(actor: User, hearing_id: int) -> Hearing:
    """A hearing the actor sees and may build (the head, the commission's secretary)."""
    hearing = get_visible_hearing(actor, hearing_id)
    require_manager(actor, hearing.commission)
    return hearing


def _require_status(hearing: Hearing, *statuses: str, message: str) -> None:
    if hearing.status not in statuses:
        raise Conflict(message, code="hearing_status")


# --- the agenda -----------------------------------------------------------------------------------------


def add_item(actor: User, hearing_id: int, data: ItemInput) -> HearingItem:
    hearing = managed_hearing(actor, hearing_id)
    _require_status(hearing, "planned", "agenda_sent", message="Повестку проведённого заседания не меняют")
    if len(hearing.items) >= MAX_ITEMS:
        raise ValidationError(f"В повестке не больше {MAX_ITEMS} вопросов", code="too_many_items")
    case = get_case(actor, data.case_id)  # one the actor may not see is «not found»
    if case.status == "destroyed":
        raise Conflict(f"Дело {case.number} уничтожено", code="case_destroyed")
    question = _question(data)
    speaker = _speaker(data.speaker, case)
    item = HearingItem(
        commission_id=hearing.commission_id,
        hearing_id=hearing.id,
        position=max((i.position for i in hearing.items), default=0) + 1,
        case_id=case.id,
        question_id=question.id if question else None,
        question=data.question or (question.title if question else ""),
        speaker_id=speaker.id if speaker else None,
    )
    db.session.add(item)
    db.session.flush()
    _present(item, _chosen_documents(case, data.document_ids, hearing), hearing)
    db.session.refresh(hearing)
    if hearing.agenda_sent_at is not None:  # added after sending: its members read this case too
        _grant_members(actor, hearing, [item])
    _agenda_changed(hearing)
    record_event(actor, "hearing.add_item", "hearing", hearing.id, item=item.id, case=case.id)
    return item


def put_planned_item(actor: User, hearing_id: int, item_id: int) -> HearingItem:
    """Put an item planned by an earlier decision (a repeat hearing) on this hearing's agenda."""
    hearing = managed_hearing(actor, hearing_id)
    _require_status(hearing, "planned", "agenda_sent", message="Повестку проведённого заседания не меняют")
    item = db.session.get(HearingItem, item_id)
    if item is None or item.hearing_id is not None or item.commission_id != hearing.commission_id:
        raise NotFound("Запланированный вопрос не найден")
    get_case(actor, item.case_id)
    item.hearing_id = hearing.id
    item.planned_on = None
    item.position = max((i.position for i in hearing.items), default=0) + 1
    _present(item, _chosen_documents(item.case, None, hearing), hearing)
    db.session.refresh(hearing)
    if hearing.agenda_sent_at is not None:
        _grant_members(actor, hearing, [item])
    _agenda_changed(hearing)
    record_event(actor, "hearing.add_item", "hearing", hearing.id, item=item.id, case=item.case_id)
    return item


def planned_items(actor: User, commission_id: int) -> list[HearingItem]:
    """Items decided to be heard again and not yet on an agenda, by date."""
    commission = get_commission(commission_id)
    require_manager(actor, commission)
    query = select(HearingItem).where(HearingItem.commission_id == commission.id, HearingItem.hearing_id.is_(None))
    return list(db.session.scalars(query.order_by(HearingItem.planned_on, HearingItem.id)))


def remove_item(actor: User, hearing_id: int, item_id: int) -> None:
    hearing = managed_hearing(actor, hearing_id)
    _require_status(hearing, "planned", "agenda_sent", message="Повестку проведённого заседания не меняют")
    item = item_of(hearing, item_id)
    for document in item.documents:
        db.session.delete(document)
    if item.origin_item_id is not None:  # a planned item goes back to waiting for a hearing
        item.hearing_id, item.planned_on = None, local_today()
    else:
        db.session.delete(item)
    db.session.flush()
    db.session.refresh(hearing)
    _agenda_changed(hearing)
    record_event(actor, "hearing.remove_item", "hearing", hearing.id, item=item_id)


def set_item_documents(actor: User, hearing_id: int, item_id: int, document_ids: Sequence[int]) -> HearingItem:
    """Choose again which documents of the item's case are presented."""
    hearing = managed_hearing(actor, hearing_id)
    _require_status(hearing, "planned", "agenda_sent", message="Повестку проведённого заседания не меняют")
    item = item_of(hearing, item_id)
    chosen = _chosen_documents(item.case, list(document_ids), hearing)
    for presented in item.documents:
        db.session.delete(presented)
    db.session.flush()
    _present(item, chosen, hearing)
    db.session.refresh(item)
    _agenda_changed(hearing)
    record_event(actor, "hearing.set_documents", "hearing", hearing.id, item=item.id)
    return item


def _present(item: HearingItem, documents: Sequence[Document], hearing: Hearing) -> None:
    """Record the documents presented with the item, in order, each marked new or not."""
    changed = changed_since(documents, previous_hearing(item.case_id, hearing))
    for position, document in enumerate(documents, 1):
        is_new = document.id in changed
        db.session.add(HearingItemDocument(item_id=item.id, document_id=document.id, position=position, is_new=is_new))
    db.session.flush()


def _agenda_changed(hearing: Hearing) -> None:
    """A package built before no longer shows this agenda: it stops being served (its bytes are purged) until a
    new one is asked for."""
    hearing.package_file_id, hearing.package_built_at = None, None


def item_of(hearing: Hearing, item_id: int) -> HearingItem:
    """An item of this hearing; one of another hearing is «not found» here."""
    item = db.session.get(HearingItem, item_id)
    if item is None or item.hearing_id != hearing.id:
        raise NotFound("Вопрос повестки не найден в этом заседании")
    return item


def _question(data: ItemInput) -> HearingQuestion | None:
    if data.question_id is None:
        return None
    question = db.session.get(HearingQuestion, data.question_id)
    if question is None or not question.active:
        raise ValidationError("question_id: такого вопроса нет в списке", code="unknown_question")
    return question


def _speaker(username: str | None, case: Case) -> User | None:
    if username is None:
        return case.responsible
    user = find_user(username)
    if not user.is_active:
        raise NotFound("Пользователь не найден")
    return user


def _chosen_documents(case: Case, document_ids: list[int] | None, hearing: Hearing) -> list[Document]:
    documents = presentable_documents(case)
    if document_ids is not None:
        by_id = {d.id: d for d in documents}
        unknown = [i for i in document_ids if i not in by_id]
        if unknown:
            raise ValidationError(
                f"document_ids: в деле {case.number} нет документа № {unknown[0]}", code="unknown_document"
            )
        return [by_id[i] for i in dict.fromkeys(document_ids)]
    return default_documents(case, documents, previous_hearing(case.id, hearing))


def presentable_documents(case: Case) -> list[Document]:
    """The documents of a case that can be presented: not annulled, with a version."""
    documents = db.session.scalars(
        select(Document).where(Document.case_id == case.id, Document.status != "annulled").order_by(Document.id)
    )
    return [d for d in documents if d.versions]


def default_documents(case: Case, documents: Sequence[Document], previous: Hearing | None) -> list[Document]:
    """The latest document of each default type (the family's passport, the programme's conclusion), and every
    document added to since the case was last heard (all of them, if it never was), in the case's order."""
    chosen: set[int] = set()
    for kind in DEFAULT_TYPES:
        latest = max(
            (d for d in documents if d.type == kind),
            key=lambda d: (d.dated_on or d.created_at.date(), d.id),
            default=None,
        )
        if latest is not None:
            chosen.add(latest.id)
    chosen.update(changed_since(documents, previous))
    ordered = sorted(documents, key=lambda d: (d.dated_on or d.created_at.date(), d.created_at, d.id))
    return [d for d in ordered if d.id in chosen]


def previous_hearing(case_id: int, hearing: Hearing) -> Hearing | None:
    """The latest hearing before this one that held the case (held or beyond)."""
    query = (
        select(Hearing)
        .join(HearingItem, HearingItem.hearing_id == Hearing.id)
        .where(
            HearingItem.case_id == case_id,
            Hearing.id != hearing.id,
            Hearing.starts_at < hearing.starts_at,
            Hearing.status.in_(("held", "protocol_approved")),
        )
        .order_by(Hearing.starts_at.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def changed_since(documents: Sequence[Document], previous: Hearing | None) -> set[int]:
    """The ids of the documents added to (a new document or a new version) since the case's previous hearing, in
    one query; every one for a case heard for the first time."""
    if previous is None:
        return {d.id for d in documents}
    rows = db.session.execute(
        select(DocumentVersion.document_id, func.max(DocumentVersion.created_at))
        .where(DocumentVersion.document_id.in_([d.id for d in documents]))
        .group_by(DocumentVersion.document_id)
    )
    return {document_id for document_id, latest in rows if latest is not None and latest > previous.starts_at}


# --- sending the agenda, holding the hearing ------------------------------------------------------------


def send_agenda(actor: User, hearing_id: int) -> Hearing:
    """The agenda goes out: from now until `access_days` after the hearing, the commission's internal members
    read its cases (grants that end by themselves); external members' links may be made."""
    hearing = managed_hearing(actor, hearing_id)
    _require_status(hearing, "planned", message="Повестка уже разослана")
    if not hearing.items:
        raise Conflict("Повестка пуста: добавьте вопросы", code="empty_agenda")
    now = utcnow()
    hearing.status, hearing.agenda_sent_at = "agenda_sent", now
    hearing.access_until = hearing.starts_at + dt.timedelta(days=hearing.commission.access_days)
    _grant_members(actor, hearing, hearing.items)
    record_event(actor, "hearing.send_agenda", "hearing", hearing.id)
    publish(AgendaSent(hearing.id, actor.id))
    return hearing


def _grant_members(actor: User, hearing: Hearing, items: Sequence[HearingItem]) -> None:
    """A grant to each internal member who does not read the case anyway, ending with the access window."""
    assert hearing.access_until is not None
    members = [m.user for m in hearing.commission.current_members if m.user is not None and m.user.is_active]
    for item in items:
        for user in members:
            if can_read_case(user, item.case):
                continue
            grant = CaseGrant(
                case_id=item.case_id,
                user_id=user.id,
                reason=f"Член комиссии: заседание № {hearing.number}",
                granted_by_id=actor.id,
                expires_at=hearing.access_until,
                hearing_id=hearing.id,
            )
            db.session.add(grant)
            db.session.flush()
            record_event(actor, "case.grant", "case", item.case_id, user=user.id, grant=grant.id, hearing=hearing.id)


def mark_held(actor: User, hearing_id: int) -> Hearing:
    hearing = managed_hearing(actor, hearing_id)
    _require_status(hearing, "planned", "agenda_sent", message="Заседание уже проведено")
    if not hearing.items:
        raise Conflict("Заседание с пустой повесткой не проводится", code="empty_agenda")
    hearing.status, hearing.held_at = "held", utcnow()
    record_event(actor, "hearing.held", "hearing", hearing.id)
    publish(HearingHeld(hearing.id, actor.id))
    return hearing


def record_decision(actor: User, hearing_id: int, item_id: int, data: DecisionInput) -> HearingItem:
    """Enter (or correct) an item's decision; it counts once the protocol is approved and its extract filed."""
    hearing = managed_hearing(actor, hearing_id)
    item = item_of(hearing, item_id)  # an item of another hearing is refused here
    _require_status(hearing, "held", message="Решения вносятся по проведённому заседанию, до утверждения протокола")
    item.decision_kind, item.decision = data.kind, data.decision
    item.heard, item.spoke = data.heard, data.spoke
    item.repeat_on = data.repeat_on if data.kind == "repeat_hearing" else None
    item.decided_by_id, item.decided_at = actor.id, utcnow()
    record_event(actor, "hearing.decision", "hearing", hearing.id, item=item.id, kind=data.kind)
    publish(DecisionRecorded(hearing.id, item.id, actor.id))
    return item
