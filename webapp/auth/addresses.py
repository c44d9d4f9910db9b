"""Users' e-mail addresses, where notifications are sent (webapp.notifications). An address is personal data: it is
shown to its user and to those who manage users, never to other users, and never written to the audit log."""

from __future__ import annotations

import re

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.exceptions import NotFound, ValidationError
from webapp.policy import Action, Actor, allowed

# local@domain.tld: no spaces, quotes, brackets, commas or semicolons (nothing that could split a header), a dot in
# the domain, labels of letters (any alphabet), digits and hyphens.
_ADDRESS = re.compile(r"^[^\s@\"'<>()\[\],;:\\]{1,64}@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}$")
INVALID = "Адрес электронной почты: ожидался адрес вида name@example.ru"


def normalize_email(raw: str | None) -> str | None:
    """A checked address (its domain in lower case), or None for an empty value (no address: no e-mail)."""
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > 254 or not _ADDRESS.fullmatch(value) or any(ord(char) < 32 for char in value):
        raise ValidationError(INVALID, code="invalid_email")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def may_see_email(viewer: Actor, user: User) -> bool:
    """Only the user and those who manage users see an address."""
    return allowed(viewer, Action.MANAGE_USERS) or (isinstance(viewer, User) and viewer.id == user.id)


def set_email(actor: Actor, user: User, raw: str | None) -> User:
    """Set (or, with an empty value, remove) the user's address: their own, or anyone's for those who manage
    users. The audit log records that it changed, never the address."""
    if not may_see_email(actor, user):
        raise NotFound("Пользователь не найден")
    email = normalize_email(raw)
    if email != user.email:
        user.email = email
        record_event(actor, "user.email", "user", user.id, present=email is not None)
    return user
