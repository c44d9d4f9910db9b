"""Separation of duties for accounts. An administrator manages accounts but reads no case content, so a change
by an administrator that would let an account read more of it (a new specialist or head, a promotion to head or
specialist, more districts for a specialist) is a request that takes effect only when a head confirms it; until
then the account keeps what it had, and a new account does not exist. Narrowing an account's access takes effect
at once. The server's command line (`casefiles user ...`) applies changes directly.

A password an administrator sets (a reset, a new account) is for one login: the user must change it before doing
anything else, and heads see each reset on their dashboard for NOTICE_DAYS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select, update

from webapp.audit.services import record_event
from webapp.auth.models import AccessRequest, User
from webapp.auth.roles import Role
from webapp.auth.services import end_sessions, find_district, find_user, username_taken
from webapp.cases.permissions import content_scope
from webapp.dbtypes import utcnow
from webapp.exceptions import Conflict, Forbidden, NotFound
from webapp.extensions import db
from webapp.policy import Action, Actor, require

PENDING, CONFIRMED, DECLINED, SUPERSEDED = "pending", "confirmed", "declined", "superseded"
NOTICE_DAYS = 30


def widens_access(user: User | None, role: str, district_codes: Sequence[str]) -> bool:
    """Would the account (None: a new one) read content it cannot read now?"""
    before = content_scope(user.role, user.district_codes) if user is not None else frozenset()
    after = content_scope(role, district_codes)
    if before is None:
        return False
    return after is None or not after <= before


def apply_access(user: User, role: str, district_codes: Sequence[str]) -> None:
    """Set role and districts; a new role ends the user's sessions, so it takes effect at the next login."""
    districts = [find_district(code) for code in dict.fromkeys(district_codes)]
    if Role(role) is not Role(user.role):
        end_sessions(user)
    user.role, user.districts = role, districts
    supersede(user)


def set_access(actor: Actor, username: str, role: str, district_codes: Sequence[str]) -> User:
    """Set a user's role and districts at once, without a head's confirmation (the server's command line), and
    audit the change."""
    user = find_user(username)
    apply_access(user, role, district_codes)
    record_event(actor, "user.update", "user", user.id, role=role, districts=sorted(district_codes))
    return user


def supersede(user: User) -> None:
    """A later change of the account replaces what was waiting for it."""
    db.session.execute(
        update(AccessRequest)
        .where(AccessRequest.user_id == user.id, AccessRequest.status == PENDING)
        .values(status=SUPERSEDED, decided_at=utcnow())
    )


def request_change(actor: User, user: User, role: str, district_codes: Sequence[str]) -> AccessRequest:
    supersede(user)
    access_request = AccessRequest(
        user_id=user.id, role=role, district_codes=sorted(set(district_codes)), requested_by_id=actor.id
    )
    return _file(actor, access_request, user=user.id)


def request_new_account(
    actor: User, username: str, *, role: str, password_hash: str, full_name: str, district_codes: Sequence[str]
) -> AccessRequest:
    access_request = AccessRequest(
        username=username,
        full_name=full_name,
        password_hash=password_hash,
        role=role,
        district_codes=sorted(set(district_codes)),
        requested_by_id=actor.id,
    )
    return _file(actor, access_request)


def _file(actor: User, access_request: AccessRequest, **details: object) -> AccessRequest:
    """Keep the request and audit it (ids and codes only)."""
    db.session.add(access_request)
    db.session.flush()
    record_event(
        actor,
        "user.access_request",
        "access_request",
        access_request.id,
        **details,
        role=access_request.role,
        districts=access_request.district_codes,
    )
    return access_request


def pending_requests() -> Sequence[AccessRequest]:
    query = select(AccessRequest).where(AccessRequest.status == PENDING).order_by(AccessRequest.id)
    return db.session.scalars(query).all()


def require_head(actor: User) -> None:
    require(actor, Action.CONFIRM_ACCESS_REQUESTS)


def decide(actor: User, request_id: int, *, confirm: bool) -> AccessRequest:
    """A head confirms (the change takes effect now) or declines a waiting request; each request is decided once,
    even when two heads press at the same moment."""
    require_head(actor)
    access_request = db.session.get(AccessRequest, request_id)
    if access_request is None:
        raise NotFound("Запрос не найден")
    if access_request.user_id == actor.id:
        raise Forbidden("Изменение собственной учётной записи подтверждает другой заведующий", code="own_account")
    claimed = db.session.execute(
        update(AccessRequest)
        .where(AccessRequest.id == request_id, AccessRequest.status == PENDING)
        .values(status=CONFIRMED if confirm else DECLINED, decided_by_id=actor.id, decided_at=utcnow())
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise Conflict("Запрос уже рассмотрен или заменён более новым", code="request_decided")
    db.session.refresh(access_request)
    if not confirm:
        access_request.password_hash = None  # a declined new account's password is kept nowhere
        record_event(actor, "user.access_decline", "access_request", access_request.id)
        return access_request
    user = _confirmed_account(access_request)
    record_event(actor, "user.access_confirm", "access_request", access_request.id, user=user.id)
    return access_request


def _confirmed_account(access_request: AccessRequest) -> User:
    user = access_request.user
    if user is None:
        assert access_request.username is not None and access_request.password_hash is not None
        if username_taken(access_request.username):
            raise Conflict("Пользователь с таким именем уже есть", code="username_taken")
        user = User(
            username=access_request.username,
            full_name=access_request.full_name or access_request.username,
            role=access_request.role,
            password_hash=access_request.password_hash,
            must_change_password=True,
        )
        db.session.add(user)
        db.session.flush()
        access_request.user_id, access_request.password_hash = user.id, None
    elif not user.is_active:
        raise Conflict("Учётная запись отключена", code="user_inactive")
    apply_access(user, access_request.role, access_request.district_codes)
    return user


def password_reset_notices(actor: User, now: dt.datetime | None = None) -> Sequence[User]:
    """Accounts whose password an administrator set in the last NOTICE_DAYS, for heads: a reset lets whoever knows
    the one-time password sign in as that person, so it is never silent."""
    require_head(actor)
    since = (now or utcnow()) - dt.timedelta(days=NOTICE_DAYS)
    query = select(User).where(User.password_reset_at >= since).order_by(User.password_reset_at.desc())
    return db.session.scalars(query).all()
