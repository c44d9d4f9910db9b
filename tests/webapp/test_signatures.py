"""Approval workflow and electronic signatures: CMS that stock OpenSSL verifies, re-verification, revocation,
signatures on paper."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID
from flask import Flask

from document_templates import example_values
from tests.conftest import PIN, World, overwrite_blob
from tests.webapp.test_forms import fill
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.documents.models import DocumentVersion
from webapp.extensions import db
from webapp.runtime import blob_store, signing_authority
from webapp.signing.models import Signature, SigningCertificate
from webapp.signing.services import Verdict, checked_signatures
from webapp.signing.sheet import signature_sheet

OPENSSL = shutil.which("openssl")  # stock OpenSSL, the outside verifier; scripts/test.sh installs it


def _act(world: World) -> dict[str, Any]:
    case = world.open_case()
    response = fill(world, case["id"])
    assert response.status_code == 201, response.get_json()
    document: dict[str, Any] = response.get_json()
    return document


def _approved(world: World) -> dict[str, Any]:
    document = _act(world)
    assert world["spec1"].post(f"/api/v1/documents/{document['id']}/submit").status_code == 200
    approved = world["head"].post(f"/api/v1/documents/{document['id']}/approve", json={"version": 1})
    assert approved.status_code == 200, approved.get_json()
    return document


def _sign(world: World, username: str, document_id: int, role: str, number: int = 1) -> Any:
    return world[username].post(
        f"/api/v1/documents/{document_id}/versions/{number}/signatures", json={"role": role, "pin": PIN}
    )


def _signatures(world: World, document_id: int, number: int = 1) -> list[dict[str, Any]]:
    response = world["head"].get(f"/api/v1/documents/{document_id}/versions/{number}/signatures")
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def _blob_key(document_id: int, number: int = 1) -> str:
    version = db.session.scalar(
        db.select(DocumentVersion).where(DocumentVersion.document_id == document_id, DocumentVersion.number == number)
    )
    assert version is not None
    return version.blob_key


def _openssl_verify(signature: Path, content: Path, ca: Path) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None, "the openssl command is needed: apt-get install openssl (scripts/test.sh does)"
    command = [OPENSSL, "cms", "-verify", "-binary", "-inform", "DER", "-in", str(signature)]
    command += ["-content", str(content), "-CAfile", str(ca), "-purpose", "any", "-out", os.devnull]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_signature_verifies_with_stock_openssl_and_a_flipped_byte_breaks_it(
    app: Flask, world: World, client: Any, tmp_path: Path
) -> None:
    document = _act(world)
    created = _sign(world, "spec1", document["id"], "составил")
    assert created.status_code == 201, created.get_json()
    signature = created.get_json()
    assert signature["signer"] == "Тест spec1"
    assert signature["role"] == "составил"
    assert signature["algorithm"] == "ECDSA P-256 / SHA-256"
    assert len(signature["certificate_sha256"]) == 64

    # Everything a verifier needs comes from the API: the CMS, the exact bytes, the CA (no login for the CA).
    sig_file, content_file, ca_file = tmp_path / "sig.p7s", tmp_path / "version.bin", tmp_path / "ca.pem"
    sig_file.write_bytes(world["spec1"].get(f"/api/v1/signatures/{signature['id']}/cms").data)
    content_file.write_bytes(world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/content").data)
    ca_response = client.get("/api/v1/ca.pem")
    assert ca_response.status_code == 200
    ca_file.write_bytes(ca_response.data)
    result = _openssl_verify(sig_file, content_file, ca_file)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr
    [checked] = _signatures(world, document["id"])
    assert (checked["valid"], checked["status"]) == (True, "valid")

    # Flip one byte of the stored blob: both the API and openssl now refuse the signature.
    store, key = blob_store(), _blob_key(document["id"])
    with store.open(key) as stream:
        data = bytearray(stream.read())
    data[len(data) // 2] ^= 0x01
    overwrite_blob(store, key, bytes(data))
    [checked] = _signatures(world, document["id"])
    assert (checked["valid"], checked["status"]) == (False, "content_changed")
    assert "изменено" in checked["reason"]
    content_file.write_bytes(bytes(data))
    assert _openssl_verify(sig_file, content_file, ca_file).returncode != 0
    # Nothing can be signed over bytes that no longer match their recorded checksum.
    assert world["spec1"].post(f"/api/v1/documents/{document['id']}/submit").status_code == 200
    assert world["head"].post(f"/api/v1/documents/{document['id']}/approve", json={"version": 1}).status_code == 200
    refused = _sign(world, "head", document["id"], "утверждаю")
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "fixity_mismatch")


def test_certificate_subject_and_key_usage(world: World, client: Any) -> None:
    document = _act(world)
    assert _sign(world, "spec1", document["id"], "составил").status_code == 201
    row = db.session.scalar(db.select(SigningCertificate))
    assert row is not None
    certificate = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Тест spec1"
    assert certificate.subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "Специалист"
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Тестовый центр"
    usage = certificate.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    ca = x509.load_pem_x509_certificate(client.get("/api/v1/ca.pem").data)
    certificate.verify_directly_issued_by(ca)
    assert "BEGIN" not in row.encrypted_key_pem.split("\n", 1)[0] or "ENCRYPTED" in row.encrypted_key_pem


def test_workflow_submit_return_approve_and_history(world: World) -> None:
    document = _act(world)
    doc_url = f"/api/v1/documents/{document['id']}"
    assert world["head"].post(f"{doc_url}/approve", json={"version": 1}).status_code == 409  # still a draft
    assert world["spec1"].post(f"{doc_url}/submit", json={"comment": "Прошу утвердить"}).get_json()["status"] == (
        "on_approval"
    )
    queue = world["head"].get("/api/v1/approvals").get_json()
    assert [item["id"] for item in queue["items"]] == [document["id"]]
    assert world["spec2"].get("/api/v1/approvals").get_json()["total"] == 0  # another district sees nothing
    # Only the head decides; a return needs a comment.
    assert world["spec1"].post(f"{doc_url}/approve", json={"version": 1}).status_code == 403
    assert world["head"].post(f"{doc_url}/return", json={}).status_code == 400
    returned = world["head"].post(f"{doc_url}/return", json={"comment": "Уточните состав семьи"})
    assert returned.get_json()["status"] == "draft"
    assert world["spec1"].post(f"{doc_url}/submit").status_code == 200
    assert world["head"].post(f"{doc_url}/approve", json={"version": 2}).status_code == 409  # no such version
    approved = world["head"].post(f"{doc_url}/approve", json={"version": 1})
    assert approved.get_json()["status"] == "approved"
    assert world["head"].get("/api/v1/approvals").get_json()["total"] == 0
    history = world["spec1"].get(f"{doc_url}/workflow").get_json()
    assert [(item["action"], item["to_status"], item["actor"]) for item in history["items"]] == [
        ("submit", "on_approval", "spec1"),
        ("return", "draft", "head"),
        ("submit", "on_approval", "spec1"),
        ("approve", "approved", "head"),
    ]
    assert history["items"][1]["comment"] == "Уточните состав семьи"
    actions = set(db.session.scalars(db.select(AuditEvent.action)).all())
    assert {"document.submit", "document.return", "document.approve"} <= actions


def test_new_version_of_an_approved_document_is_a_new_draft_and_signatures_stay_with_their_bytes(
    world: World,
) -> None:
    document = _approved(world)
    assert _sign(world, "head", document["id"], "утверждаю").status_code == 201
    fields = {**example_values("inspection_act"), "conclusion": "Условия проживания удовлетворительные."}
    second = world["spec1"].post(
        f"/api/v1/documents/{document['id']}/versions", json={"base_version": 1, "fields": fields}
    )
    assert second.status_code == 201, second.get_json()
    body = world["spec1"].get(f"/api/v1/documents/{document['id']}").get_json()
    assert body["status"] == "draft"
    v1, v2 = body["versions"]
    assert (v1["status"], v2["status"]) == ("superseded", "draft")
    assert [s["role"] for s in v1["signatures"]] == ["утверждаю"] and v2["signatures"] == []
    assert _signatures(world, document["id"], 1)[0]["valid"] is True
    # The old version cannot be signed any more; «утверждаю» waits for a new approval.
    refused = _sign(world, "spec1", document["id"], "составил", number=1)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "version_superseded")
    early = _sign(world, "head", document["id"], "утверждаю", number=2)
    assert (early.status_code, early.get_json()["error"]["code"]) == (409, "not_approved")
    workflow = world["spec1"].get(f"/api/v1/documents/{document['id']}/workflow").get_json()["items"]
    assert workflow[-1]["action"] == "new_version" and workflow[-1]["version"] == 2


def test_signing_rules(world: World) -> None:
    document = _approved(world)
    url = f"/api/v1/documents/{document['id']}/versions/1/signatures"
    assert _sign(world, "spec1", document["id"], "составил").status_code == 201
    twice = _sign(world, "spec1", document["id"], "составил")
    assert (twice.status_code, twice.get_json()["error"]["code"]) == (409, "already_signed")
    assert _sign(world, "spec1", document["id"], "утверждаю").status_code == 403  # a specialist cannot approve
    assert _sign(world, "spec2", document["id"], "составил").status_code == 404  # another district: not found
    assert _sign(world, "archivist", document["id"], "составил").status_code == 403  # not a compiler's role
    assert _sign(world, "spec1", document["id"], "специалист").status_code == 400  # no such role on the act
    paper = _sign(world, "spec1", document["id"], "представитель семьи")
    assert (paper.status_code, paper.get_json()["error"]["code"]) == (409, "paper_role")
    assert world["spec1"].post(url, json={"role": ""}).status_code == 400
    assert world["spec1"].post(url, json={"role": "составил", "extra": 1}).status_code == 400
    assert (
        world["spec1"].post(f"/api/v1/documents/{document['id']}/versions/9/signatures", json={"role": "x"}).status_code
        == 404
    )
    assert _sign(world, "head", document["id"], "утверждаю").status_code == 201
    roles = [item["role"] for item in _signatures(world, document["id"])]
    assert roles == ["составил", "утверждаю"]
    annulled = world["head"].post(f"/api/v1/documents/{document['id']}/annul", json={"comment": "Ошибочно заведён"})
    assert annulled.get_json()["status"] == "annulled"
    after = _sign(world, "spec1", document["id"], "составил")
    assert (after.status_code, after.get_json()["error"]["code"]) == (409, "document_annulled")
    new_version = world["spec1"].upload(f"/api/v1/documents/{document['id']}/versions", b"x", base_version="1")
    assert new_version.status_code == 409


def test_revoked_signer_keeps_earlier_signatures_and_cannot_sign_again(world: World, client: Any) -> None:
    document = _act(world)
    assert _sign(world, "spec1", document["id"], "составил").status_code == 201
    assert world["head"].post("/api/v1/users/spec1/deactivate", json={"reason": "Уволена"}).status_code == 403
    deactivated = world["admin"].post("/api/v1/users/spec1/deactivate", json={"reason": "Уволена"})
    assert deactivated.status_code == 200, deactivated.get_json()
    assert deactivated.get_json()["certificates_revoked"] == 1
    [checked] = _signatures(world, document["id"])
    assert checked["valid"] is True  # signed before the revocation
    # The CRL, rendered from the database, lists the certificate, and is the same bytes when asked again.
    served = client.get("/api/v1/ca.crl").data
    crl = x509.load_pem_x509_crl(served)
    signer = db.select(User.id).where(User.username == "spec1").scalar_subquery()
    row = db.session.scalar(db.select(SigningCertificate).where(SigningCertificate.user_id == signer))
    assert row is not None and row.revoked_at is not None  # spec1's (every test user has one: their PIN is set)
    assert crl.get_revoked_certificate_by_serial_number(int(row.serial_number, 16)) is not None
    assert crl.is_signature_valid(signing_authority().key.public_key())
    assert client.get("/api/v1/ca.crl").data == served
    # The revoked signer can neither log in nor sign.
    assert _sign(world, "spec1", _act_as_head(world), "составил").status_code == 401


def _act_as_head(world: World) -> int:
    case = world.open_case("head")
    response = world["head"].post(
        f"/api/v1/cases/{case['id']}/documents",
        json={"template": "inspection_act", "fields": example_values("inspection_act")},
    )
    assert response.status_code == 201, response.get_json()
    document_id: int = response.get_json()["id"]
    return document_id


def _folder_state(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {path.name: (path.stat().st_mtime_ns, path.read_bytes()) for path in sorted(folder.iterdir())}


def test_the_ca_folder_is_only_read_while_signing_revoking_and_sealing(app: Flask, world: World) -> None:
    """On several machines each node mounts its own read-only copy of the CA folder: nothing may be written there
    at run time (as root a read-only mode would not stop a write, so the folder's files are compared instead)."""
    authority = signing_authority()
    authority.ensure_seal(app.config["CASEFILES"].institution_name)  # casefiles init
    before = _folder_state(authority.folder)
    document = _act(world)
    assert _sign(world, "spec1", document["id"], "составил").status_code == 201
    assert world["admin"].post("/api/v1/users/spec1/deactivate", json={"reason": "Уволена"}).status_code == 200
    crl = x509.load_pem_x509_crl(world["head"].get("/api/v1/ca.crl").data)
    assert len(list(crl)) == 1
    certificate, _ = authority.seal(app.config["CASEFILES"].institution_name)
    assert certificate.serial_number == x509.load_pem_x509_certificate(before["seal.pem"][1]).serial_number
    assert _folder_state(authority.folder) == before


def test_signature_made_after_revocation_is_invalid(app: Flask, world: World) -> None:
    """A signature whose signing time is after its certificate's revocation is reported invalid."""
    document = _act(world)
    created = _sign(world, "spec1", document["id"], "составил").get_json()
    row = db.session.scalar(db.select(SigningCertificate))
    assert row is not None
    row.revoked_at = dt.datetime.fromisoformat(created["signed_at"]) - dt.timedelta(seconds=1)
    db.session.commit()
    [checked] = _signatures(world, document["id"])
    assert (checked["valid"], checked["status"]) == (False, "revoked")


def test_signature_from_another_ca_is_chain_broken(app: Flask, world: World, tmp_path: Path) -> None:
    document = _act(world)
    assert _sign(world, "spec1", document["id"], "составил").status_code == 201
    from webapp.signing.pki import ensure_ca

    other, _ = ensure_ca(tmp_path / "other-ca", "Другой центр")
    app.extensions["casefiles.signing_ca"] = other
    [checked] = _signatures(world, document["id"])
    assert (checked["valid"], checked["status"]) == (False, "chain_broken")


def test_changed_name_gets_a_new_certificate(world: World) -> None:
    from webapp.auth.services import find_user

    first, second = _act(world), _act(world)
    mine = db.select(SigningCertificate).where(SigningCertificate.user_id == find_user("spec1").id)
    assert _sign(world, "spec1", first["id"], "составил").status_code == 201
    assert _sign(world, "spec1", second["id"], "составил").status_code == 201
    assert len(db.session.scalars(mine).all()) == 1  # one certificate (issued with the PIN), reused
    find_user("spec1").full_name = "Тест Новая Фамилия"
    db.session.commit()
    third = _act(world)
    assert _sign(world, "spec1", third["id"], "составил").get_json()["signer"] == "Тест Новая Фамилия"
    rows = db.session.scalars(mine.order_by(SigningCertificate.id)).all()
    assert [row.revoked_at is not None for row in rows] == [True, False]  # issued anew under the same PIN
    assert all(item["valid"] for doc in (first, second, third) for item in _signatures(world, doc["id"]))


def test_paper_signed_scan_is_a_new_version_with_its_signers(world: World) -> None:
    document = _approved(world)
    signers = (
        '[{"name": "Петрова Анна Ивановна", "role": "представитель семьи"}, {"name": "Тест spec1", "role": "составил"}]'
    )
    url = f"/api/v1/documents/{document['id']}/versions"
    scan = b"%PDF-1.4\n% scanned paper original\n"
    refused = world["spec1"].upload(url, b"plain text", base_version="1", paper_signers=signers)
    assert refused.status_code == 415  # a paper original arrives as a scan
    assert world["spec1"].upload(url, scan, "scan.pdf", base_version="1", paper_signers="[]").status_code == 400
    assert world["spec1"].upload(url, scan, "scan.pdf", base_version="1", paper_signers="{bad").status_code == 400
    created = world["spec1"].upload(url, scan, "scan.pdf", base_version="1", paper_signers=signers)
    assert created.status_code == 201, created.get_json()
    version = created.get_json()
    assert version["signed_on_paper"] is True
    assert version["paper_signatures"][0] == {"name": "Петрова Анна Ивановна", "role": "представитель семьи"}
    assert version["signatures"] == []  # never confused with electronic signatures
    assert _signatures(world, document["id"], 2) == []


def test_personal_data_stays_out_of_audit_and_keys(app: Flask, world: World) -> None:
    document = _act(world)
    signature = _sign(world, "spec1", document["id"], "составил").get_json()
    world["spec1"].get(f"/api/v1/signatures/{signature['id']}/cms")
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.like("signature.%"))).all()
    assert {event.action for event in events} == {"signature.create", "signature.read"}
    assert all("Тест" not in str(event.details) for event in events)
    keys = [key for key in blob_store().iter_keys() if "-sig-" in key]
    assert len(keys) == 1 and keys[0].isascii()


def test_cms_endpoint_respects_case_access(world: World) -> None:
    document = _act(world)
    signature = _sign(world, "spec1", document["id"], "составил").get_json()
    assert world["spec2"].get(f"/api/v1/signatures/{signature['id']}/cms").status_code == 404
    assert world["spec2"].get("/api/v1/signatures/999/cms").status_code == 404
    body = io.BytesIO(world["head"].get(f"/api/v1/signatures/{signature['id']}/cms").data)
    assert body.read(1) == b"\x30"  # DER SEQUENCE


def _pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def _pages_text(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_pdf_copy_carries_a_signature_sheet_and_the_original_is_untouched(world: World) -> None:
    case = world.open_case()
    original = _pdf("Signed act")
    document = world.upload(case["id"], original, filename="act.pdf", type="other")
    assert _sign(world, "spec1", document["id"], "составил").status_code == 201
    copy = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/pdf")
    assert copy.status_code == 200
    pages = _pages_text(copy.data)
    assert len(pages) == 2 and "Signed act" in pages[0]
    sheet = pages[1]
    fingerprint = db.session.scalar(
        db.select(SigningCertificate.sha256).join(Signature, Signature.certificate_id == SigningCertificate.id)
    )
    assert fingerprint is not None
    for expected in (
        "Лист подписей",
        "Тест spec1",
        "составил",
        "Да",
        fingerprint[:8],
        document["versions"][0]["sha256"],
    ):
        assert expected in sheet, expected
    assert world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/content").data == original

    # Tampered bytes: the sheet made now says the signature is not valid.
    version = db.session.scalar(db.select(DocumentVersion).where(DocumentVersion.document_id == document["id"]))
    assert version is not None
    [(signature, _)] = checked_signatures(version)
    verdict = Verdict(False, "content_changed", "Содержимое версии изменено")
    bad = signature_sheet(version, [(signature, verdict)], dt.datetime.now(dt.UTC))
    assert "Нет: Содержимое версии изменено" in " ".join(_pages_text(bad)[0].split())


def test_paper_signers_appear_on_the_sheet(world: World) -> None:
    case = world.open_case()
    signers = '[{"name": "Петрова Анна Ивановна", "role": "представитель семьи"}]'
    document = world.upload(case["id"], _pdf("Scan"), filename="scan.pdf", paper_signers=signers)
    assert document["versions"][0]["signed_on_paper"] is True
    sheet = _pages_text(world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/pdf").data)[-1]
    assert "Подписано на бумаге" in sheet and "Петрова Анна Ивановна" in sheet
    assert "Электронные подписи" not in sheet


def test_signers_are_searchable(world: World) -> None:
    document = _approved(world)
    assert world["head"].get("/api/v1/search?q=head").get_json()["total"] == 0
    assert _sign(world, "head", document["id"], "утверждаю").status_code == 201
    hits = world["head"].get("/api/v1/search?q=head").get_json()["items"]
    assert [hit["document_id"] for hit in hits] == [document["id"]]


def test_the_institutions_seal_is_kept_and_renewed_when_its_name_changes(tmp_path: Path) -> None:
    from webapp.signing.pki import SEAL_KEY_FILE, ensure_ca

    authority, _ = ensure_ca(tmp_path / "ca", "Центр")
    assert authority.ensure_seal("Центр") is True  # casefiles init
    assert authority.ensure_seal("Центр") is False
    first, key = authority.seal("Центр")
    again, _ = ensure_ca(tmp_path / "ca", "Центр")[0].seal("Центр")  # another process reads the same seal
    assert again.serial_number == first.serial_number  # kept, not made per export
    assert authority.issued_by_me(first)
    assert (tmp_path / "ca" / SEAL_KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / "ca" / SEAL_KEY_FILE).read_bytes()  # encrypted at rest
    assert key.public_key().public_numbers() == first.public_key().public_numbers()
    unkept, _ = authority.seal("Центр социального обслуживания")  # the name changed, init not run yet
    assert unkept.serial_number != first.serial_number and authority.issued_by_me(unkept)
    assert "Центр социального обслуживания" in unkept.subject.rfc4514_string()
    assert authority.seal("Центр социального обслуживания")[0].serial_number == unkept.serial_number  # made once
    assert authority.ensure_seal("Центр социального обслуживания") is True
    renamed, _ = ensure_ca(tmp_path / "ca", "Центр")[0].seal("Центр социального обслуживания")
    assert renamed.serial_number not in (first.serial_number, unkept.serial_number)
