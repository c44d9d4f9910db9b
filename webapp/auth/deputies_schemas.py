"""Input and JSON records of deputyships (webapp.auth.deputies), for the API and the pages alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic
from sqlalchemy import select

from webapp.auth.deputies import name_deputy
from webapp.auth.models import Deputy, User
from webapp.exceptions import ValidationError
from webapp.extensions import db
from webapp.validation import StrictInput, parse_input


class DeputyInput(StrictInput):
    """`deputy` stands in for `principal` (default: the caller) from `starts_on` to `ends_on`, both included."""

    principal: str | None = pydantic.Field(default=None, min_length=1, max_length=64)
    deputy: str = pydantic.Field(min_length=1, max_length=64)
    starts_on: dt.date
    ends_on: dt.date


def name_from_input(actor: User, data: Any) -> Deputy:
    """Parse a request (JSON body or form fields) and name the deputy."""
    named = parse_input(DeputyInput, data)
    principal = actor if named.principal in (None, actor.username) else _user(named.principal, "principal")
    return name_deputy(actor, principal, _user(named.deputy, "deputy"), named.starts_on, named.ends_on)


def _user(username: str | None, field: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValidationError(f"{field}: пользователь не найден", code="unknown_user")
    return user


def deputy_json(row: Deputy, today: dt.date) -> dict[str, Any]:
    return {
        "id": row.id,
        "principal": _person(row.principal),
        "deputy": _person(row.deputy),
        "starts_on": row.starts_on.isoformat(),
        "ends_on": row.ends_on.isoformat(),
        "in_force": row.in_force(today),
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "created_at": row.created_at.isoformat(),
    }


def _person(user: User) -> dict[str, str]:
    return {"username": user.username, "full_name": user.full_name}
