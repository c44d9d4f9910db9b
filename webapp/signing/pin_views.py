"""The «ПИН подписи» page (set, change, reset a forgotten PIN), an administrator's reset, and the PIN field of the
signing forms, which offers the one-time step inline to a user whose key is not yet protected by a PIN."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.auth.models import User
from webapp.auth.services import find_user
from webapp.exceptions import FORM_ERRORS, DomainError, Forbidden, TooManyAttempts, ValidationError
from webapp.policy import Action, require
from webapp.signing import pin
from webapp.signing.keys import PIN_RULE
from webapp.ui import current_actor, ui
from webapp.uow import commit, rollback

PAGE = "signing/pin.html"
PAGE_ERRORS: tuple[type[DomainError], ...] = (*FORM_ERRORS, Forbidden)  # a wrong PIN or password
MESSAGES = {
    pin.KEY_ISSUED: "ПИН подписи задан, ключ подписи выпущен",
    pin.KEY_PROTECTED: "ПИН подписи задан: ваш ключ подписи теперь открывается только им",
    pin.PIN_CHANGED: "ПИН подписи изменён",
}


@ui.app_template_global("signing_pin_state")
def signing_pin_state() -> str:
    return pin.pin_state(current_actor())


@ui.app_template_global("signing_pin_rule")
def signing_pin_rule() -> str:
    return PIN_RULE


def pin_from_form(actor: User) -> str | None:
    """The PIN of a signing form; when the form carried the one-time step (`new_pin`, `new_pin_repeat`), the PIN
    is set first and the signing goes on with it."""
    new_pin = request.form.get("new_pin", "")
    if not new_pin:
        return request.form.get("pin") or None
    _require_repeated(new_pin)
    if pin.pin_state(actor) == "pin":
        raise ValidationError("ПИН подписи уже задан: введите его", code="pin_already_set")
    pin.set_signing_pin(actor, new_pin)
    return new_pin


@ui.route("/account/signing-pin", methods=["GET", "POST"])
@login_required
def signing_pin_page() -> tuple[str, int] | str | Response:
    if request.method == "GET":
        return render_template(PAGE, state=pin.pin_state(current_actor()))
    actor = current_actor()
    try:
        message = _reset(actor) if request.form.get("action") == "reset" else _set(actor)
    except PAGE_ERRORS as exc:
        rollback()
        flash(exc.message, "error")
        status = 429 if isinstance(exc, TooManyAttempts) else 403 if isinstance(exc, Forbidden) else 400
        return render_template(PAGE, state=pin.pin_state(actor)), status
    commit()
    flash(message, "success")
    return redirect(url_for("ui.signing_pin_page"))


def _set(actor: User) -> str:
    new_pin, current_pin = request.form.get("new_pin", ""), request.form.get("current_pin", "")
    _require_repeated(new_pin)
    if not current_pin:
        return MESSAGES[pin.set_signing_pin(actor, new_pin)]
    with pin.pin_attempt(actor, request.remote_addr or ""):
        return MESSAGES[pin.set_signing_pin(actor, new_pin, current_pin)]


def _reset(actor: User) -> str:
    """A forgotten PIN, after the password (counted and throttled as a login's)."""
    new_pin = request.form.get("new_pin", "")
    _require_repeated(new_pin)
    with pin.password_attempt(actor, request.remote_addr or ""):
        pin.reset_own_pin(actor, request.form.get("password", ""), new_pin)
    return "ПИН подписи сброшен: прежний сертификат отозван, выпущен новый ключ; сделанные подписи остаются верными"


def _require_repeated(new_pin: str) -> None:
    if new_pin != request.form.get("new_pin_repeat", ""):
        raise ValidationError("ПИН подписи и его повтор не совпадают", code="pin_mismatch")


@ui.post("/admin/users/<username>/signing-pin/reset")
@login_required
def reset_user_signing_pin(username: str) -> Response:
    actor = current_actor()
    require(actor, Action.MANAGE_USERS)
    user = find_user(username)
    revoked = pin.reset_pin_of(actor, user)
    commit()
    flash(f"ПИН подписи сброшен; отозвано сертификатов: {revoked}. Пользователь задаст новый ПИН", "success")
    return redirect(url_for("ui.user_page", user_id=user.id))
