"""User administration over the API (admin only)."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.api import actor, api, json_body
from webapp.auth.services import find_user
from webapp.cases.schemas import ReasonInput
from webapp.exceptions import Forbidden
from webapp.signing.services import deactivate_user
from webapp.uow import commit
from webapp.validation import parse_input


@api.post("/users/<username>/deactivate")
def deactivate(username: str) -> dict[str, Any]:
    """Login and tokens stop working; signing certificates are revoked (earlier signatures stay valid)."""
    if actor().role != "admin":
        raise Forbidden("Деактивирует пользователей администратор")
    reason = parse_input(ReasonInput, json_body()).reason if request.content_length else ""
    user = find_user(username)
    revoked = deactivate_user(actor(), user, reason)
    commit()
    return {"username": user.username, "active": user.is_active, "certificates_revoked": revoked}
