"""Uploading documents, versions with optimistic concurrency, byte-exact downloads."""

from __future__ import annotations

import hashlib
from typing import Any, BinaryIO

import pytest
from flask import Flask
from sqlalchemy import event

from storage import BlobStore, StorageError, StoredBlob
from tests.conftest import World
from webapp.audit.models import AuditEvent
from webapp.documents.models import Document, DocumentVersion
from webapp.extensions import db

DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _counts() -> tuple[int, int]:
    documents = db.session.scalar(db.select(db.func.count(Document.id))) or 0
    versions = db.session.scalar(db.select(db.func.count(DocumentVersion.id))) or 0
    return documents, versions


def _blob_keys(app: Flask) -> list[str]:
    """Document blobs (the form templates' .docx files live under templates/)."""
    return [key for key in app.extensions["casefiles.blob_store"].iter_keys() if not key.startswith("templates/")]


def test_upload_creates_version_one(world: World) -> None:
    case = world.open_case()
    content = "Акт обследования семьи Ивановых".encode()
    document = world.upload(case["id"], content, filename="акт.txt", type="inspection_act", date="2026-03-04")
    assert document["case_id"] == case["id"]
    assert document["title"] == "акт"
    assert document["type"] == "inspection_act"
    assert document["date"] == "2026-03-04"
    [version] = document["versions"]
    assert version["number"] == 1
    assert version["sha256"] == hashlib.sha256(content).hexdigest()
    assert version["size"] == len(content)
    assert version["media_type"] == "text/plain; charset=utf-8"
    assert version["author"] == "spec1"
    assert version["signatures"] == []


def test_storage_key_carries_no_personal_data(app: Flask, world: World) -> None:
    case = world.open_case(subject={"name": "Семья Ивановых"})
    world.upload(case["id"], b"x", filename="Ivanov family.txt", title="Иванов")
    [key] = _blob_keys(app)
    document_id = db.session.scalar(db.select(Document.id))
    assert key.startswith(f"2026/04-05/001/{document_id}/v1-")
    assert "Ivanov" not in key


def test_versions_and_stale_base_version(app: Flask, world: World) -> None:
    case = world.open_case()
    document = world.upload(case["id"], b"first")
    url = f"/api/v1/documents/{document['id']}/versions"
    second = world["spec1"].upload(url, b"second", base_version="1", comment="исправлено")
    assert second.status_code == 201
    assert second.get_json()["number"] == 2
    assert second.get_json()["comment"] == "исправлено"
    stale = world["spec1"].upload(url, b"third", base_version="1")
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale_base_version"
    assert _counts() == (1, 2)
    assert len(_blob_keys(app)) == 2
    versions = world["spec1"].get(f"/api/v1/documents/{document['id']}").get_json()["versions"]
    assert [v["number"] for v in versions] == [1, 2]


@pytest.mark.parametrize("base_version", ["abc", "0", "-1", "1.5", ""])
def test_bad_base_version_is_400(world: World, base_version: str) -> None:
    case = world.open_case()
    document = world.upload(case["id"], b"first")
    response = world["spec1"].upload(f"/api/v1/documents/{document['id']}/versions", b"x", base_version=base_version)
    assert response.status_code == 400
    assert _counts() == (1, 1)


def test_downloads_are_byte_identical_and_audited(world: World) -> None:
    case = world.open_case()
    payloads = [b"%PDF-1.4\n" + bytes(range(256)) * 40, "Версия вторая".encode()]
    document = world.upload(case["id"], payloads[0], filename="scan.pdf")
    world["spec1"].upload(f"/api/v1/documents/{document['id']}/versions", payloads[1], base_version="1")
    for number, payload in enumerate(payloads, start=1):
        response = world["head"].get(f"/api/v1/documents/{document['id']}/versions/{number}/content")
        assert response.status_code == 200
        assert response.data == payload
        assert response.headers["Content-Length"] == str(len(payload))
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"  # the stored type, said once
    first = world["head"].get(f"/api/v1/documents/{document['id']}/versions/1/content")
    assert first.mimetype == "application/pdf"
    assert "Ivanov" not in first.headers["Content-Disposition"]
    reads = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "version.read")).all()
    assert [(e.object_id, e.details["version"]) for e in reads] == [
        (document["id"], 1),
        (document["id"], 2),
        (document["id"], 1),
    ]


def test_a_download_loads_its_version_once(world: World) -> None:
    """The answer's headers are read before the commit that records the read, not from a version loaded again."""
    case = world.open_case()
    document = world.upload(case["id"], b"%PDF-1.4\n" + bytes(range(256)), filename="scan.pdf")
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    db.session.expunge_all()  # as in a request of its own: nothing loaded yet
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = world["head"].get(f"/api/v1/documents/{document['id']}/versions/1/content")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["ETag"] == f'"{document["versions"][0]["sha256"]}"'
    loads = [s for s in statements if s.lstrip().startswith("SELECT") and "FROM document_versions" in s]
    assert len(loads) == 1, loads


def test_docx_is_recognised_by_content(world: World, tmp_path: Any) -> None:
    import docx

    path = tmp_path / "x.bin"
    word = docx.Document()
    word.add_paragraph("Социальный паспорт семьи")
    word.save(str(path))
    document = world.upload(world.open_case()["id"], path.read_bytes(), filename="passport.bin")
    assert document["versions"][0]["media_type"] == DOCX_MEDIA


@pytest.mark.parametrize(
    ("content", "filename", "status", "code"),
    [
        (b"", "empty.txt", 400, "empty_file"),
        (b"text", "../../etc/passwd", 400, "invalid_filename"),
        (b"text", "act\x00.txt", 400, "invalid_filename"),
        (b"text", "..", 400, "invalid_filename"),
        (b"\x00\x01\x02binary", "blob.bin", 415, "unsupported_media_type"),
        (b"PK\x03\x04 broken zip", "a.zip", 415, "unsupported_media_type"),
    ],
)
def test_bad_uploads_write_nothing(
    app: Flask, world: World, content: bytes, filename: str, status: int, code: str
) -> None:
    case = world.open_case()
    response = world["spec1"].upload(f"/api/v1/cases/{case['id']}/documents", content, filename=filename)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert _counts() == (0, 0)
    assert _blob_keys(app) == []


def test_upload_without_file_or_with_unknown_fields(world: World) -> None:
    case = world.open_case()
    url = f"/api/v1/cases/{case['id']}/documents"
    no_file = world["spec1"].client.post(
        url, headers={"Authorization": f"Bearer {world['spec1'].token}"}, data={"title": "x"}
    )
    assert no_file.status_code == 400
    assert no_file.get_json()["error"]["code"] == "missing_file"
    unknown = world["spec1"].upload(url, b"x", colour="red")
    assert unknown.status_code == 400
    bad_type = world["spec1"].upload(url, b"x", type="poem")
    assert bad_type.status_code == 400
    bad_date = world["spec1"].upload(url, b"x", date="31.12.2026")
    assert bad_date.status_code == 400
    assert _counts() == (0, 0)


def test_other_district_and_missing_ids_are_404(world: World) -> None:
    other = world.open_case("spec2", "u2")
    document = world.upload(other["id"], b"secret", username="spec2")
    spec1 = world["spec1"]
    assert spec1.upload(f"/api/v1/cases/{other['id']}/documents", b"x").status_code == 404
    assert spec1.get(f"/api/v1/documents/{document['id']}").status_code == 404
    assert spec1.get(f"/api/v1/documents/{document['id']}/versions/1/content").status_code == 404
    assert spec1.upload(f"/api/v1/documents/{document['id']}/versions", b"x", base_version="1").status_code == 404
    assert spec1.get("/api/v1/documents/424242").status_code == 404
    assert world["spec2"].get(f"/api/v1/documents/{document['id']}/versions/9/content").status_code == 404
    assert spec1.upload("/api/v1/cases/424242/documents", b"x").status_code == 404


def test_admin_without_a_grant_does_not_see_the_case(world: World) -> None:
    case = world.open_case()
    response = world["admin"].upload(f"/api/v1/cases/{case['id']}/documents", b"x")
    assert response.status_code == 404  # granted, they read but still may not write: test_access.py


class FailingStore(BlobStore):
    """Wraps a store; put() fails after reading part of the stream, like a dropped connection."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner = inner

    def put(self, key: str, stream: BinaryIO, *, media_type: str = "application/octet-stream") -> StoredBlob:
        stream.read(2)
        raise StorageError("connection reset")

    def open(self, key: str) -> BinaryIO:
        return self.inner.open(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def iter_blobs(self, prefix: str = "") -> Any:
        return self.inner.iter_blobs(prefix)


def test_storage_failure_is_503_and_leaves_no_row(app: Flask, world: World) -> None:
    case = world.open_case()
    original = app.extensions["casefiles.blob_store"]
    app.extensions["casefiles.blob_store"] = FailingStore(original)
    response = world["spec1"].upload(f"/api/v1/cases/{case['id']}/documents", b"text")
    app.extensions["casefiles.blob_store"] = original
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "storage_unavailable"
    assert _counts() == (0, 0)


def test_failed_commit_leaves_no_row_pointing_at_a_missing_blob(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    import webapp.documents.api

    case = world.open_case()

    def failing_commit() -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(webapp.documents.api, "commit", failing_commit)
    response = world["spec1"].upload(f"/api/v1/cases/{case['id']}/documents", b"text")
    assert response.status_code == 503
    assert _counts() == (0, 0)
    # The blob was written first and is now an orphan for `storage gc`; a retry succeeds beside it.
    assert len(_blob_keys(app)) == 1
    monkeypatch.undo()
    world.upload(case["id"], b"text")
    assert _counts() == (1, 1)
    keys = {v.blob_key for v in db.session.scalars(db.select(DocumentVersion))}
    assert all(app.extensions["casefiles.blob_store"].exists(key) for key in keys)


def test_document_date_defaults_to_registration_day(world: World) -> None:
    import datetime as dt

    document = world.upload(world.open_case()["id"], b"x")
    assert document["date"] == dt.date.today().isoformat()
