"""Deputies: who stands in for whom, and when (webapp.auth.models.Deputy).

A user names a deputy for a period of the institution's dates (both included); the head may name one for anyone.
While the period is in force the deputy receives the principal's notifications (webapp.notifications.services) and
may take the principal's approval acts — approving or returning a document, signing it «утверждаю» — under their own
name and signature, recorded as acting for the principal (`acting_principal`). What the deputy may read for those
acts is one rule in webapp/cases/permissions.py (`acting_cases`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from webapp.audit.services import record_event
from webapp.auth.models import Deputy, User
from webapp.dbtypes import utcnow
from webapp.exceptions import Conflict, Forbidden, NotFound, ValidationError
from webapp.extensions import db
from webapp.policy import Action, allowed, require, roles_with
from webapp.runtime import local_today

_MEMO = "deputies.principals_in_force"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_MEMO, None)


# The acts a deputy takes for an absent principal: the approvals. Anything else the principal may do stays theirs.
DEPUTIZED_ACTIONS = frozenset({Action.APPROVE_DOCUMENTS, Action.SIGN_APPROVAL})
MAX_DAYS = 366  # a deputyship is for an absence, not a standing second head


def deputies_in_force(principal_id: int, day: dt.date) -> list[User]:
    """The active users standing in for `principal_id` on `day`."""
    rows = db.session.scalars(
        select(Deputy).where(
            Deputy.principal_id == principal_id,
            Deputy.revoked_at.is_(None),
            Deputy.starts_on <= day,
            Deputy.ends_on >= day,
        )
    )
    return [row.deputy for row in rows if row.deputy.is_active]


def principals_in_force(deputy_id: int, day: dt.date) -> list[User]:
    """The active users `deputy_id` stands in for on `day`, by id. Asked once per transaction: a case page asks
    for every document whether the viewer may sign «утверждаю» for someone (the memo ends at commit or rollback,
    and when a deputyship is named or revoked)."""
    memo: dict[tuple[int, dt.date], list[User]] = db.session.info.setdefault(_MEMO, {})
    if (deputy_id, day) not in memo:
        memo[deputy_id, day] = _principals_in_force(deputy_id, day)
    return memo[deputy_id, day]


def _principals_in_force(deputy_id: int, day: dt.date) -> list[User]:
    rows = db.session.scalars(
        select(Deputy)
        .where(
            Deputy.deputy_id == deputy_id,
            Deputy.revoked_at.is_(None),
            Deputy.starts_on <= day,
            Deputy.ends_on >= day,
        )
        .order_by(Deputy.principal_id)
    )
    return [row.principal for row in rows if row.principal.is_active]


def acting_principal(actor: User, action: Action) -> User | None:
    """Whom the actor acts for in taking a deputized action today: None when the actor may take it themselves (or
    may not at all: the caller's own check then refuses), else the first principal in force who may."""
    if action not in DEPUTIZED_ACTIONS or allowed(actor, action):
        return None
    return next((p for p in principals_in_force(actor.id, local_today()) if allowed(p, action)), None)


def may_take(actor: User, action: Action) -> bool:
    """May the actor take the action, themselves or for a principal in force today?"""
    return allowed(actor, action) or acting_principal(actor, action) is not None


def require_acting(actor: User, action: Action) -> User | None:
    """`require` that accepts a deputy in force: returns whom the actor acts for (None: themselves)."""
    principal = acting_principal(actor, action)
    if principal is None:
        require(actor, action)
    return principal


def list_deputies(actor: User, *, include_past: bool = False) -> list[Deputy]:
    """The head's: everyone's; anyone else's: those where they are the principal or the deputy. Newest first;
    periods that ended or were revoked only when asked."""
    query = select(Deputy)
    if not allowed(actor, Action.NAME_DEPUTIES):
        query = query.where(or_(Deputy.principal_id == actor.id, Deputy.deputy_id == actor.id))
    if not include_past:
        query = query.where(Deputy.revoked_at.is_(None), Deputy.ends_on >= local_today())
    return list(db.session.scalars(query.order_by(Deputy.starts_on.desc(), Deputy.id.desc())).all())


def name_deputy(actor: User, principal: User, deputy: User, starts_on: dt.date, ends_on: dt.date) -> Deputy:
    """`deputy` stands in for `principal` from `starts_on` to `ends_on`; the actor names their own deputy, or the
    head anyone's."""
    if principal.id != actor.id:
        require(actor, Action.NAME_DEPUTIES)
    _check_period(starts_on, ends_on)
    _check_deputy(principal, deputy)
    # The principal's row is locked so that two overlapping periods named at once cannot both pass the check.
    db.session.scalar(select(User.id).where(User.id == principal.id).with_for_update())
    overlapping = db.session.scalar(
        select(Deputy).where(
            Deputy.principal_id == principal.id,
            Deputy.revoked_at.is_(None),
            Deputy.starts_on <= ends_on,
            Deputy.ends_on >= starts_on,
        )
    )
    if overlapping is not None:
        raise Conflict(
            f"У сотрудника уже есть заместитель с {overlapping.starts_on:%d.%m.%Y} по {overlapping.ends_on:%d.%m.%Y}:"
            " периоды не должны пересекаться",
            code="deputy_overlap",
        )
    row = Deputy(
        principal_id=principal.id, deputy_id=deputy.id, starts_on=starts_on, ends_on=ends_on, created_by_id=actor.id
    )
    db.session.add(row)
    db.session.flush()
    db.session.info.pop(_MEMO, None)
    _record(actor, "deputy.create", row)
    return row


def revoke_deputy(actor: User, deputy_row_id: int) -> Deputy:
    """End a deputyship before or during its period: by its principal, whoever named it, or the head."""
    row = db.session.get(Deputy, deputy_row_id)
    if row is None or not _sees(actor, row):
        raise NotFound("Заместительство не найдено")
    if actor.id not in (row.principal_id, row.created_by_id) and not allowed(actor, Action.NAME_DEPUTIES):
        raise Forbidden("Отменить заместительство может тот, кого замещают, или заведующий отделением")
    if row.revoked_at is not None:
        raise Conflict("Заместительство уже отменено", code="deputy_revoked")
    if row.ends_on < local_today():
        raise Conflict("Период заместительства уже закончился", code="deputy_ended")
    row.revoked_at = utcnow()
    row.revoked_by_id = actor.id
    db.session.flush()
    db.session.info.pop(_MEMO, None)
    _record(actor, "deputy.revoke", row)
    return row


def _sees(actor: User, row: Deputy) -> bool:
    return actor.id in (row.principal_id, row.deputy_id) or allowed(actor, Action.NAME_DEPUTIES)


def _check_period(starts_on: dt.date, ends_on: dt.date) -> None:
    if starts_on > ends_on:
        raise ValidationError("Дата начала позже даты окончания", code="invalid_period")
    if ends_on < local_today():
        raise ValidationError("Период уже закончился: укажите дату окончания не раньше сегодняшней", code="past_period")
    if (ends_on - starts_on).days >= MAX_DAYS:
        raise ValidationError(f"Заместитель назначается не больше чем на {MAX_DAYS} дней", code="period_too_long")


def _check_deputy(principal: User, deputy: User) -> None:
    if deputy.id == principal.id:
        raise ValidationError("Нельзя назначить заместителем самого себя", code="self_deputy")
    if not deputy.is_active:
        raise ValidationError("Заместителем может быть только действующий пользователь", code="inactive_deputy")
    # A deputy reads the cases the approvals are in: an account that never reads case content cannot stand in.
    if not allowed(deputy, Action.WRITE_CASES):
        raise ValidationError("Заместителем может быть только сотрудник отделения", code="invalid_deputy")


def _record(actor: User, action: str, row: Deputy) -> None:
    record_event(
        actor,
        action,
        "user",
        row.principal_id,
        deputy=row.id,
        deputy_user=row.deputy_id,
        starts_on=row.starts_on.isoformat(),
        ends_on=row.ends_on.isoformat(),
    )


def candidates() -> Sequence[User]:
    """Who may be named a deputy (or, by the head, a principal): the department's active staff."""
    staff = select(User).where(User.is_active.is_(True), User.role.in_(roles_with(Action.WRITE_CASES)))
    return db.session.scalars(staff.order_by(User.full_name, User.username)).all()
