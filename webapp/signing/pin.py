"""A signer's PIN: set (the one-time step that protects a key made before PINs, or the first key), change, and
reset when forgotten (by the signer after their password, or by an administrator: the old certificate is revoked,
and the next PIN set gets a new key; signatures made before stay valid). Wrong PINs are throttled like logins
(`pin_attempt`). A PIN is never stored, logged or put in a message."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from webapp.audit.services import record_event
from webapp.auth import services as auth_services
from webapp.auth import throttle
from webapp.auth.models import User
from webapp.exceptions import Conflict, Forbidden, TooManyAttempts
from webapp.policy import Action, Actor, require
from webapp.signing.keys import (
    PinRequired,
    WrongPin,
    issue_certificate,
    newest_certificate,
    open_key,
    protect_key,
    require_pin_rule,
    server_key,
)
from webapp.signing.models import SigningCertificate
from webapp.signing.services import revoke_certificates
from webapp.uow import commit, rollback


class WrongPassword(Forbidden):
    code = "wrong_password"


PIN_CHANGED, KEY_PROTECTED, KEY_ISSUED = "changed", "protected", "issued"


def pin_state(user: User) -> str:
    """ "pin": the user's key opens with their PIN; "server": a key made before PINs awaits its one-time step;
    "none": no key yet (one is issued when the PIN is set)."""
    certificate = newest_certificate(user)
    return "none" if certificate is None else certificate.key_protection


def set_signing_pin(user: User, pin: str, current_pin: str | None = None) -> str:
    """Set or change the user's own PIN; says what was done: a key made before PINs is now protected by it (the
    same certificate), a first key issued under it, or the PIN changed (`current_pin` required)."""
    require_pin_rule(pin)
    certificate = newest_certificate(user)
    if certificate is None:
        certificate = issue_certificate(user, pin)
        outcome = KEY_ISSUED
    elif certificate.key_protection != "pin":
        protect_key(certificate, server_key(certificate), pin)
        outcome = KEY_PROTECTED
    else:
        if not current_pin:
            raise PinRequired(
                "current_pin: ПИН подписи уже задан: чтобы сменить его, введите текущий ПИН; если он забыт, "
                "сбросьте ПИН (понадобится пароль)"
            )
        protect_key(certificate, open_key(certificate, current_pin), pin)
        outcome = PIN_CHANGED
    record_event(user, f"signing_pin.{outcome}", "user", user.id, certificate=certificate.id)
    return outcome


def reset_own_pin(user: User, password: str, pin: str) -> SigningCertificate:
    """A forgotten PIN: after the password, the old certificates are revoked and a new key is issued under `pin`."""
    require_pin_rule(pin)
    if auth_services.authenticate(user.username, password) is None:
        raise WrongPassword("Пароль введён неверно")
    revoke_certificates(user, user, "ПИН подписи сброшен владельцем")
    certificate = issue_certificate(user, pin)
    record_event(user, "signing_pin.reset", "user", user.id, certificate=certificate.id)
    return certificate


def reset_pin_of(actor: Actor, user: User) -> int:
    """An administrator's reset: the user's certificates are revoked; they set a new PIN (and get a new key) at
    their next signing. Returns how many certificates were revoked."""
    require(actor, Action.MANAGE_USERS)
    if actor.id == user.id:
        raise Conflict("Свой ПИН подписи сбросьте на странице «ПИН подписи» (с паролем)", code="self_reset")
    revoked = revoke_certificates(actor, user, "ПИН подписи сброшен администратором")
    record_event(actor, "signing_pin.reset_by_admin", "user", user.id, certificates=revoked)
    return revoked


def pin_attempt(user: User, address: str) -> contextlib.AbstractContextManager[None]:
    """Count a try of the user's PIN before it is checked, as logins are (webapp.auth.throttle), under keys of its
    own. Views wrap the operation that may open the key."""
    refusal = "Слишком много неверных ПИН подписи. Повторите через {minutes} мин."
    return _counted(user, f"pin:{user.id}", f"pin {address}", WrongPin, refusal)


def password_attempt(user: User, address: str) -> contextlib.AbstractContextManager[None]:
    """Count a try of the user's password (a PIN's reset) as a login's: the same counts as their logins."""
    refusal = "Слишком много неверных паролей. Повторите через {minutes} мин."
    return _counted(user, user.username, address, WrongPassword, refusal)


@contextlib.contextmanager
def _counted(user: User, name: str, where: str, failure: type[Exception], refusal: str) -> Iterator[None]:
    """The try is counted and committed before the secret is checked: a wrong one (`failure`) counts, a right one
    clears the count, a request that failed otherwise gives its try back."""
    wait = throttle.begin_attempt(name, where)
    if wait is not None:
        record_event(user, "signing_pin.throttled", "user", user.id)
        commit()
        raise TooManyAttempts(refusal.format(minutes=max(1, -(-int(wait.total_seconds()) // 60))))
    commit()
    try:
        yield
    except failure:
        rollback()
        throttle.record_failure(name, where)
        record_event(user, "signing_pin.wrong_secret", "user", user.id)
        commit()
        raise
    except BaseException:
        rollback()
        throttle.cancel_attempt(name, where)
        commit()
        raise
    throttle.record_success(name, where)
