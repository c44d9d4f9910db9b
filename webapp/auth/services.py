"""Users, districts and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.auth.models import ROLES, ApiToken, District, User
from webapp.dbtypes import utcnow
from webapp.exceptions import Conflict, NotFound, Unauthorized, ValidationError
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
    if not USERNAME_RE.match(username):
        raise ValidationError("Имя пользователя: латинские строчные буквы, цифры, точка, дефис (2–64 символа)")
    if role not in ROLES:
        raise ValidationError(f"Неизвестная роль; допустимы: {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("Пользователь с таким именем уже есть")
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
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        token.last_used_at = now  # coarse, so reads do not write on every request
    return token.user


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
