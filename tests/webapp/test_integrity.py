"""Stored bytes are checked against their recorded SHA-256 on the way out: a changed file is never handed out as
if it were the one stored (a small one is refused with a clear 503, a large one's transfer breaks off), exports
stop naming the document, and the blob is marked failed in fixity as `casefiles fixity` would."""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from fpdf import FPDF
from sqlalchemy import select
from werkzeug.serving import make_server

from storage import ContentMismatch
from tests.conftest import World, overwrite_blob
from tests.webapp.test_pages import login
from webapp.blobs.models import StoredFile
from webapp.cli import main
from webapp.documents.models import DocumentVersion
from webapp.exports.models import Export
from webapp.extensions import db
from webapp.runtime import blob_store

# Two chunks of a download (webapp.documents.download.CHUNK_SIZE), and less than the test client spools to a
# temporary file (which it leaves open).
LARGE = (b"Inspection act of a large family. " * 20_000)[: 400 * 1024]


def _version(app: Flask, document_id: int) -> DocumentVersion:
    with app.app_context():
        version = db.session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == document_id)).one()
        db.session.expunge(version)
        return version


def _changed(app: Flask, document_id: int, position: int = 3) -> tuple[str, bytes]:
    """Flip one byte of the document's stored file behind the application's back; its key and the new bytes."""
    version = _version(app, document_id)
    with blob_store().open(version.blob_key) as stream:
        data = bytearray(stream.read())
    data[position] ^= 0x01
    overwrite_blob(blob_store(), version.blob_key, bytes(data))
    return version.blob_key, bytes(data)


def _marked(app: Flask, key: str, found: bytes) -> None:
    with app.app_context():
        check = db.session.scalar(select(StoredFile).where(StoredFile.key == key))
        assert check is not None and check.outcome == "mismatch"
        assert check.found_sha256 == hashlib.sha256(found).hexdigest() != check.expected_sha256


def _corrupted(answer: Any) -> None:
    assert answer.status_code == 503, answer.get_data(as_text=True)[:300]
    error = answer.get_json()["error"]
    assert error["code"] == "blob_corrupted" and "повреждён" in error["message"]


def _scan(marker: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=marker)
    return bytes(pdf.output())


def test_a_changed_small_file_is_refused_before_anything_is_sent(app: Flask, world: World, client: FlaskClient) -> None:
    case = world.open_case()
    document = world.upload(case["id"], "акт обследования семьи".encode())
    key, found = _changed(app, document["id"])
    _corrupted(world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/content"))
    _marked(app, key, found)
    assert world["admin"].get("/api/v1/admin/fixity").get_json()["failing"][0]["key"] == key
    login(client, "spec1")
    page = client.get(f"/documents/{document['id']}/versions/1/download")
    assert page.status_code == 503 and "повреждён" in page.get_data(as_text=True)
    assert found not in page.data


def test_a_changed_large_file_breaks_off_the_transfer(app: Flask, world: World) -> None:
    case = world.open_case()
    content = LARGE
    document = world.upload(case["id"], content)
    key, found = _changed(app, document["id"], position=len(content) // 2)
    answer = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/content")
    assert answer.status_code == 200  # the headers went before the end of the file was read
    assert answer.headers["Content-Length"] == str(len(content))
    received = bytearray()
    with pytest.raises(ContentMismatch):
        for chunk in answer.response:
            received += chunk
    assert 0 < len(received) < len(content)  # never the whole changed file
    _marked(app, key, found)


@pytest.fixture
def live(app: Flask) -> Iterator[int]:
    """The application served by Werkzeug's own server from a thread: its port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_a_real_client_sees_the_transfer_of_a_changed_file_break(app: Flask, world: World, live: int) -> None:
    case = world.open_case()
    content = LARGE
    intact = world.upload(case["id"], content)
    changed = world.upload(case["id"], content)
    _changed(app, changed["id"], position=len(content) - 10)

    def download(document_id: int) -> bytes:
        connection = http.client.HTTPConnection("127.0.0.1", live, timeout=30)
        try:
            headers = {"Authorization": f"Bearer {world['spec1'].token}"}
            connection.request("GET", f"/api/v1/documents/{document_id}/versions/1/content", headers=headers)
            reply = connection.getresponse()
            assert reply.status == 200 and reply.getheader("Content-Length") == str(len(content))
            return reply.read()
        finally:
            connection.close()

    assert download(intact["id"]) == content
    with pytest.raises(http.client.IncompleteRead) as broken:
        download(changed["id"])
    assert len(broken.value.partial) < len(content)


def test_a_pdf_copy_with_its_signature_sheet_is_made_only_of_checked_bytes(
    app: Flask, world: World, client: FlaskClient
) -> None:
    case = world.open_case()
    signers = json.dumps([{"name": "Тестова Анна Ивановна", "role": "получатель услуг"}])
    scan = world.upload(case["id"], _scan("SIGNED ON PAPER"), filename="s.pdf", paper_signers=signers)
    assert world["spec1"].get(f"/api/v1/documents/{scan['id']}/versions/1/pdf").status_code == 200
    key, found = _changed(app, scan["id"], position=200)
    _corrupted(world["spec1"].get(f"/api/v1/documents/{scan['id']}/versions/1/pdf"))
    _marked(app, key, found)
    login(client, "spec1")
    page = client.get(f"/documents/{scan['id']}/versions/1/pdf")
    assert page.status_code == 503 and "повреждён" in page.get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["pdf", "zip"])
def test_an_export_stops_naming_the_changed_document(app: Flask, world: World, fmt: str) -> None:
    case = world.open_case(title="Личное дело семьи Тестовых")
    world.upload(case["id"], _scan("INTACT"), filename="a.pdf", title="Заявление Тестовой")
    scan = world.upload(case["id"], _scan("CHANGED"), filename="b.pdf", title="Акт о семье Тестовых")
    key, found = _changed(app, scan["id"], position=200)
    asked = world["spec1"].post(f"/api/v1/cases/{case['id']}/exports", json={"format": fmt})
    job = world["spec1"].get(f"/api/v1/jobs/{asked.get_json()['id']}").get_json()
    assert job["status"] == "failed"
    assert f"документ № {scan['id']}, версия 1" in job["error"] and case["number"] in job["error"]
    assert "Тестов" not in job["error"]  # numbers, never titles
    _marked(app, key, found)
    with app.app_context():
        assert db.session.scalar(select(Export.blob_key).where(Export.job_id == job["id"])) is None

    made = CliRunner().invoke(main, ["export", case["number"], "--format", fmt, "-o", "/dev/null"])
    assert made.exit_code == 1 and f"документ № {scan['id']}" in made.output


def test_a_changed_export_file_is_not_handed_out(app: Flask, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("webapp.documents.download.CHUNK_SIZE", 64 * 1024 * 1024)  # checked whole before answering
    case = world.open_case()
    world.upload(case["id"], _scan("INTACT"), filename="a.pdf")
    asked = world["spec1"].post(f"/api/v1/cases/{case['id']}/exports", json={"format": "zip"}).get_json()
    job = world["spec1"].get(f"/api/v1/jobs/{asked['id']}").get_json()
    assert world["spec1"].get(job["download_url"]).status_code == 200
    with app.app_context():
        export = db.session.scalars(select(Export).where(Export.job_id == job["id"])).one()
        key = export.blob_key
        assert key is not None
        with blob_store().open(key) as stream:
            data = bytearray(stream.read())
    data[100] ^= 0x01
    overwrite_blob(blob_store(), key, bytes(data))
    _corrupted(world["spec1"].get(job["download_url"]))
    _marked(app, key, bytes(data))
