"""What administrators do with accounts (users, roles, districts, passwords), and what everyone does with their
own API tokens. Every change is an audit event. A change that would let an account read more case content waits
for a head's confirmation (webapp.auth.access_requests); a password an administrator sets is for one login."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from webapp.audit.services import record_event
from webapp.auth import access_requests
from webapp.auth.models import ROLES, AccessRequest, ApiToken, District, User
from webapp.auth.services import (
    check_new_user,
    check_password_strength,
    create_api_token,
    create_user,
    end_sessions,
    ensure_district,
)
from webapp.dbtypes import utcnow
from webapp.exceptions import Conflict, NotFound, ValidationError
from webapp.extensions import db
from webapp.policy import Action, allowed, require, roles_with


def require_admin(actor: User) -> None:
    require(actor, Action.MANAGE_USERS)


def list_users(actor: User) -> Sequence[User]:
    require_admin(actor)
    return db.session.scalars(select(User).order_by(User.is_active.desc(), User.full_name)).all()


def list_districts() -> Sequence[District]:
    return db.session.scalars(select(District).order_by(District.code)).all()


def save_district(actor: User, code: str, name: str) -> District:
    """Add a district, or rename one (its code, which cases and users refer to, never changes)."""
    require_admin(actor)
    name = name.strip()
    if not 2 <= len(name) <= 200:
        raise ValidationError("Название участка: от 2 до 200 знаков", code="invalid_name")
    district = ensure_district(code.strip(), name)
    record_event(actor, "district.save", "district", district.id)
    return district


def get_user(actor: User, user_id: int) -> User:
    require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Пользователь не найден")
    return user


def add_user(
    actor: User, username: str, *, role: str, password: str, full_name: str, districts: Sequence[str]
) -> User | AccessRequest:
    """A new account; one that would read case content (a specialist with districts, a head) is a request."""
    require_admin(actor)
    check_new_user(username, role=role, password=password)
    for code in districts:
        ensure_district(code)
    if access_requests.widens_access(None, role, districts):
        return access_requests.request_new_account(
            actor,
            username,
            role=role,
            password_hash=generate_password_hash(password),
            full_name=full_name.strip() or username,
            district_codes=districts,
        )
    user = create_user(username, role=role, password=password, full_name=full_name, district_codes=districts)
    user.must_change_password = True
    record_event(actor, "user.create", "user", user.id, role=role)
    return user


def update_user(
    actor: User, user_id: int, *, role: str, full_name: str, districts: Sequence[str]
) -> AccessRequest | None:
    """Narrowing (or keeping) access takes effect at once; widening it returns the request a head must confirm.
    Either replaces what was waiting for the account."""
    user = get_user(actor, user_id)
    if role not in ROLES:
        raise ValidationError(f"Неизвестная роль; допустимы: {', '.join(ROLES)}", code="invalid_role")
    if user.id == actor.id and role not in roles_with(Action.MANAGE_USERS):
        raise Conflict("Нельзя снять с себя роль администратора", code="self_demotion")
    full_name = full_name.strip()
    if not 2 <= len(full_name) <= 200:
        raise ValidationError("Ф.И.О.: от 2 до 200 знаков", code="invalid_name")
    known = {district.code for district in list_districts()}
    unknown = sorted(set(districts) - known)
    if unknown:
        raise ValidationError(f"Нет таких участков: {', '.join(unknown)}", code="unknown_district")
    user.full_name = full_name
    if access_requests.widens_access(user, role, districts):
        return access_requests.request_change(actor, user, role, districts)
    access_requests.apply_access(user, role, districts)
    record_event(actor, "user.update", "user", user.id, role=role, districts=sorted(districts))
    return None


def pending_requests(actor: User) -> Sequence[AccessRequest]:
    require_admin(actor)
    return access_requests.pending_requests()


def set_password(actor: User, user_id: int, password: str) -> User:
    """A one-time password: the user's sessions end, and at their next login they must set their own before
    anything else; they are told, and heads see the reset on their dashboard."""
    user = get_user(actor, user_id)
    check_password_strength(password)
    user.password_hash = generate_password_hash(password)
    user.must_change_password = True
    user.password_reset_at, user.password_reset_by_id = utcnow(), actor.id
    end_sessions(user)
    record_event(actor, "user.password", "user", user.id)
    return user


# --- API tokens: each user their own; administrators see and revoke everyone's ------------------------------


def list_tokens(actor: User) -> Sequence[ApiToken]:
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if not allowed(actor, Action.MANAGE_ALL_TOKENS):
        query = query.where(ApiToken.user_id == actor.id)
    return db.session.scalars(query).all()


def issue_token(actor: User, *, expires_in_days: int | None) -> tuple[ApiToken, str]:
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise ValidationError("Срок действия токена: от 1 до 3650 дней", code="invalid_expiry")
    raw = create_api_token(actor, expires_in_days=expires_in_days)
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.id.desc())
    ).first()
    assert token is not None
    record_event(actor, "token.create", "api_token", token.id)
    return token, raw


def revoke_token(actor: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and not allowed(actor, Action.MANAGE_ALL_TOKENS)):
        raise NotFound("Токен не найден")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event(actor, "token.revoke", "api_token", token.id)
    return token
