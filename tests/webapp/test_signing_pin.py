"""Signing PINs (issue 28): a signer's key opens only with their PIN; setting, changing and resetting it, the
one-time step for keys made before PINs, throttling wrong PINs, the API's errors and the pages."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import PASSWORD, PIN, REAL_PIN_SCRYPT_N, World
from tests.webapp.test_pages import _csrf, forget_request_state
from tests.webapp.test_signatures import _act
from webapp.audit.models import AuditEvent
from webapp.auth import throttle
from webapp.auth.models import User
from webapp.extensions import db
from webapp.runtime import signing_authority
from webapp.signing import keys, pki
from webapp.signing.models import Signature, SigningCertificate
from webapp.signing.services import sign_version

NEW_PIN = "new-pin-7070"
PIN_URL = "/api/v1/account/signing-pin"


def _sign(world: World, document_id: int, pin: str | None, username: str = "spec1", role: str = "составил") -> Any:
    body: dict[str, Any] = {"role": role} if pin is None else {"role": role, "pin": pin}
    return world[username].post(f"/api/v1/documents/{document_id}/versions/1/signatures", json=body)


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def _certificates(username: str) -> list[SigningCertificate]:
    query = select(SigningCertificate).where(SigningCertificate.user_id == _user(username).id)
    return list(db.session.scalars(query.order_by(SigningCertificate.id)).all())


def _signature_count() -> int:
    return len(db.session.scalars(select(Signature.id)).all())


def test_without_the_pin_no_signature_can_be_made_with_the_database_and_every_server_file(
    app: Flask, world: World
) -> None:
    document = _act(world)
    [certificate] = _certificates("spec1")
    assert (certificate.key_protection, len(certificate.pin_salt or "")) == ("pin", 32)
    authority = signing_authority()
    stored_key = certificate.encrypted_key_pem
    # The CA folder's secret alone (what the server keeps) does not open the key, nor does a wrong PIN.
    with pytest.raises(pki.WrongKeyPassword):
        authority.load_signer_key(stored_key)
    with pytest.raises(pki.WrongKeyPassword):
        authority.load_signer_key(stored_key, authority.pin_password("not-the-pin", certificate.pin_salt or ""))
    # Nor does the PIN without the folder's secret: with another secret, the right PIN's password is another.
    folder = app.config["CASEFILES"].ca_dir
    stranger = pki.CertificateAuthority(folder, authority.key, authority.certificate, b"another secret")
    with pytest.raises(pki.WrongKeyPassword):
        stranger.load_signer_key(stored_key, stranger.pin_password(PIN, certificate.pin_salt or ""))
    # The services refuse too: no PIN, a wrong PIN; through the API the same, and no signature is made.
    spec1 = _user("spec1")
    with pytest.raises(keys.PinRequired):
        sign_version(spec1, document["id"], 1, "составил")
    with pytest.raises(keys.WrongPin):
        sign_version(spec1, document["id"], 1, "составил", "not-the-pin")
    db.session.rollback()
    missing, wrong = _sign(world, document["id"], None), _sign(world, document["id"], "not-the-pin")
    assert (missing.status_code, missing.get_json()["error"]["code"]) == (400, "pin_required")
    assert (wrong.status_code, wrong.get_json()["error"]["code"]) == (403, "wrong_pin")
    assert _signature_count() == 0
    # Nothing of the PIN's is kept: the key row holds the salt and the encrypted key only.
    assert PIN not in json.dumps([certificate.encrypted_key_pem, certificate.pin_salt, certificate.subject])
    # With the PIN, it signs, and the key the PIN opened is the certificate's.
    signed = _sign(world, document["id"], PIN)
    assert signed.status_code == 201, signed.get_json()
    opened = authority.load_signer_key(stored_key, authority.pin_password(PIN, certificate.pin_salt or ""))
    assert opened.public_key() == pki.x509.load_pem_x509_certificate(certificate.certificate_pem.encode()).public_key()


def test_the_pin_is_derived_with_scrypt_at_its_real_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests derive cheaply (tests/conftest.py); the code derives with the module's cost, 2**15 or more."""
    assert REAL_PIN_SCRYPT_N >= 2**15
    monkeypatch.setattr(pki, "PIN_SCRYPT_N", REAL_PIN_SCRYPT_N)
    salt = bytes(range(16))
    expected = hashlib.scrypt(b"123456", salt=salt, n=REAL_PIN_SCRYPT_N, r=8, p=1, dklen=32, maxmem=2**26)
    assert pki.derive_pin_key("123456", salt) == expected


def test_set_change_and_reset_the_pin(world: World) -> None:
    spec1 = world["spec1"]
    assert spec1.get(PIN_URL).get_json()["state"] == "pin"
    before = spec1.get(PIN_URL).get_json()["certificate_serial"]
    # Change: the current PIN is required and checked; the same certificate goes on under the new one.
    without = spec1.put(PIN_URL, json={"pin": NEW_PIN})
    assert (without.status_code, without.get_json()["error"]["code"]) == (400, "pin_required")
    wrong = spec1.put(PIN_URL, json={"pin": NEW_PIN, "current_pin": "not-the-pin"})
    assert (wrong.status_code, wrong.get_json()["error"]["code"]) == (403, "wrong_pin")
    changed = spec1.put(PIN_URL, json={"pin": NEW_PIN, "current_pin": PIN})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["outcome"], changed.get_json()["certificate_serial"]) == ("changed", before)
    first, second = _act(world), _act(world)
    assert _sign(world, first["id"], PIN).get_json()["error"]["code"] == "wrong_pin"
    assert _sign(world, first["id"], NEW_PIN).status_code == 201
    # Reset a forgotten PIN: the password is checked; the old certificate is revoked, a new key issued.
    refused = spec1.post(f"{PIN_URL}/reset", json={"pin": PIN, "password": "not-the-password"})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "wrong_password")
    reset = spec1.post(f"{PIN_URL}/reset", json={"pin": PIN, "password": PASSWORD})
    assert reset.status_code == 200, reset.get_json()
    assert reset.get_json()["certificate_serial"] != before
    old, new = _certificates("spec1")
    assert (old.revoked_at is not None, new.revoked_at, new.key_protection) == (True, None, "pin")
    assert _sign(world, second["id"], NEW_PIN).get_json()["error"]["code"] == "wrong_pin"
    assert _sign(world, second["id"], PIN).status_code == 201
    # The signature made before the reset stays valid.
    checked = spec1.get(f"/api/v1/documents/{first['id']}/versions/1/signatures").get_json()["items"]
    assert [(item["valid"], item["certificate_serial"]) for item in checked] == [(True, before)]
    # No PIN in the audit log.
    details = json.dumps([event.details for event in db.session.scalars(select(AuditEvent)).all()])
    assert PIN not in details and NEW_PIN not in details


def test_the_pin_rule_is_checked(world: World) -> None:
    for pin in ("12345", "x" * 65, ""):
        refused = world["spec1"].put(PIN_URL, json={"pin": pin, "current_pin": PIN})
        assert (refused.status_code, refused.get_json()["error"]["message"][:4]) == (400, "pin:"), pin
    assert world["spec1"].put(PIN_URL, json={"pin": "123456", "current_pin": PIN}).status_code == 200
    assert world["spec1"].put(PIN_URL, json={"pin": "П" * 64, "current_pin": "123456"}).status_code == 200


def test_an_administrator_resets_a_users_pin(world: World) -> None:
    document = _act(world)
    refused = world["head"].post("/api/v1/users/spec1/signing-pin/reset")
    assert refused.status_code == 403
    reset = world["admin"].post("/api/v1/users/spec1/signing-pin/reset")
    assert (reset.status_code, reset.get_json()["certificates_revoked"]) == (200, 1)
    assert world["spec1"].get(PIN_URL).get_json()["state"] == "none"
    unset = _sign(world, document["id"], PIN)
    assert (unset.status_code, unset.get_json()["error"]["code"]) == (409, "pin_not_set")
    assert "PUT /api/v1/account/signing-pin" in unset.get_json()["error"]["message"]
    issued = world["spec1"].put(PIN_URL, json={"pin": NEW_PIN})
    assert issued.get_json()["outcome"] == "issued"
    assert _sign(world, document["id"], NEW_PIN).status_code == 201
    assert [row.revoked_at is None for row in _certificates("spec1")] == [False, True]


def _server_protected_key(username: str) -> SigningCertificate:
    """A key as casefiles kept them before PINs: encrypted with the CA folder's secret alone."""
    user = _user(username)
    for certificate in _certificates(username):
        db.session.delete(certificate)
    issued = signing_authority().issue(keys.subject_of(user))
    certificate = SigningCertificate(
        user_id=user.id,
        serial_number=format(issued.certificate.serial_number, "x"),
        sha256=pki.fingerprint(issued.certificate),
        subject=issued.certificate.subject.rfc4514_string(),
        certificate_pem=issued.pem,
        encrypted_key_pem=issued.encrypted_key_pem,
        not_after=issued.certificate.not_valid_after_utc,
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate


def test_a_key_made_before_pins_is_protected_at_the_first_signing_after_the_upgrade(world: World) -> None:
    document = _act(world)
    old = _server_protected_key("spec1")
    assert world["spec1"].get(PIN_URL).get_json()["state"] == "server"
    refused = _sign(world, document["id"], PIN)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "pin_not_set")
    protected = world["spec1"].put(PIN_URL, json={"pin": NEW_PIN})
    assert protected.status_code == 200, protected.get_json()
    assert (protected.get_json()["outcome"], protected.get_json()["certificate_serial"]) == (
        "protected",
        old.serial_number,
    )
    db.session.expire_all()
    [certificate] = _certificates("spec1")
    assert certificate.key_protection == "pin"
    with pytest.raises(pki.WrongKeyPassword):  # the server's secret alone no longer opens it
        signing_authority().load_signer_key(certificate.encrypted_key_pem)
    signed = _sign(world, document["id"], NEW_PIN)
    assert signed.status_code == 201 and signed.get_json()["certificate_serial"] == old.serial_number


def test_wrong_pins_are_throttled_and_a_request_refused_before_the_check_does_not_count(world: World) -> None:
    document = _act(world)
    for _ in range(throttle.LIMITS["user"] - 1):
        assert _sign(world, document["id"], "not-the-pin").status_code == 403
    for _ in range(3):  # refused before the PIN is tried: no attempt spent
        assert _sign(world, document["id"], "not-the-pin", role="нет такой роли").status_code == 400
    assert _sign(world, document["id"], "not-the-pin").status_code == 403  # the limit's last
    locked = _sign(world, document["id"], PIN)  # even the right PIN, for a while
    assert (locked.status_code, locked.get_json()["error"]["code"]) == (429, "too_many_attempts")
    assert PIN not in locked.get_json()["error"]["message"]
    other = _act(world)  # another signer is not locked
    assert _sign(world, other["id"], PIN, username="head", role="составил").status_code in (201, 403, 409)
    changing = world["spec1"].put(PIN_URL, json={"pin": NEW_PIN, "current_pin": PIN})
    assert changing.status_code == 429  # changing the PIN is counted with signing
    # After the lock, the right PIN signs and clears the count.
    later = dt.datetime.now(dt.UTC) + throttle.LOCK + dt.timedelta(seconds=1)
    assert throttle.begin_attempt(f"pin:{_user('spec1').id}", "pin 127.0.0.1", now=later) is None
    db.session.rollback()


def _login(client: FlaskClient, username: str) -> None:
    forget_request_state()
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page.get_data(as_text=True))}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_the_pages_ask_for_the_pin_and_offer_the_one_time_step(world: World, client: FlaskClient) -> None:
    document = _act(world)
    _login(client, "spec1")
    case_page = client.get(f"/cases/{document['case_id']}").get_data(as_text=True)
    assert 'name="pin"' in case_page and "ПИН подписи" in case_page
    url = f"/documents/{document['id']}/versions/1/sign"
    wrong = client.post(url, data={"role": "составил", "pin": "not-the-pin", "csrf_token": _csrf(case_page)})
    assert wrong.status_code == 302
    assert "Неверный ПИН подписи" in client.get(wrong.headers["Location"]).get_data(as_text=True)
    assert _signature_count() == 0
    # A key made before PINs: the form offers the step inline, and the signing goes on with the new PIN.
    _server_protected_key("spec1")
    case_page = client.get(f"/cases/{document['case_id']}").get_data(as_text=True)
    assert 'name="new_pin"' in case_page and "Задайте ПИН подписи" in case_page
    step = {"role": "составил", "new_pin": NEW_PIN, "new_pin_repeat": NEW_PIN, "csrf_token": _csrf(case_page)}
    signed = client.post(url, data=step)
    assert "подписана электронной подписью" in client.get(signed.headers["Location"]).get_data(as_text=True)
    assert _signature_count() == 1
    db.session.expire_all()
    assert [c.key_protection for c in _certificates("spec1")] == ["pin"]
    # The «ПИН подписи» page: change (the current PIN checked), with the rule said.
    page = client.get("/account/signing-pin").get_data(as_text=True)
    assert "ПИН подписи задан" in page and "от 6 до 64 знаков" in page
    form = {"current_pin": "not-the-pin", "new_pin": PIN, "new_pin_repeat": PIN, "csrf_token": _csrf(page)}
    refused = client.post("/account/signing-pin", data=form)
    assert refused.status_code == 403 and "Неверный ПИН подписи" in refused.get_data(as_text=True)
    changed = client.post("/account/signing-pin", data=form | {"current_pin": NEW_PIN})
    assert changed.status_code == 302
    assert "ПИН подписи изменён" in client.get("/account/signing-pin").get_data(as_text=True)
