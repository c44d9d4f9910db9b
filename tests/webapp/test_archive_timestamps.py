"""Archive timestamps on signatures (issue 28, CAdES-A: archive-time-stamp v2): `casefiles signatures restamp` adds
one to each signature whose latest timestamp's TSA certificate expires within --within-days, as a new blob; the
imprint covers the content and the whole CMS before it, so a changed byte of either breaks it; stock `openssl cms
-verify` still accepts the signature; a signature whose own timestamp's TSA certificate has expired stays valid at
signing time when an archive timestamp made before that expiry holds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.conftest import World, overwrite_blob
from tests.tsa_server import TestTsa, running_tsa
from tests.webapp.test_hearing_package import _built, scene  # noqa: F401 - the fixture
from tests.webapp.test_pages import login
from tests.webapp.test_timestamps import _checked, _cms_verifies, _move_clock, _openssl, _signed, _use_tsa, trust
from webapp.audit.models import AuditEvent
from webapp.blobs.models import StoredFile
from webapp.cli import main
from webapp.extensions import db
from webapp.hearings.models import Hearing
from webapp.runtime import blob_store
from webapp.signing import archive, cms, tsa
from webapp.signing.models import Signature

YEARLY = ["signatures", "restamp"]


@pytest.fixture
def tsa_server() -> Iterator[TestTsa]:
    with running_tsa() as server:  # its certificate expires in 10 years
        yield server


def _restamp(app: Flask, *options: str) -> str:
    result = app.test_cli_runner().invoke(main, [*YEARLY, *options], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return str(result.output)


def _stored(signature_id: int) -> tuple[Signature, bytes, bytes]:
    """The signature's row, its CMS and the version's bytes, as stored now."""
    signature = db.session.get(Signature, signature_id)
    assert signature is not None
    with blob_store().open(signature.file.key) as stream:
        der = stream.read()
    with blob_store().open(signature.version.blob_key) as stream:
        content = stream.read()
    return signature, der, content


def _content(data: bytes) -> archive.Content:
    return archive.Content(lambda: io.BytesIO(data))


def _unsigned_attributes(der: bytes) -> list[str]:
    signer = asn1_cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    return [attribute["type"].dotted for attribute in signer["unsigned_attrs"]]


def _rfc5126_input(der: bytes, content: bytes) -> bytes:
    """What the first archive-time-stamp v2 of `der` is over: the encapContentInfo, the detached content, the
    certificates and crls fields, then the SignerInfo's fields and its unsigned attributes before the token."""
    signed_data = asn1_cms.ContentInfo.load(der)["content"]
    signer = signed_data["signer_infos"][0]
    fields = ("version", "sid", "digest_algorithm", "signed_attrs", "signature_algorithm", "signature")
    before = signer["unsigned_attrs"][0].dump()
    assert len(before) < 0x10000
    unsigned = b"\xa1\x82" + len(before).to_bytes(2, "big") + before if len(before) > 0xFF else b""
    assert unsigned, "a token of a few hundred bytes at least"
    return b"".join(
        [
            signed_data["encap_content_info"].dump(),
            content,
            signed_data["certificates"].dump(),
            signed_data["crls"].dump(),
            *(signer[name].dump() for name in fields),
            unsigned,
        ]
    )


def test_restamp_adds_archive_timestamps_that_cover_content_and_cms(
    app: Flask, world: World, tsa_server: TestTsa, client: Any, tmp_path: Path
) -> None:
    _use_tsa(app, tsa_server.url)
    document, created = _signed(world)
    assert created.status_code == 201, created.get_json()
    signature_id = created.get_json()["id"]
    _, original, content = _stored(signature_id)

    # The yearly run: the TSA's certificate has 10 years left, the signature is left alone.
    assert "signatures checked: 1, restamped: 0," in _restamp(app)
    assert _stored(signature_id)[1] == original
    assert _checked(world, document["id"])["archived_at"] is None

    output = _restamp(app, "--within-days", str(11 * 365))
    assert "signatures checked: 1, restamped: 1, without a timestamp (nothing to extend): 0" in output
    signature, der, _ = _stored(signature_id)
    assert der != original and cms.signature_value(der) == cms.signature_value(original)
    assert _unsigned_attributes(der) == ["1.2.840.113549.1.9.16.2.14", archive.ARCHIVE_TIMESTAMP_V2]
    [stamp] = archive.archive_timestamps(der, _content(content))
    assert stamp.certificate.subject.rfc4514_string() == "CN=Test TSA"
    # Validation data embedded before the stamp: the CA's certificate and its revocation list.
    signed_data = asn1_cms.ContentInfo.load(der)["content"]
    certificates = {choice.chosen.subject.native["common_name"] for choice in signed_data["certificates"]}
    assert {"Test TSA"} < certificates and len(certificates) == 3  # the signer's, the TSA's, the institution CA's
    assert len(signed_data["crls"]) == 1
    # The old CMS: its bytes deleted, its record kept and marked; the new one recorded; the run audited.
    old = db.session.scalars(
        db.select(StoredFile).where(StoredFile.kind == "signature", StoredFile.id != signature.file_id)
    ).one()
    assert old.deleted_at is not None and not blob_store().exists(old.key)
    assert signature.file.sha256 == cms.sha256_hex(der) and signature.file.deleted_at is None
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "signature.archive_timestamp")).one()
    assert event.details["signature"] == signature_id and event.details["replaces"] == old.id

    checked = _checked(world, document["id"])
    assert (checked["status"], checked["archived_at"]) == ("valid", stamp.time.isoformat())
    assert checked["timestamped_at"] == created.get_json()["timestamped_at"]
    login(client, "spec1")  # the case page shows it beside the timestamp
    assert "; архивный штамп " in client.get(f"/cases/{document['case_id']}").get_data(as_text=True)

    # Stock OpenSSL still accepts the extended signature.
    (tmp_path / "sig.p7s").write_bytes(der)
    (tmp_path / "file").write_bytes(content)
    (tmp_path / "ca.pem").write_bytes(client.get("/api/v1/ca.pem").data)
    assert _cms_verifies(tmp_path).returncode == 0, _cms_verifies(tmp_path).stderr
    # The imprint, recomputed here from RFC 5126 6.4.1 with asn1crypto's own encodings, is what the token is over:
    # `openssl ts -verify` checks the token's imprint and the TSA's signature against it.
    (tmp_path / "ats.der").write_bytes(stamp.token)
    (tmp_path / "ats-input.bin").write_bytes(_rfc5126_input(der, content))
    (tmp_path / "tsa-ca.pem").write_bytes(tsa_server.ca_pem)
    checked_ats = _openssl(
        "ts", "-verify", "-token_in", "-in", "ats.der", "-data", "ats-input.bin", "-CAfile", "tsa-ca.pem", cwd=tmp_path
    )
    assert checked_ats.returncode == 0 and "Verification: OK" in checked_ats.stdout, checked_ats.stderr

    # One byte changed in the content, or in the earlier token, breaks it: here a byte of the TSA's CA certificate
    # the token carries, which the token's own check does not see.
    with pytest.raises(tsa.BadToken):
        archive.archive_timestamps(der, _content(content[:-1] + bytes([content[-1] ^ 1])))
    token = cms.read_signature(der).timestamp_token
    assert token is not None
    tsa_ca = x509.load_pem_x509_certificate(tsa_server.ca_pem).public_bytes(serialization.Encoding.DER)
    offset = der.index(token) + token.index(tsa_ca) + tsa_ca.rindex(b"Test TSA Root")
    tampered = der[:offset] + b"X" + der[offset + 1 :]
    changed_token = cms.read_signature(tampered).timestamp_token
    assert changed_token is not None and changed_token != token
    assert tsa.read_token(changed_token, cms.signature_value(der)).time  # the token alone still holds
    with pytest.raises(tsa.BadToken):
        archive.archive_timestamps(tampered, _content(content))
    overwrite_blob(blob_store(), signature.file.key, tampered)
    assert _checked(world, document["id"])["status"] == "timestamp_invalid"
    overwrite_blob(blob_store(), signature.file.key, der)

    # A second run adds a second archive timestamp; the first one's validation data goes into its own token.
    assert "restamped: 1," in _restamp(app, "--within-days", str(11 * 365))
    _, twice, _ = _stored(signature_id)
    assert _unsigned_attributes(twice)[-2:] == [archive.ARCHIVE_TIMESTAMP_V2] * 2
    first, second = archive.archive_timestamps(twice, _content(content))
    assert first.time == stamp.time and second.time >= first.time
    assert asn1_cms.ContentInfo.load(first.token)["content"]["crls"].native  # the CRL carried into the first
    assert asn1_cms.ContentInfo.load(twice)["content"]["certificates"].dump() == signed_data["certificates"].dump()
    (tmp_path / "sig.p7s").write_bytes(twice)
    assert _cms_verifies(tmp_path).returncode == 0
    assert _checked(world, document["id"])["archived_at"] == second.time.isoformat()


def test_an_archive_timestamp_outlives_the_signature_timestamps_tsa(
    app: Flask, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signature's TSA certificate expires in 200 days; the own TSA's (the CA's lifetime) carries the proof
    on. Three years later the restamped signature is still valid at signing time; one stamped by the same TSA
    and not restamped has only the signing time its CMS states, which proves nothing once its certificate has
    expired: `time_unproven`."""
    with running_tsa(certificate_days=200) as short_lived:
        trust(short_lived)
        _use_tsa(app, short_lived.url)
        kept, made = _signed(world)
        assert made.status_code == 201
        _use_tsa(app, "")  # restamped by the own TSA
        assert "signatures checked: 1, restamped: 1," in _restamp(app)  # 200 days < 730
        _use_tsa(app, short_lived.url)
        lapsed, other = _signed(world)
        assert other.status_code == 201
    _use_tsa(app, "")  # the export's seal is stamped by the own TSA

    from tests.webapp.test_exports import _export
    from webapp.exports.verify import verify_export

    package = tmp_path / "case.zip"
    package.write_bytes(_export(world, kept["case_id"], format="zip")[1])
    report = verify_export(package)
    assert report.ok and (report.signatures, report.timestamps, report.archive_timestamps) == (1, 1, 1), report

    _move_clock(monkeypatch, dt.timedelta(days=3 * 365))
    restamped, plain = _checked(world, kept["id"]), _checked(world, lapsed["id"])
    assert (restamped["valid"], restamped["status"]) == (True, "valid_timestamped")
    assert restamped["archived_at"] is not None
    # Not restamped: its timestamp proves nothing now, and its certificate (CASEFILES_CERT_YEARS) has expired
    assert (plain["valid"], plain["status"], plain["archived_at"]) == (False, "time_unproven", None)
    # and so says verify-export, offline, of its package three years on
    import webapp.exports.verify as offline

    real_now = offline._now
    monkeypatch.setattr(offline, "_now", lambda: real_now() + dt.timedelta(days=3 * 365))
    assert verify_export(package).ok  # restamped
    package.write_bytes(_export(world, lapsed["case_id"], format="zip")[1])
    later = verify_export(package)
    assert not later.ok and [problem.message for problem in later.problems] == [offline.TIME_UNPROVEN], later


def test_restamp_leaves_a_signature_that_does_not_verify(app: Flask, world: World) -> None:
    _, created = _signed(world)
    assert created.status_code == 201
    signature, der, content = _stored(created.get_json()["id"])
    overwrite_blob(blob_store(), signature.version.blob_key, content + b" changed")
    output = _restamp(app, "--within-days", str(60 * 365))  # the own TSA's certificate lives as long as the CA
    assert "signatures checked: 1, restamped: 0, without a timestamp (nothing to extend): 0, not valid" in output
    assert "not valid (left as they are): 1" in output
    assert _stored(signature.id)[1] == der


def test_restamp_without_the_export_seal_still_restamps_signatures(app: Flask, world: World) -> None:
    app.config["CASEFILES"] = dataclasses.replace(app.config["CASEFILES"], export_seal=False)
    _, created = _signed(world)
    assert created.status_code == 201
    output = _restamp(app, "--within-days", str(60 * 365))
    assert "signatures checked: 1, restamped: 1," in output
    assert "not sealed (CASEFILES_EXPORT_SEAL=0)" in output


def test_restamp_extends_a_served_hearing_package(
    app: Flask,
    world: World,
    scene: dict[str, Any],  # noqa: F811 - the fixture imported above
) -> None:
    """A hearing's package is sealed as exports are (PAdES-B-LTA, here with the own TSA, whose certificate lives as
    long as the CA) and restamped by the same function: a second document timestamp, every earlier byte kept."""
    _built(world, scene["hearing"])
    url = f"/api/v1/hearings/{scene['hearing']}/package"
    first = world["head"].get(url).data
    hearing = db.session.get(Hearing, scene["hearing"])
    assert hearing is not None and hearing.package_file is not None
    old_id = hearing.package_file.id
    assert "hearing packages checked: 1, restamped: 0," in _restamp(app)
    assert "hearing packages checked: 1, restamped: 1," in _restamp(app, "--within-days", str(60 * 365))
    again = world["head"].get(url).data
    assert again.startswith(first) and len(again) > len(first)
    assert len(PdfFileReader(io.BytesIO(again)).embedded_timestamp_signatures) == 2
    old = db.session.get(StoredFile, old_id)
    assert old is not None and old.deleted_at is not None and not blob_store().exists(old.key)
