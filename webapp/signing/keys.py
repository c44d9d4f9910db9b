"""Signers' keys and certificates: a key opens only with its signer's PIN (webapp.signing.pki.pin_password), which
the server never keeps; what a signature needs is asked here (`signing_key`)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.exceptions import Conflict, Forbidden, ValidationError
from webapp.extensions import db
from webapp.runtime import signing_authority
from webapp.signing.models import SigningCertificate
from webapp.signing.pki import WrongKeyPassword, fingerprint, new_pin_salt, subject_name
from webapp.signing.timestamps import signer_lifetime

PIN_MIN_LENGTH, PIN_MAX_LENGTH = 6, 64
PIN_RULE = f"от {PIN_MIN_LENGTH} до {PIN_MAX_LENGTH} знаков: цифры, буквы или другие символы"
PIN_NOT_SET = (
    "Сначала задайте ПИН подписи (PUT /api/v1/account/signing-pin или страница «ПИН подписи»): ключ подписи "
    "будет зашифрован им, и подписать сможете только вы"
)

# The PIN given for the operation under way (the user's id and the PIN): a head's approval of a protocol signs
# its extracts (webapp.hearings.filing) with the PIN the approval came with. Never stored or logged.
_given: ContextVar[tuple[int, str] | None] = ContextVar("signing_pin", default=None)


class PinNotSet(Conflict):
    code = "pin_not_set"


class PinRequired(ValidationError):
    code = "pin_required"


class WrongPin(Forbidden):
    code = "wrong_pin"


def require_pin_rule(pin: str) -> None:
    if not PIN_MIN_LENGTH <= len(pin) <= PIN_MAX_LENGTH or pin != pin.strip():
        raise ValidationError(f"pin: ПИН подписи — {PIN_RULE}, без пробелов по краям", code="invalid_pin")


@contextlib.contextmanager
def given_pin(user: User, pin: str | None) -> Iterator[None]:
    """Signatures the operation makes for `user` open the key with `pin`."""
    token = _given.set((user.id, pin) if pin else None)
    try:
        yield
    finally:
        _given.reset(token)


def signing_key(user: User, pin: str | None) -> tuple[SigningCertificate, ec.EllipticCurvePrivateKey]:
    """The user's certificate and its key, opened with the PIN (given here or to `given_pin`); issued anew under
    the same PIN when the name or role the certificate states changed."""
    certificate = newest_certificate(user)
    if certificate is None or certificate.key_protection != "pin":
        raise PinNotSet(PIN_NOT_SET)
    given = _given.get()
    pin = pin or (given[1] if given and given[0] == user.id else None)
    if not pin:
        raise PinRequired("pin: введите ПИН подписи")
    key = open_key(certificate, pin)
    if x509.load_pem_x509_certificate(certificate.certificate_pem.encode("ascii")).subject != subject_of(user):
        revoke(certificate, "Сведения о владельце изменились")
        certificate = issue_certificate(user, pin)
        key = open_key(certificate, pin)
    return certificate, key


def open_key(certificate: SigningCertificate, pin: str) -> ec.EllipticCurvePrivateKey:
    authority = signing_authority()
    assert certificate.pin_salt is not None, "a PIN-protected key has its salt"
    try:
        return authority.load_signer_key(
            certificate.encrypted_key_pem, authority.pin_password(pin, certificate.pin_salt)
        )
    except WrongKeyPassword:
        raise WrongPin("Неверный ПИН подписи") from None


def protect_key(certificate: SigningCertificate, key: ec.EllipticCurvePrivateKey, pin: str) -> None:
    """Encrypt the key anew under `pin` (a fresh salt): the same certificate goes on."""
    salt = new_pin_salt()
    authority = signing_authority()
    certificate.encrypted_key_pem = authority.encrypt_key(key, authority.pin_password(pin, salt))
    certificate.key_protection, certificate.pin_salt = "pin", salt
    db.session.flush()


def server_key(certificate: SigningCertificate) -> ec.EllipticCurvePrivateKey:
    """A key made before PINs, encrypted with the CA folder's secret alone: opened once, to protect it by a PIN."""
    return signing_authority().load_signer_key(certificate.encrypted_key_pem)


def issue_certificate(user: User, pin: str) -> SigningCertificate:
    salt = new_pin_salt()
    authority = signing_authority()
    issued = authority.issue(subject_of(user), authority.pin_password(pin, salt), signer_lifetime())
    certificate = SigningCertificate(
        user_id=user.id,
        serial_number=format(issued.certificate.serial_number, "x"),
        sha256=fingerprint(issued.certificate),
        subject=issued.certificate.subject.rfc4514_string(),
        certificate_pem=issued.pem,
        encrypted_key_pem=issued.encrypted_key_pem,
        key_protection="pin",
        pin_salt=salt,
        not_after=issued.certificate.not_valid_after_utc,
    )
    db.session.add(certificate)
    db.session.flush()
    record_event(user, "certificate.issue", "user", user.id, certificate=certificate.id)
    return certificate


def subject_of(user: User) -> x509.Name:
    return subject_name(
        common_name=user.full_name,
        title=user.role_label,
        organization=current_app.config["CASEFILES"].institution_name,
        user_id=user.username,
    )


def newest_certificate(user: User) -> SigningCertificate | None:
    certificates = active_certificates(user)
    return certificates[0] if certificates else None


def active_certificates(user: User) -> list[SigningCertificate]:
    return list(
        db.session.scalars(
            select(SigningCertificate)
            .where(SigningCertificate.user_id == user.id, SigningCertificate.revoked_at.is_(None))
            .order_by(SigningCertificate.id.desc())
        ).all()
    )


def revoke(certificate: SigningCertificate, reason: str) -> None:
    certificate.revoked_at = dt.datetime.now(dt.UTC)
    certificate.revocation_reason = reason[:200]
    db.session.flush()
