"""Trusted time on signatures (issue 28, CAdES-T): every new signature carries an RFC 3161 token over its
signature value, from a TSA over HTTP (tests/tsa_server.py: `openssl ts -reply`) or casefiles' own TSA; stock
`openssl cms -verify` and `openssl ts -verify` accept them; a certificate that expires or is revoked after the
timestamp leaves the signature valid at signing time, one revoked before does not; certificates are short-lived
and renewed for the same key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from flask import Flask

from tests.conftest import PIN, World
from tests.tsa_server import TestTsa, running_tsa
from tests.webapp.test_forms import fill
from tests.webapp.test_pages import login
from webapp.auth.models import User
from webapp.blobs.models import StoredFile
from webapp.extensions import db
from webapp.signing import timestamps
from webapp.signing.models import Signature, SigningCertificate, TrustedAuthority

OPENSSL = shutil.which("openssl")
# The README's commands: the token and the signature value it covers, cut out of the .p7s with openssl asn1parse.
EXTRACT = r"""
set -e
OFF=$(openssl asn1parse -inform DER -in sig.p7s \
  | awk -F: '/id-smime-aa-timeStampToken/ {getline; getline; print $1+0; exit}')
openssl asn1parse -inform DER -in sig.p7s -offset "$OFF" -out token.der -noout
SIGOFF=$(openssl asn1parse -inform DER -in sig.p7s \
  | awk -F: '/prim: OCTET STRING/ {last=$1+0} /cont \[ 1 \]/ {print last; exit}')
openssl asn1parse -inform DER -in sig.p7s -strparse "$SIGOFF" -out value.der -noout
"""


@pytest.fixture
def tsa_server() -> Iterator[TestTsa]:
    with running_tsa() as server:
        yield server


def _use_tsa(app: Flask, url: str) -> None:
    app.config["CASEFILES"] = dataclasses.replace(app.config["CASEFILES"], tsa_url=url)


def _move_clock(monkeypatch: pytest.MonkeyPatch, delta: dt.timedelta) -> None:
    """The clock verification and renewal read (webapp.signing.timestamps.now), moved by `delta`."""
    real = timestamps.now
    monkeypatch.setattr(timestamps, "now", lambda: real() + delta)


def trust(tsa_server: TestTsa) -> None:
    """The test TSA's root on «Доверенные УЦ», as an administrator adds it."""
    ca = x509.load_pem_x509_certificate(tsa_server.ca_pem)
    admin_id = db.session.scalar(db.select(User.id).where(User.username == "admin"))
    assert admin_id is not None
    db.session.add(
        TrustedAuthority(
            name="Test TSA Root",
            certificate_pem=tsa_server.ca_pem.decode("ascii"),
            sha256=ca.fingerprint(hashes.SHA256()).hex(),
            not_after=ca.not_valid_after_utc,
            added_by_id=admin_id,
        )
    )
    db.session.commit()


def _signed(world: World, username: str = "spec1") -> tuple[dict[str, Any], Any]:
    case = world.open_case()
    created = fill(world, case["id"])
    assert created.status_code == 201, created.get_json()
    document: dict[str, Any] = created.get_json()
    return document, _sign(world, username, document["id"])


def _sign(world: World, username: str, document_id: int) -> Any:
    return world[username].post(
        f"/api/v1/documents/{document_id}/versions/1/signatures", json={"role": "составил", "pin": PIN}
    )


def _checked(world: World, document_id: int) -> dict[str, Any]:
    response = world["head"].get(f"/api/v1/documents/{document_id}/versions/1/signatures")
    assert response.status_code == 200, response.get_json()
    [item] = [item for item in response.get_json()["items"] if item.get("origin", "internal") == "internal"]
    return dict(item)


def _openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None, "openssl is needed (scripts/test.sh installs it)"
    return subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, text=True, check=False)


def _download(world: World, document_id: int, signature_id: int, ca: bytes, folder: Path) -> None:
    (folder / "sig.p7s").write_bytes(world["spec1"].get(f"/api/v1/signatures/{signature_id}/cms").data)
    (folder / "file").write_bytes(world["spec1"].get(f"/api/v1/documents/{document_id}/versions/1/content").data)
    (folder / "ca.pem").write_bytes(ca)
    subprocess.run(["bash", "-c", EXTRACT], cwd=folder, check=True, capture_output=True)


def _cms_verifies(folder: Path) -> subprocess.CompletedProcess[str]:
    return _openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.p7s", "-content", "file", "-CAfile", "ca.pem",
        "-purpose", "any", "-out", "/dev/null", cwd=folder,
    )  # fmt: skip


def test_own_tsa_stamps_every_signature_and_openssl_accepts_both(world: World, client: Any, tmp_path: Path) -> None:
    document, created = _signed(world)
    assert created.status_code == 201, created.get_json()
    signature = created.get_json()
    stamped_at = dt.datetime.fromisoformat(signature["timestamped_at"])
    assert abs(stamped_at - dt.datetime.fromisoformat(signature["signed_at"])) < dt.timedelta(minutes=1)

    _download(world, document["id"], signature["id"], client.get("/api/v1/ca.pem").data, tmp_path)
    assert _cms_verifies(tmp_path).returncode == 0, _cms_verifies(tmp_path).stderr
    checked = _openssl("ts", "-verify", "-token_in", "-in", "token.der", "-data", "value.der", "-CAfile", "ca.pem",
                       cwd=tmp_path)  # fmt: skip
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked.stderr
    # The token is over this signature's value: another's does not verify.
    (tmp_path / "value.der").write_bytes(b"\x30\x00")
    other = _openssl("ts", "-verify", "-token_in", "-in", "token.der", "-data", "value.der", "-CAfile", "ca.pem",
                     cwd=tmp_path)  # fmt: skip
    assert other.returncode != 0
    # The own TSA's certificate: under the institution's CA, extendedKeyUsage timeStamping alone and critical.
    token = asn1_cms.ContentInfo.load((tmp_path / "token.der").read_bytes())
    [tsa_certificate] = [
        x509.load_der_x509_certificate(choice.chosen.dump())
        for choice in token["content"]["certificates"]
        if not x509.load_der_x509_certificate(choice.chosen.dump())
        .extensions.get_extension_for_class(x509.BasicConstraints)
        .value.ca
    ]
    usage = tsa_certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical and list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert (_checked(world, document["id"])["status"], _checked(world, document["id"])["timestamped_at"]) == (
        "valid",
        signature["timestamped_at"],
    )


def test_a_tsa_over_http_stamps_and_openssl_accepts(
    app: Flask, world: World, tsa_server: TestTsa, client: Any, tmp_path: Path
) -> None:
    _use_tsa(app, tsa_server.url)
    document, created = _signed(world)
    assert created.status_code == 201, created.get_json()
    assert len(tsa_server.requests) == 1  # asked once, over HTTP
    signature = created.get_json()
    _download(world, document["id"], signature["id"], client.get("/api/v1/ca.pem").data, tmp_path)
    assert _cms_verifies(tmp_path).returncode == 0
    (tmp_path / "tsa-ca.pem").write_bytes(tsa_server.ca_pem)
    checked = _openssl("ts", "-verify", "-token_in", "-in", "token.der", "-data", "value.der", "-CAfile",
                       "tsa-ca.pem", cwd=tmp_path)  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    row = db.session.get(Signature, signature["id"])
    assert row is not None and row.timestamped_at is not None
    assert row.timestamped_at.isoformat() == signature["timestamped_at"]


def test_expired_certificate_stays_valid_at_its_timestamp(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, client: Any
) -> None:
    document, created = _signed(world)
    assert created.status_code == 201
    [certificate] = _certificates()
    lifetime = _as_utc(certificate.not_after) - _as_utc(certificate.issued_at)
    assert dt.timedelta(days=729) <= lifetime <= dt.timedelta(days=732)  # CASEFILES_CERT_YEARS=2, not the CA's 50
    assert _checked(world, document["id"])["status"] == "valid"
    _move_clock(monkeypatch, dt.timedelta(days=3 * 365))
    checked = _checked(world, document["id"])
    assert (checked["valid"], checked["status"]) == (True, "valid_timestamped")
    assert checked["reason"] == "Действительна на момент подписания (штамп времени)"
    login(client, "spec1")  # the case page says the same, with the timestamp
    page = client.get(f"/cases/{document['case_id']}").get_data(as_text=True)
    assert "действительна на момент подписания (штамп времени)" in page and "(штамп времени " in page
    assert "недействительна" not in page
    # openssl checks the certificate at the time it is asked: at the timestamp's, it accepts.
    _download(world, document["id"], created.get_json()["id"], client.get("/api/v1/ca.pem").data, tmp_path)
    attime = str(int(dt.datetime.fromisoformat(checked["timestamped_at"]).timestamp()))
    arguments = ["-binary", "-inform", "DER", "-in", "sig.p7s", "-content", "file", "-CAfile", "ca.pem"]
    result = _openssl(
        "cms", "-verify", *arguments, "-purpose", "any", "-attime", attime, "-out", "/dev/null", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr


def test_revoked_after_the_timestamp_stays_valid_revoked_before_does_not(app: Flask, world: World) -> None:
    document, created = _signed(world)
    assert created.status_code == 201
    timestamped_at = dt.datetime.fromisoformat(created.get_json()["timestamped_at"])
    [certificate] = _certificates()
    certificate.revoked_at = timestamped_at + dt.timedelta(seconds=5)
    db.session.commit()
    checked = _checked(world, document["id"])
    assert (checked["valid"], checked["status"]) == (True, "valid_timestamped")
    certificate.revoked_at = timestamped_at - dt.timedelta(seconds=1)
    db.session.commit()
    checked = _checked(world, document["id"])
    assert (checked["valid"], checked["status"]) == (False, "revoked")


def test_a_changed_token_makes_the_signature_invalid(app: Flask, world: World, tsa_server: TestTsa) -> None:
    """A token over another signature value (one taken from another signature) does not hold."""
    first, one = _signed(world)
    second, two = _signed(world)
    assert one.status_code == two.status_code == 201
    from tests.conftest import overwrite_blob
    from webapp.runtime import blob_store
    from webapp.signing import cms

    rows = db.session.scalars(db.select(Signature).order_by(Signature.id)).all()
    store = blob_store()
    with store.open(rows[0].file.key) as stream:
        token = cms.read_signature(stream.read()).timestamp_token
    with store.open(rows[1].file.key) as stream:
        der = stream.read()
    assert token is not None
    # the second signature with the first's token (re-encoding the whole CMS with asn1crypto's dump(force=True)
    # took minutes: it re-dumps each level once for every level above it)
    overwrite_blob(store, rows[1].file.key, cms.with_timestamp(der, token))
    assert _checked(world, first["id"])["status"] == "valid"
    checked = _checked(world, second["id"])
    assert (checked["valid"], checked["status"]) == (False, "timestamp_invalid")


def test_a_tsa_outside_the_trusted_cas_proves_no_time_until_its_ca_is_trusted(
    app: Flask, world: World, tsa_server: TestTsa, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _use_tsa(app, tsa_server.url)
    document, created = _signed(world)
    assert created.status_code == 201
    _move_clock(monkeypatch, dt.timedelta(days=3 * 365))
    # Its certificate has expired, and a token from a TSA nobody trusts proves no time: only the CMS's claim is left
    assert _checked(world, document["id"])["status"] == "time_unproven"
    trust(tsa_server)
    assert _checked(world, document["id"])["status"] == "valid_timestamped"
    # verify-export trusts the TSA as the export's trusted CAs (trusted-cas.pem) do.
    from tests.webapp.test_exports import _export
    from webapp.exports.verify import verify_export

    package = tmp_path / "case.zip"
    package.write_bytes(_export(world, document["case_id"], format="zip")[1])
    report = verify_export(package)
    assert report.ok and (report.signatures, report.timestamps) == (1, 1), report.problems


def test_renewal_near_and_after_expiry_keeps_the_key(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _, created = _signed(world)
    assert created.status_code == 201
    [first] = _certificates()
    first_key = _public_key(first)
    _move_clock(monkeypatch, _as_utc(first.not_after) - dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    document, again = _signed(world)
    assert again.status_code == 201, again.get_json()
    rows = _certificates()
    assert len(rows) == 2
    renewed = rows[1]
    assert renewed.serial_number != first.serial_number and first.revoked_at is None
    assert _public_key(renewed) == first_key  # the same key, still under the signer's PIN
    assert (renewed.key_protection, renewed.pin_salt, renewed.encrypted_key_pem) == (
        first.key_protection,
        first.pin_salt,
        first.encrypted_key_pem,
    )
    assert again.get_json()["certificate_sha256"] == renewed.sha256
    assert _checked(world, document["id"])["status"] == "valid"
    # Long after both expired: the next signature renews again, from the newest.
    _move_clock(monkeypatch, dt.timedelta(days=5 * 365))
    _, third = _signed(world)
    assert third.status_code == 201
    assert len(_certificates()) == 3


def test_an_unreachable_tsa_signs_nothing(app: Flask, world: World) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _use_tsa(app, f"http://127.0.0.1:{port}/tsa")
    document, refused = _signed(world)
    assert refused.status_code == 503, refused.get_json()
    assert refused.get_json()["error"]["code"] == "tsa_unavailable"
    assert "штамп" in refused.get_json()["error"]["message"]
    assert db.session.scalar(db.select(db.func.count(Signature.id))) == 0
    # The act itself was stored; no signature blob was.
    kinds = db.session.scalars(db.select(StoredFile.kind)).all()
    assert kinds and "signature" not in kinds
    assert world["head"].get(f"/api/v1/documents/{document['id']}/versions/1/signatures").get_json()["total"] == 0


def _certificates(username: str = "spec1") -> list[SigningCertificate]:
    """The user's certificates, oldest first (every world user has one: their PIN is set)."""
    query = (
        db.select(SigningCertificate)
        .join(User, User.id == SigningCertificate.user_id)
        .where(User.username == username)
        .order_by(SigningCertificate.id)
    )
    return list(db.session.scalars(query).all())


def _public_key(certificate: SigningCertificate) -> bytes:
    loaded = x509.load_pem_x509_certificate(certificate.certificate_pem.encode("ascii"))
    return loaded.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def test_verify_export_checks_the_timestamps(world: World, tmp_path: Path) -> None:
    from tests.webapp.test_exports import _export
    from webapp.exports.verify import verify_export

    document, created = _signed(world)
    assert created.status_code == 201
    _, data = _export(world, document["case_id"], format="zip")
    package = tmp_path / "case.zip"
    package.write_bytes(data)
    report = verify_export(package)
    assert report.ok, report.problems
    assert (report.signatures, report.timestamps) == (1, 1)


def test_init_keeps_the_own_tsa_in_the_ca_folder(app: Flask) -> None:
    from webapp.cli import main

    result = app.test_cli_runner().invoke(main, ["init"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    folder = app.config["CASEFILES"].ca_dir
    assert oct((folder / "tsa-key.pem").stat().st_mode & 0o777) == oct(0o600)
    assert b"ENCRYPTED" in (folder / "tsa-key.pem").read_bytes()  # under the folder's secret, as the seal's
    certificate = x509.load_pem_x509_certificate((folder / "tsa.pem").read_bytes())
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    certificate.verify_directly_issued_by(ca)
    assert certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).critical
