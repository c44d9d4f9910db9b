"""Signatures that arrive from outside: ГОСТ Р 34.10-2012 (256, 512) with Стрибог made by the OpenSSL GOST engine,
RSA made by stock OpenSSL, a forged file and a forged signature; what casefiles says agrees with
``openssl cms -verify -engine gost``; trusted only once the administrator adds the CA («Доверенные УЦ»)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import World, overwrite_blob
from tests.webapp.test_pages import _csrf, forget_request_state, login
from webapp.audit.models import AuditEvent
from webapp.cli import main
from webapp.exports.verify import verify_export
from webapp.extensions import db
from webapp.runtime import blob_store
from webapp.signing.models import ExternalSignature

OPENSSL = shutil.which("openssl")
LETTER = "Письмо КДН и ЗП № 17 от 01.12.2026 о семье\n".encode()
SIGNER = "Петрова Анна Сергеевна"
ORGANIZATION = "КДН и ЗП района"


@dataclasses.dataclass(frozen=True)
class Pki:
    """A CA and one signer made by openssl (with the GOST engine for GOST)."""

    directory: Path
    engine: list[str]
    digest: str

    @property
    def ca(self) -> Path:
        return self.directory / "ca.pem"

    def sign(self, content: bytes, *, attached: bool = False) -> bytes:
        source = self.directory / "content.bin"
        source.write_bytes(content)
        command = ["cms", "-sign", "-binary", "-in", str(source), "-signer", str(self.directory / "signer.pem")]
        command += ["-inkey", str(self.directory / "signer.key"), "-outform", "DER", "-md", self.digest]
        command += ["-nodetach"] if attached else []
        return _openssl([*command, *self.engine]).stdout_bytes

    def verify(self, signature: bytes, content: bytes | None, *, trusting_ca: bool = True) -> bool:
        """`openssl cms -verify` (with the engine): True when OpenSSL accepts the signature."""
        (self.directory / "check.p7s").write_bytes(signature)
        command = ["cms", "-verify", "-binary", "-inform", "DER", "-in", str(self.directory / "check.p7s")]
        command += ["-purpose", "any", "-out", os.devnull]
        if content is not None:
            (self.directory / "check.bin").write_bytes(content)
            command += ["-content", str(self.directory / "check.bin")]
        command += ["-CAfile", str(self.ca)] if trusting_ca else ["-noverify"]
        return _openssl([*command, *self.engine], check=False).returncode == 0


@dataclasses.dataclass(frozen=True)
class _Run:
    returncode: int
    stdout_bytes: bytes


def _openssl(arguments: list[str], *, check: bool = True) -> _Run:
    assert OPENSSL is not None, "openssl is needed (scripts/test.sh installs it)"
    done = subprocess.run([OPENSSL, *arguments], capture_output=True, check=False)
    if check:
        assert done.returncode == 0, done.stderr.decode(errors="replace")
    return _Run(done.returncode, done.stdout)


def _make_pki(directory: Path, key_options: tuple[list[str], list[str]], engine: list[str], digest: str) -> Pki:
    directory.mkdir()
    ca_key, signer_key = directory / "ca.key", directory / "signer.key"
    _openssl(["genpkey", *key_options[0], "-out", str(ca_key), *engine])
    ca_subject = ["-subj", "/CN=Тестовый УЦ/O=Тест", "-utf8", "-days", "30"]
    _openssl(["req", "-x509", "-new", "-key", str(ca_key), *ca_subject, "-out", str(directory / "ca.pem"), *engine])
    _openssl(["genpkey", *key_options[1], "-out", str(signer_key), *engine])
    subject = f"/CN={SIGNER}/O={ORGANIZATION}"
    _openssl(
        ["req", "-new", "-key", str(signer_key), "-subj", subject, "-utf8", "-out", str(directory / "s.csr"), *engine]
    )
    extensions = directory / "ext.cnf"
    extensions.write_text("keyUsage=digitalSignature,nonRepudiation\n")
    command = ["x509", "-req", "-in", str(directory / "s.csr"), "-CA", str(directory / "ca.pem")]
    command += ["-CAkey", str(ca_key), "-set_serial", "7", "-days", "30", "-extfile", str(extensions)]
    _openssl([*command, "-out", str(directory / "signer.pem"), *engine])
    return Pki(directory, engine, digest)


GOST = ["-engine", "gost"]
KINDS = {
    # CryptoPro's usual curve (CryptoPro-A = tc26 256 B) for the CA, a 512-bit signer
    "gost512": (
        (
            ["-algorithm", "gost2012_256", "-pkeyopt", "paramset:A"],
            ["-algorithm", "gost2012_512", "-pkeyopt", "paramset:A"],
        ),
        GOST,
        "md_gost12_512",
    ),
    "gost256": (
        (
            ["-algorithm", "gost2012_256", "-pkeyopt", "paramset:B"],
            ["-algorithm", "gost2012_256", "-pkeyopt", "paramset:XA"],
        ),
        GOST,
        "md_gost12_256",
    ),
    "rsa": ((["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],) * 2, [], "sha256"),
    "ecdsa": ((["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],) * 2, [], "sha384"),
}
ALGORITHMS = {
    "gost512": "ГОСТ Р 34.10-2012 (512 бит) / Стрибог-512",
    "gost256": "ГОСТ Р 34.10-2012 (256 бит) / Стрибог-256",
    "rsa": "RSA 2048 / SHA-256",
    "ecdsa": "ECDSA secp384r1 / SHA-384",
}


@pytest.fixture(scope="module")
def pkis(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pki]:
    root = tmp_path_factory.mktemp("pki")
    return {name: _make_pki(root / name, keys, engine, digest) for name, (keys, engine, digest) in KINDS.items()}


def _upload_signed(world: World, content: bytes, signature: bytes, filename: str = "letter.txt") -> Any:
    case = world.open_case()
    data = {"file": (io.BytesIO(content), filename), "signature": (io.BytesIO(signature), "letter.txt.sig")}
    client = world["spec1"]
    return client.client.post(
        f"/api/v1/cases/{case['id']}/documents",
        headers=client._headers(),
        data=data,
        content_type="multipart/form-data",
    )


def _external(world: World, document_id: int, username: str = "spec1") -> list[dict[str, Any]]:
    response = world[username].get(f"/api/v1/documents/{document_id}/versions/1/signatures")
    assert response.status_code == 200, response.get_json()
    return [item for item in response.get_json()["items"] if item["origin"] == "external"]


def _trust(world: World, pki: Pki, *, der: bool = False) -> Any:
    data = pki.ca.read_bytes()
    if der:
        data = base64.b64decode(b"".join(data.strip().splitlines()[1:-1]))
    admin = world["admin"]
    return admin.client.post(
        "/api/v1/trusted-authorities",
        headers=admin._headers(),
        data={"certificate": (io.BytesIO(data), "ca.cer")},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("kind", ["gost512", "gost256", "rsa", "ecdsa"])
def test_a_signed_letter_verifies_as_openssl_says_and_is_trusted_once_its_ca_is(
    app: Flask, world: World, pkis: dict[str, Pki], kind: str
) -> None:
    pki = pkis[kind]
    signature = pki.sign(LETTER)
    assert pki.verify(signature, LETTER)  # OpenSSL (with the GOST engine) accepts it
    assert not pki.verify(signature, LETTER + b"!")

    created = _upload_signed(world, LETTER, signature)
    assert created.status_code == 201, created.get_json()
    document = created.get_json()
    [found] = _external(world, document["id"])
    assert found["status"] == "valid" and found["valid"] is True
    assert found["trusted"] is False
    assert found["reason"] == "Подпись верна, цепочка сертификатов не доверенная"
    assert found["algorithm"] == ALGORITHMS[kind]
    assert (found["signer"], found["organization"], found["form"]) == (SIGNER, ORGANIZATION, "detached")
    assert found["signed_at"] is not None

    assert _trust(world, pki, der=kind == "rsa").status_code == 201
    checked = world["spec1"].post(f"/api/v1/external-signatures/{found['id']}/check")
    assert checked.status_code == 200, checked.get_json()
    assert (checked.get_json()["status"], checked.get_json()["trusted"]) == ("valid", True)
    # The bytes are as they came: the version's content and the signature read back unchanged.
    assert world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/content").data == LETTER
    assert world["spec1"].get(f"/api/v1/external-signatures/{found['id']}/cms").data == signature
    # The signer's name is case data: never in the audit log.
    details = [str(event.details) for event in db.session.scalars(db.select(AuditEvent))]
    assert not any(SIGNER in text or ORGANIZATION in text for text in details)


@pytest.mark.parametrize("kind", ["gost512", "rsa"])
def test_a_forged_file_and_a_forged_signature_are_invalid_as_openssl_says(
    app: Flask, world: World, pkis: dict[str, Pki], kind: str
) -> None:
    pki = pkis[kind]
    signature = pki.sign(LETTER)
    forged_letter = bytearray(LETTER)
    forged_letter[3] ^= 0x01  # one byte changed
    assert not pki.verify(signature, bytes(forged_letter))
    document = _upload_signed(world, bytes(forged_letter), signature).get_json()
    [found] = _external(world, document["id"])
    assert (found["status"], found["valid"], found["trusted"]) == ("invalid", False, False)
    assert found["reason"] == "Содержимое документа не совпадает с подписанным"

    forged_signature = bytearray(signature)
    forged_signature[-5] ^= 0x01  # a byte of the signature value (the last field of the SignerInfo)
    assert not pki.verify(bytes(forged_signature), LETTER, trusting_ca=False)
    document = _upload_signed(world, LETTER, bytes(forged_signature)).get_json()
    [found] = _external(world, document["id"])
    assert (found["status"], found["reason"]) == ("invalid", "Подпись не сходится с сертификатом подписанта")


def test_signature_in_base64_and_pem_added_later_and_rechecked_after_the_bytes_changed(
    app: Flask, world: World, pkis: dict[str, Pki]
) -> None:
    pki = pkis["gost256"]
    signature = pki.sign(LETTER)
    document = world.upload(world.open_case()["id"], LETTER)
    url = f"/api/v1/documents/{document['id']}/versions/1/attached-signatures"
    client = world["spec1"]
    pem = b"-----BEGIN CMS-----\n" + base64.encodebytes(signature) + b"-----END CMS-----\n"
    ids = []
    for encoded in (base64.b64encode(signature), pem):
        added = client.client.post(
            url,
            headers=client._headers(),
            data={"signature": (io.BytesIO(encoded), "s.sig")},
            content_type="multipart/form-data",
        )
        assert added.status_code == 201, added.get_json()
        assert added.get_json()["status"] == "valid"
        ids.append(added.get_json()["id"])
    assert [item["id"] for item in _external(world, document["id"])] == ids

    junk = client.client.post(
        url,
        headers=client._headers(),
        data={"signature": (io.BytesIO(b"not a signature"), "s.sig")},
        content_type="multipart/form-data",
    )
    assert junk.status_code == 400 and junk.get_json()["error"]["code"] == "signature_unreadable"
    other = world["spec2"].client.post(
        url,
        headers=world["spec2"]._headers(),
        data={"signature": (io.BytesIO(signature), "s.sig")},
        content_type="multipart/form-data",
    )
    assert other.status_code == 404  # spec2 does not see district u1's case

    row = db.session.get(ExternalSignature, ids[0])
    assert row is not None
    overwrite_blob(blob_store(), row.version.blob_key, LETTER.replace(b"17", b"71"))
    checked = client.post(f"/api/v1/external-signatures/{ids[0]}/check").get_json()
    assert (checked["status"], checked["reason"]) == ("invalid", "Содержимое документа не совпадает с подписанным")


def test_an_attached_cms_uploaded_as_the_file_is_recognised_and_kept_as_it_came(
    app: Flask, world: World, pkis: dict[str, Pki]
) -> None:
    pki = pkis["gost512"]
    attached = pki.sign(LETTER, attached=True)
    assert pki.verify(attached, None)
    document = world.upload(world.open_case()["id"], attached)
    [found] = _external(world, document["id"])
    assert (found["form"], found["status"], found["signer"]) == ("attached", "valid", SIGNER)
    assert world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/content").data == attached

    plain = world.upload(world.open_case()["id"], LETTER)
    assert _external(world, plain["id"]) == []


def test_only_the_administrator_keeps_the_trusted_authorities(app: Flask, world: World, pkis: dict[str, Pki]) -> None:
    head = world["head"]
    refused = head.client.post(
        "/api/v1/trusted-authorities",
        headers=head._headers(),
        data={"certificate": (io.BytesIO(pkis["rsa"].ca.read_bytes()), "ca.pem")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403
    added = _trust(world, pkis["gost512"])
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["name"] == "Тестовый УЦ"
    assert _trust(world, pkis["gost512"]).status_code == 409
    listed = world["admin"].get("/api/v1/trusted-authorities").get_json()
    assert [item["id"] for item in listed["items"]] == [added.get_json()["id"]]
    assert world["admin"].delete(f"/api/v1/trusted-authorities/{added.get_json()['id']}").status_code == 204
    assert world["admin"].get("/api/v1/trusted-authorities").get_json()["total"] == 0
    bad = world["admin"].client.post(
        "/api/v1/trusted-authorities",
        headers=world["admin"]._headers(),
        data={"certificate": (io.BytesIO(b"junk"), "ca.pem")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "certificate_unreadable"


def test_the_zip_export_carries_them_and_verify_export_checks_them_like_openssl(
    app: Flask, world: World, pkis: dict[str, Pki], tmp_path: Path
) -> None:
    pki = pkis["gost512"]
    case = world.open_case()
    client = world["spec1"]
    forged = LETTER.replace(b"17", b"18")
    uploads = [(LETTER, pki.sign(LETTER)), (forged, pki.sign(LETTER)), (pki.sign(LETTER, attached=True), None)]
    for content, signature in uploads:
        data: dict[str, Any] = {"file": (io.BytesIO(content), "letter.bin")}
        if signature is not None:
            data["signature"] = (io.BytesIO(signature), "letter.sig")
        added = client.client.post(
            f"/api/v1/cases/{case['id']}/documents",
            headers=client._headers(),
            data=data,
            content_type="multipart/form-data",
        )
        assert added.status_code == 201, added.get_json()
    assert _trust(world, pki).status_code == 201

    answer = client.post(f"/api/v1/cases/{case['id']}/exports", json={"format": "zip"})
    assert answer.status_code == 202, answer.get_json()
    job = client.get(f"/api/v1/jobs/{answer.get_json()['id']}").get_json()  # the test queue ran it already
    assert job["status"] == "done", job
    package = tmp_path / "package.zip"
    package.write_bytes(client.get(job["download_url"]).data)

    report = verify_export(package)
    assert (report.external_signatures, report.external_trusted) == (3, 2)
    [problem] = report.problems
    assert problem.message == "подпись из другой системы не верна: content_changed (так и было при получении)"
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("data/manifest.json"))
        detached = [entry for entry in manifest["files"] if entry["kind"] == "external_signature"]
        assert problem.path == f"data/{detached[1]['path']}"
        # What verify-export says of each detached one, OpenSSL with the GOST engine says too.
        for entry in detached:
            signature, signed = archive.read(f"data/{entry['path']}"), archive.read(f"data/{entry['signs']}")
            assert pki.verify(signature, signed) is (entry["status"] == "valid")
    printed = CliRunner().invoke(main, ["verify-export", str(package)])
    assert printed.exit_code == 1
    assert "signatures from outside: 3 (2 trusted)" in printed.output


def test_the_case_page_shows_them_adds_one_and_checks_again_and_the_admin_keeps_the_trusted_cas(
    app: Flask, world: World, pkis: dict[str, Pki], client: FlaskClient
) -> None:
    gost, rsa = pkis["gost512"], pkis["rsa"]
    case = world.open_case()
    valid = _upload_signed_to(world, case["id"], LETTER, gost.sign(LETTER))
    forged = _upload_signed_to(world, case["id"], LETTER.replace(b"17", b"18"), rsa.sign(LETTER))
    plain = world.upload(case["id"], LETTER)

    login(client, "spec1")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    cards = {document["id"]: _card(page, document["id"]) for document in (valid, forged, plain)}
    assert f"Подпись из другой организации: {SIGNER}, {ORGANIZATION}" in cards[valid["id"]]
    assert "ГОСТ Р 34.10-2012 (512 бит) / Стрибог-512" in cards[valid["id"]]
    assert "подпись верна, цепочка сертификатов не доверенная" in cards[valid["id"]]
    assert "<strong>недействительна</strong>: Содержимое документа не совпадает с подписанным" in cards[forged["id"]]
    assert "RSA 2048 / SHA-256" in cards[forged["id"]]
    assert "Подпись из другой организации" not in cards[plain["id"]]

    added = client.post(
        f"/documents/{plain['id']}/versions/1/attached-signatures",
        data={"csrf_token": _csrf(page), "signature": (io.BytesIO(rsa.sign(LETTER)), "letter.p7s")},
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    page = client.get(added.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Подпись сохранена: верна, цепочка сертификатов не доверенная" in page
    assert "RSA 2048 / SHA-256" in _card(page, plain["id"])
    # The page's upload form takes a detached signature beside the file; an attached CMS as the file is recognised.
    for content, signature in ((LETTER, gost.sign(LETTER)), (gost.sign(LETTER, attached=True), None)):
        data: dict[str, Any] = {"csrf_token": _csrf(page), "file": (io.BytesIO(content), "letter.bin")}
        if signature is not None:
            data["signature"] = (io.BytesIO(signature), "letter.sig")
        uploaded = client.post(f"/cases/{case['id']}/upload", data=data, content_type="multipart/form-data")
        assert uploaded.status_code == 302
        document_id = int(uploaded.headers["Location"].rsplit("document-", 1)[1])
        [found] = _external(world, document_id)
        assert (found["form"], found["status"]) == ("detached" if signature else "attached", "valid")
    client.post("/logout", data={"csrf_token": _csrf(page)})
    forget_request_state()

    login(client, "admin")
    admin_page = client.get("/trusted-authorities").get_data(as_text=True)
    assert "Доверенных центров пока нет" in admin_page
    response = client.post(
        "/trusted-authorities",
        data={"csrf_token": _csrf(admin_page), "certificate": (io.BytesIO(gost.ca.read_bytes()), "ca.cer")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Удостоверяющий центр «Тестовый УЦ» добавлен в доверенные" in response.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": _csrf(response.get_data(as_text=True))})
    forget_request_state()

    login(client, "spec1")
    assert client.get("/trusted-authorities").status_code == 403
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    [signature] = _external(world, valid["id"])
    checked = client.post(
        f"/external-signatures/{signature['id']}/check", data={"csrf_token": _csrf(page)}, follow_redirects=True
    )
    text = checked.get_data(as_text=True)
    assert "Подпись проверена заново: верна, сертификат доверенного УЦ" in text
    assert "подпись верна, сертификат доверенного УЦ" in _card(text, valid["id"])


def _upload_signed_to(world: World, case_id: int, content: bytes, signature: bytes) -> dict[str, Any]:
    client = world["spec1"]
    data = {"file": (io.BytesIO(content), "letter.txt"), "signature": (io.BytesIO(signature), "letter.sig")}
    response = client.client.post(
        f"/api/v1/cases/{case_id}/documents", headers=client._headers(), data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 201, response.get_json()
    document: dict[str, Any] = response.get_json()
    return document


def _card(page: str, document_id: int) -> str:
    start = page.index(f'id="document-{document_id}"')
    end = page.find('<section class="card document"', start)
    return page[start : end if end != -1 else len(page)]


def test_a_signature_made_after_its_certificate_expired_is_invalid(app: Flask, world: World) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SIGNER)])
    lapsed = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(9)
        .not_valid_before(lapsed - dt.timedelta(days=365))
        .not_valid_after(lapsed)
        .sign(key, hashes.SHA256())
    )
    options = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]
    builder = pkcs7.PKCS7SignatureBuilder().set_data(LETTER).add_signer(certificate, key, hashes.SHA256())
    signature = builder.sign(serialization.Encoding.DER, options)
    document = _upload_signed(world, LETTER, signature).get_json()
    [found] = _external(world, document["id"])
    assert (found["status"], found["reason"]) == ("invalid", "Подписано вне срока действия сертификата подписанта")
    assert found["algorithm"] == "ECDSA secp256r1 / SHA-256"


def test_a_moved_document_takes_its_signature_from_outside_along(
    app: Flask, world: World, pkis: dict[str, Pki]
) -> None:
    pki = pkis["rsa"]
    document = _upload_signed(world, LETTER, pki.sign(LETTER)).get_json()
    target = world.open_case(title="Другое дело")
    moved = world["spec1"].post(
        f"/api/v1/documents/{document['id']}/move", json={"case_id": target["id"], "reason": "подшито не в то дело"}
    )
    assert moved.status_code == 200, moved.get_json()
    [found] = _external(world, document["id"])
    row = db.session.get(ExternalSignature, found["id"])
    assert row is not None and row.file is not None
    db.session.refresh(row.file)
    db.session.refresh(row.version.file)
    # The relocation (the test queue ran it) gave the signature a key beside the version's new one.
    assert row.file.key.rsplit("-sig-", 1)[0] == row.version.blob_key.rsplit("-", 1)[0] == "2026/04-05/002/1/v1"
    checked = world["spec1"].post(f"/api/v1/external-signatures/{found['id']}/check").get_json()
    assert checked["status"] == "valid"


def test_streebog_of_a_large_document_goes_through_the_gost_engine_and_agrees_with_gostcrypto() -> None:
    from gostcrypto import gosthash

    from webapp.signing import foreign

    document = bytes(range(256)) * 1024  # 256 KiB: the engine's path (gostcrypto alone needs ~6 s a MiB)
    for name, option in (("streebog256", "-md_gost12_256"), ("streebog512", "-md_gost12_512")):
        engine = _openssl_stdin(["dgst", "-engine", "gost", option, "-binary"], document)
        assert engine == foreign._digest(name, document) == bytes(gosthash.new(name, data=document).digest())


def _openssl_stdin(arguments: list[str], data: bytes) -> bytes:
    assert OPENSSL is not None
    done = subprocess.run([OPENSSL, *arguments], input=data, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")  # scripts/test.sh installs the GOST engine
    return done.stdout


def test_without_the_gost_engine_a_large_document_is_not_checked_rather_than_for_minutes(
    app: Flask, world: World, pkis: dict[str, Pki], monkeypatch: pytest.MonkeyPatch
) -> None:
    from webapp.signing import foreign

    pki = pkis["gost256"]
    # 200 KiB over a limit of 100 KiB (2 MiB in production): an upload over 500 KB leaves the test client's spooled
    # temporary file unclosed (werkzeug), which the warnings-as-errors run refuses
    monkeypatch.setattr(foreign, "PURE_STREEBOG_MAX_BYTES", 100 * 1024)
    large = LETTER * (200 * 1024 // len(LETTER))
    signature = pki.sign(large)
    monkeypatch.setattr(foreign.shutil, "which", lambda name: None)  # a server without openssl's GOST engine
    document = _upload_signed(world, large, signature).get_json()
    [found] = _external(world, document["id"])
    assert (found["status"], found["valid"]) == ("unsupported", False)
    assert found["reason"].startswith("Документ слишком велик для проверки по ГОСТ без модуля libengine-gost-openssl")
    monkeypatch.undo()
    checked = world["spec1"].post(f"/api/v1/external-signatures/{found['id']}/check").get_json()
    assert checked["status"] == "valid"
