"""Correcting a case's details with a reason and a trace: its heading, whom it is about, its district (a transfer),
its responsible specialist and its nomenclature entry (a new number; the old one is kept as a former number).

Every change is authorized first (a case the actor may not see is missing; a field they may not change is a 403
naming it), then checked against the case's state and the revision the editor saw, then applied as a whole; the
case history keeps the old and new values, the audit log the field names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from webapp.auth.models import District, User
from webapp.auth.services import find_district
from webapp.cases.events import CaseEdited, CaseRenumbered, ResponsibleAssigned
from webapp.cases.lifecycle import record_case_event
from webapp.cases.models import Case, FormerNumber
from webapp.cases.permissions import can_write_case
from webapp.cases.schemas import CaseEdit
from webapp.cases.services import _next_case_sequence, _responsible, format_case_number, get_case
from webapp.documents.models import Document, DocumentVersion
from webapp.events import publish
from webapp.exceptions import Conflict, DomainError, Forbidden, ValidationError
from webapp.extensions import db
from webapp.nomenclature.models import NomenclatureEntry
from webapp.nomenclature.services import find_entry
from webapp.policy import POLICY, Action, allowed, roles_with
from webapp.validation import require_revision

EDIT_ACTION = "edit"
FIELD_LABELS = {
    "title": "Заголовок",
    "subject": "Получатель",
    "subject.name": "Ф.И.О. или название",
    "subject.address": "Адрес",
    "subject.note": "Примечание",
    "district": "Участок",
    "responsible": "Ответственный специалист",
    "nomenclature_index": "Статья номенклатуры",
    "number": "Номер дела",
    "reason": "Причина",
}
WRITERS_ONLY = "Менять это может тот, кто работает с делом"


def edit_case(actor: User, case_id: int, data: CaseEdit, *, revision: int | None) -> Case:
    """Apply the correction `data` to the case, all of it or nothing. `revision` is the case's revision the editor
    saw: None is a 428, another than the current one a 409."""
    case = get_case(actor, case_id)
    fields = data.changed
    if not fields:
        raise ValidationError("Не указано, что изменить", code="nothing_to_change")
    for field in fields:
        _authorize(actor, case, field)
    _check_state(actor, case, fields)
    require_revision(revision, case.revision, record="дела")
    plan = _plan(actor, case, data)
    if not plan.changes:
        raise ValidationError("Новые значения совпадают с прежними: менять нечего", code="nothing_to_change")
    old_number = case.number
    plan.apply(case)
    db.session.flush()
    record_case_event(actor, case, EDIT_ACTION, data.reason, changes=plan.changes)
    changed_fields = tuple(dict.fromkeys(change["field"].split(".")[0] for change in plan.changes))
    publish(CaseEdited(case.id, actor.id, changed_fields))
    if "responsible" in changed_fields and case.responsible_id is not None:
        publish(ResponsibleAssigned(case.id, actor.id, case.responsible_id))
    if case.number != old_number:
        publish(CaseRenumbered(case.id, actor.id, old_number))
    return case


def editable_fields(actor: User, case: Case) -> list[str]:
    """The fields the actor may correct now (for the case page's «Изменить»)."""
    fields = []
    for field in ("title", "subject", "district", "responsible", "nomenclature_index"):
        try:
            _authorize(actor, case, field)
            _check_state(actor, case, [field])
        except DomainError:
            continue
        fields.append(field)
    return fields


@dataclass(frozen=True)
class EditChoices:
    """What the case page's «Изменить» offers: the fields the viewer may change and the values to choose from."""

    fields: list[str]
    districts: list[District]
    specialists: list[User]
    entries: list[NomenclatureEntry]


def edit_choices(actor: User, case: Case) -> EditChoices | None:
    """None when the viewer may change nothing of the case."""
    fields = editable_fields(actor, case)
    if not fields:
        return None
    districts = list(db.session.scalars(select(District).order_by(District.code))) if "district" in fields else []
    entries = []
    if "nomenclature_index" in fields:
        query = select(NomenclatureEntry).where(NomenclatureEntry.year == case.year)
        entries = sorted(db.session.scalars(query), key=lambda entry: entry.sort_key)
    return EditChoices(fields, districts, specialists() if "responsible" in fields else [], entries)


def specialists() -> list[User]:
    """Who can be made responsible for a case (of their districts): the active specialists."""
    query = select(User).where(User.is_active.is_(True), User.role.in_(roles_with(Action.TAKE_CASES)))
    return list(db.session.scalars(query.order_by(User.full_name)))


def _authorize(actor: User, case: Case, field: str) -> None:
    if field == "title" and _frozen(case) and allowed(actor, Action.KEEP_ARCHIVE):
        return  # the archivist corrects the heading of a closed, archived or held file
    if field in ("title", "subject", "nomenclature_index"):
        if not can_write_case(actor, case):
            raise _field_forbidden(field, WRITERS_ONLY)
    elif field == "district":
        _require_for_field(actor, Action.TRANSFER_CASES, field)
    elif field == "responsible":
        _require_for_field(actor, Action.ASSIGN_RESPONSIBLE, field)


def _require_for_field(actor: User, action: Action, field: str) -> None:
    if not allowed(actor, action):
        raise _field_forbidden(field, POLICY[action].refusal)


def _field_forbidden(field: str, message: str) -> Forbidden:
    return Forbidden(f"{field}: {message}", code="field_forbidden", details=[{"field": field, "message": message}])


def _check_state(actor: User, case: Case, fields: list[str]) -> None:
    if case.status == "destroyed":
        raise Conflict("Дело уничтожено: его сведения не меняются", code="case_destroyed")
    if not _frozen(case):
        return
    if fields == ["title"] and allowed(actor, Action.KEEP_ARCHIVE):
        return
    if case.is_on_hold:
        raise Conflict("Дело на удержании: его сведения не меняются", code="case_on_hold")
    if case.status == "transferred":
        raise Conflict("Дело передано в архив: его сведения не меняются", code="case_transferred")
    raise Conflict("Дело закрыто: его сведения не меняются", code="case_closed")


def _frozen(case: Case) -> bool:
    """Closed, archived or on hold: its details stay as they are (but for the archivist's heading fixes)."""
    return case.status != "open" or case.is_on_hold


@dataclass
class _Plan:
    """What the correction changes, checked before anything is applied."""

    changes: list[dict[str, Any]]
    steps: list[Callable[[Case], None]]

    def add(self, field: str, old: Any, new: Any, step: Callable[[Case], None]) -> None:
        self.changes.append({"field": field, "old": old, "new": new})
        self.steps.append(step)

    def apply(self, case: Case) -> None:
        for step in self.steps:
            step(case)


def _plan(actor: User, case: Case, data: CaseEdit) -> _Plan:
    plan = _Plan([], [])
    fields = data.changed
    for field in fields:
        if field != "responsible" and getattr(data, field) is None:
            raise _invalid(field, "обязательное поле")
    if data.title is not None and data.title != case.title:
        title = data.title
        plan.add("title", case.title, title, lambda c: setattr(c, "title", title))
    if data.subject is not None:
        _plan_subject(plan, case, data)
    district = case.district
    if data.district is not None and data.district != case.district.code:
        district = _find(find_district, "district", data.district)
        new_district = district
        plan.add("district", case.district.code, district.code, lambda c: _move(c, new_district))
    _plan_responsible(plan, case, data, district, "responsible" in fields)
    if data.nomenclature_index is not None and data.nomenclature_index != case.entry.index:
        _plan_renumbering(plan, case, data.nomenclature_index)
    return plan


def _plan_subject(plan: _Plan, case: Case, data: CaseEdit) -> None:
    assert data.subject is not None
    given = data.subject.model_dump(exclude_unset=True)
    for key, value in given.items():
        if value is None:
            raise _invalid(f"subject.{key}", "обязательное поле")
    subject = {**case.subject, **{key: value for key, value in given.items()}}
    for key in ("name", "address", "note"):
        if key in given and given[key] != case.subject.get(key, ""):
            plan.changes.append({"field": f"subject.{key}", "old": case.subject.get(key, ""), "new": given[key]})
    if subject != case.subject:
        plan.steps.append(lambda c: setattr(c, "subject", subject))


def _move(case: Case, district: District) -> None:
    case.district_id = district.id
    case.district = district


def _plan_responsible(plan: _Plan, case: Case, data: CaseEdit, district: District, given: bool) -> None:
    """The responsible given (who must work in the case's district, the new one after a transfer), or, after a
    transfer, none where the present one does not work in the new district."""
    current = case.responsible
    if given:
        new = (
            _find(lambda name: _responsible(name, district), "responsible", data.responsible)
            if data.responsible
            else None
        )
    elif current is not None and district.code not in current.district_codes:
        new = None
    else:
        return
    if new == current:
        return
    plan.add("responsible", _name(current), _name(new), lambda c: _assign(c, new))


def _assign(case: Case, user: User | None) -> None:
    case.responsible_id = user.id if user else None
    case.responsible = user


def _name(user: User | None) -> str | None:
    return (user.full_name or user.username) if user is not None else None


def _plan_renumbering(plan: _Plan, case: Case, index: str) -> None:
    """Filed under another entry of the case's year: the next number of that entry. Not once a document of the
    case is signed (electronically or on paper) under the present number."""
    entry = _find(lambda value: find_entry(value, case.year), "nomenclature_index", index)
    signed = db.session.scalar(
        select(DocumentVersion.id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(
            Document.case_id == case.id,
            or_(DocumentVersion.signed_on_paper.is_(True), DocumentVersion.signatures.any()),
        )
        .limit(1)
    )
    if signed is not None:
        raise Conflict(
            "nomenclature_index: в деле есть подписанные документы — номер дела уже не меняется",
            code="case_has_signed_documents",
            details=[{"field": "nomenclature_index", "message": "в деле есть подписанные документы"}],
        )
    plan.add("nomenclature_index", case.entry.index, entry.index, lambda c: None)
    plan.changes.append({"field": "number", "old": case.number, "new": "…"})
    number_change = plan.changes[-1]

    def renumber(c: Case) -> None:
        sequence = _next_case_sequence(entry)
        c.former_numbers.append(FormerNumber(number=c.number))
        _file_under(c, entry, sequence)
        number_change["new"] = c.number

    plan.steps.append(renumber)


def _file_under(case: Case, entry: NomenclatureEntry, sequence: int) -> None:
    case.entry_id, case.entry, case.sequence = entry.id, entry, sequence
    case.number = format_case_number(entry.index, entry.year, sequence)


def _find(find: Callable[[str], Any], field: str, value: str | None) -> Any:
    """`find(value)`, its refusal naming the field."""
    assert value is not None
    try:
        return find(value)
    except ValidationError as exc:
        raise _invalid(field, exc.message, code=exc.code) from None


def _invalid(field: str, message: str, *, code: str = "invalid") -> ValidationError:
    return ValidationError(f"{field}: {message}", code=code, details=[{"field": field, "message": message}])
