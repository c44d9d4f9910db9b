"""Explicit access to one case: the head opens a case to a person beyond their role (a psychologist who joins a
family's support, an administrator asked to look into a document) and closes it again. Both are on record."""

from __future__ import annotations

from sqlalchemy import select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.cases.events import CaseGranted
from webapp.cases.models import CaseGrant
from webapp.cases.permissions import CONTENT_WIDE_ROLES
from webapp.cases.services import get_case
from webapp.dbtypes import utcnow
from webapp.events import publish
from webapp.exceptions import Conflict, NotFound, ValidationError
from webapp.extensions import db
from webapp.policy import Action, require


def active_grants(actor: User, case_id: int) -> list[CaseGrant]:
    case = get_case(actor, case_id)
    query = select(CaseGrant).where(CaseGrant.case_id == case.id, CaseGrant.in_force())
    return list(db.session.scalars(query.order_by(CaseGrant.id)))


def grant_access(actor: User, case_id: int, username: str, reason: str) -> CaseGrant:
    _require_granter(actor)
    case = get_case(actor, case_id)
    reason = reason.strip()
    if len(reason) < 5 or len(reason) > 500:
        raise ValidationError("Укажите, зачем открывается доступ (от 5 до 500 знаков)", code="invalid_reason")
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        raise NotFound("Пользователь не найден")
    if any(grant.user_id == user.id and grant.hearing_id is None for grant in active_grants(actor, case.id)):
        raise Conflict("Доступ к делу этому пользователю уже открыт", code="already_granted")
    grant = CaseGrant(case_id=case.id, user_id=user.id, reason=reason, granted_by_id=actor.id)
    db.session.add(grant)
    db.session.flush()
    record_event(actor, "case.grant", "case", case.id, user=user.id, grant=grant.id)
    publish(CaseGranted(case.id, actor.id, user.id, grant.id))
    return grant


def revoke_access(actor: User, case_id: int, grant_id: int) -> CaseGrant:
    _require_granter(actor)
    case = get_case(actor, case_id)
    grant = db.session.get(CaseGrant, grant_id)
    if grant is None or grant.case_id != case.id or grant.revoked_at is not None:
        raise NotFound("Доступ не найден")
    grant.revoked_at, grant.revoked_by_id = utcnow(), actor.id
    record_event(actor, "case.revoke_grant", "case", case.id, user=grant.user_id, grant=grant.id)
    return grant


def _require_granter(actor: User) -> None:
    require(actor, Action.GRANT_CASE_ACCESS)


def grantable_users() -> list[User]:
    """Whom access can be opened to: active users of the roles that do not read every case's content anyway."""
    roles = [role for role in Role if role not in CONTENT_WIDE_ROLES]
    query = select(User).where(User.is_active.is_(True), User.role.in_(roles))
    return list(db.session.scalars(query.order_by(User.full_name)))
