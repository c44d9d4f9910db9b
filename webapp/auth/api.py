"""User administration over the API (admin only)."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.api import actor, api, json_body
from webapp.auth import admin
from webapp.auth.addresses import set_email
from webapp.auth.models import ApiToken, User
from webapp.auth.services import find_user
from webapp.cases.schemas import ReasonInput
from webapp.exceptions import ValidationError
from webapp.policy import Action, require
from webapp.signing.services import deactivate_user
from webapp.uow import commit
from webapp.validation import StrictInput, parse_input


class EmailInput(StrictInput):
    email: str | None  # null or "" removes the address


@api.post("/users/<username>/deactivate")
def deactivate(username: str) -> dict[str, Any]:
    """Login and tokens stop working; signing certificates are revoked (earlier signatures stay valid)."""
    require(actor(), Action.DEACTIVATE_USERS)
    reason = parse_input(ReasonInput, json_body()).reason if request.content_length else ""
    user = find_user(username)
    revoked = deactivate_user(actor(), user, reason)
    commit()
    return {"username": user.username, "active": user.is_active, "certificates_revoked": revoked}


@api.get("/users")
def users_list() -> dict[str, Any]:
    users = admin.list_users(actor())
    return {"items": [user_json(user) | {"email": user.email} for user in users], "total": len(users)}


@api.put("/users/<username>/email")
def user_email(username: str) -> dict[str, Any]:
    """Where the user's notifications are e-mailed: one's own, or anyone's for administrators (others: 404)."""
    user = set_email(actor(), find_user(username), parse_input(EmailInput, json_body()).email)
    commit()
    return {"username": user.username, "email": user.email}


@api.get("/tokens")
def tokens_list() -> dict[str, Any]:
    tokens = admin.list_tokens(actor())
    return {"items": [token_json(token) for token in tokens], "total": len(tokens)}


@api.post("/tokens")
def token_create() -> tuple[dict[str, Any], int]:
    body = json_body() if request.content_length else {}
    days = body.get("expires_in_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool)):
        raise ValidationError("expires_in_days: целое число дней", code="invalid_expiry")
    token, raw = admin.issue_token(actor(), expires_in_days=days)
    commit()
    return token_json(token) | {"token": raw}, 201


@api.delete("/tokens/<int:token_id>")
def token_revoke(token_id: int) -> tuple[str, int]:
    admin.revoke_token(actor(), token_id)
    commit()
    return "", 204


def user_json(user: User) -> dict[str, Any]:
    """A user as anyone may be shown them: never their e-mail address (webapp.auth.addresses)."""
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "districts": sorted(user.district_codes),
        "active": user.is_active,
    }


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "username": token.user.username,
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked": token.revoked_at is not None,
    }
