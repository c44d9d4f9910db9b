"""The signer's PIN in the API: its state, setting and changing it, resetting a forgotten one (own, with the
password; an administrator's for a user)."""

from __future__ import annotations

from typing import Any

import pydantic
from flask import request

from webapp.api import actor, api, json_body
from webapp.auth.models import User
from webapp.auth.services import find_user
from webapp.policy import Action, require
from webapp.signing import pin
from webapp.signing.keys import PIN_MAX_LENGTH, PIN_RULE, newest_certificate
from webapp.uow import commit
from webapp.validation import StrictInput, parse_input


class PinInput(StrictInput):
    pin: str = pydantic.Field(max_length=PIN_MAX_LENGTH)
    current_pin: str | None = pydantic.Field(default=None, max_length=PIN_MAX_LENGTH)


class PinResetInput(StrictInput):
    pin: str = pydantic.Field(max_length=PIN_MAX_LENGTH)
    password: str = pydantic.Field(min_length=1, max_length=200)


@api.get("/account/signing-pin")
def signing_pin_state() -> dict[str, Any]:
    user = actor()
    return _state(user)


@api.put("/account/signing-pin")
def set_signing_pin() -> dict[str, Any]:
    data = parse_input(PinInput, json_body())
    user = actor()
    if data.current_pin:
        with pin.pin_attempt(user, request.remote_addr or ""):
            outcome = pin.set_signing_pin(user, data.pin, data.current_pin)
    else:
        outcome = pin.set_signing_pin(user, data.pin)
    commit()
    return _state(user) | {"outcome": outcome}


@api.post("/account/signing-pin/reset")
def reset_signing_pin() -> dict[str, Any]:
    """A forgotten PIN: the password is checked as a login's is (counted first, throttled)."""
    data = parse_input(PinResetInput, json_body())
    user = actor()
    with pin.password_attempt(user, request.remote_addr or ""):
        pin.reset_own_pin(user, data.password, data.pin)
    commit()
    return _state(user) | {"outcome": "reset"}


@api.post("/users/<username>/signing-pin/reset")
def reset_user_signing_pin(username: str) -> dict[str, Any]:
    require(actor(), Action.MANAGE_USERS)
    revoked = pin.reset_pin_of(actor(), find_user(username))
    commit()
    return {"username": username, "certificates_revoked": revoked}


def _state(user: User) -> dict[str, Any]:
    certificate = newest_certificate(user)
    return {
        "state": pin.pin_state(user),
        "rule": PIN_RULE,
        "certificate_serial": certificate.serial_number if certificate else None,
        "certificate_sha256": certificate.sha256 if certificate else None,
    }
