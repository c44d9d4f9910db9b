"""Users, districts and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable

from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.audit.services import record_event
from webapp.auth.models import ROLES, AccessRequest, ApiToken, District, User
from webapp.dbtypes import utcnow
from webapp.exceptions import Conflict, Forbidden, NotFound, Unauthorized, ValidationError
from webapp.extensions import db

USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
DISTRICT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX_LENGTH = 8
# A fixed hash to compare against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = generate_password_hash("casefiles-timing-equaliser")


def create_user(
    username: str,
    *,
    role: str,
    password: str,
    full_name: str = "",
    district_codes: Iterable[str] = (),
) -> User:
    check_new_user(username, role=role, password=password)
    user = User(
        username=username,
        full_name=full_name.strip() or username,
        role=role,
        password_hash=generate_password_hash(password),
        districts=[ensure_district(code) for code in dict.fromkeys(district_codes)],
    )
    db.session.add(user)
    db.session.flush()
    return user


def check_new_user(username: str, *, role: str, password: str) -> None:
    """A new account's login is free (among users and accounts waiting for a head's confirmation)."""
    if not USERNAME_RE.match(username):
        raise ValidationError("Имя пользователя: латинские строчные буквы, цифры, точка, дефис (2–64 символа)")
    if role not in ROLES:
        raise ValidationError(f"Неизвестная роль; допустимы: {', '.join(ROLES)}")
    check_password_strength(password)
    if username_taken(username):
        raise Conflict("Пользователь с таким именем уже есть", code="username_taken")


def username_taken(username: str) -> bool:
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        return True
    waiting = select(AccessRequest.id).where(AccessRequest.username == username, AccessRequest.status == "pending")
    return db.session.scalar(waiting) is not None


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов", code="weak_password")


def end_sessions(user: User) -> None:
    """Every session of the user ends (the session version is part of each session's id): logout, a new password,
    a new role. One atomic update, so concurrent ends never undo each other."""
    db.session.execute(update(User).where(User.id == user.id).values(session_version=User.session_version + 1))


def check_password_change(current: str, new: str, repeat: str) -> None:
    """What can be checked of a change of one's own password without the current one's hash."""
    check_password_strength(new)
    if new != repeat:
        raise ValidationError("Новый пароль и повтор не совпадают", code="password_mismatch")
    if new == current:
        raise ValidationError("Новый пароль должен отличаться от прежнего", code="same_password")


def change_own_password(user: User, current: str, new: str) -> None:
    """The user sets their own password (they must, after an administrator set one); their other sessions end."""
    check_password_change(current, new, new)
    if not check_password_hash(user.password_hash, current):
        raise ValidationError("Текущий пароль введён неверно", code="wrong_password")
    user.password_hash = generate_password_hash(new)
    user.must_change_password = False
    end_sessions(user)
    record_event(user, "user.password_change", "user", user.id)


def ensure_district(code: str, name: str | None = None) -> District:
    if not DISTRICT_CODE_RE.match(code):
        raise ValidationError("Код участка: латинские буквы, цифры, дефис, подчёркивание (до 40 символов)")
    district = db.session.scalar(select(District).where(District.code == code))
    if district is None:
        district = District(code=code, name=name or code)
        db.session.add(district)
        db.session.flush()
    elif name and district.name != name:
        district.name = name
    return district


def find_district(code: str) -> District:
    district = db.session.scalar(select(District).where(District.code == code))
    if district is None:
        raise ValidationError("Неизвестный участок", code="unknown_district")
    return district


def find_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("Пользователь не найден")
    return user


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user


def create_api_token(user: User, *, expires_in_days: int | None = None) -> str:
    """Create a token and return it in clear: the only time it is ever visible."""
    raw = "cf_" + secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    db.session.add(
        ApiToken(
            user_id=user.id,
            token_sha256=_token_digest(raw),
            prefix=raw[:TOKEN_PREFIX_LENGTH],
            expires_at=expires_at,
        )
    )
    db.session.flush()
    return raw


def user_for_token(raw: str) -> User:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _token_digest(raw)))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        raise Unauthorized("Недействительный токен", code="invalid_token")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized("Срок действия токена истёк", code="token_expired")
    if not token.user.is_active:
        raise Unauthorized("Учётная запись отключена", code="invalid_token")
    if token.user.must_change_password:
        raise Forbidden("Сначала смените пароль на странице «Пароль»", code="password_change_required")
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        token.last_used_at = now  # coarse, so reads do not write on every request
    return token.user


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
