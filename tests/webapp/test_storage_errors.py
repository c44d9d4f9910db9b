"""A storage failure is answered in one place (webapp.errors), for the API and pages alike: 503 with a code and a
message for people, never the store's own text (it names keys and S3 codes)."""

from __future__ import annotations

from typing import Any, BinaryIO

from flask import Flask
from flask.testing import FlaskClient

from storage import BlobNotFound, BlobStore, StorageError, StoredBlob
from tests.conftest import World
from tests.webapp.test_pages import login


class BrokenReads(BlobStore):
    """Wraps a store; open() fails with `error`, everything else passes through."""

    def __init__(self, inner: BlobStore, error: StorageError) -> None:
        self.inner = inner
        self.error = error

    def put(self, key: str, stream: BinaryIO, *, media_type: str = "application/octet-stream") -> StoredBlob:
        return self.inner.put(key, stream, media_type=media_type)

    def open(self, key: str) -> BinaryIO:
        raise self.error

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def iter_blobs(self, prefix: str = "") -> Any:
        return self.inner.iter_blobs(prefix)


def _reading_fails(app: Flask, world: World, error: StorageError) -> int:
    document = world.upload(world.open_case()["id"], b"act")
    app.extensions["casefiles.blob_store"] = BrokenReads(app.extensions["casefiles.blob_store"], error)
    return int(document["id"])


def test_a_missing_blob_is_503_blob_missing(app: Flask, world: World, client: FlaskClient) -> None:
    document_id = _reading_fails(app, world, BlobNotFound("2026/04-05/001/1/v1-secret"))
    answer = world["spec1"].get(f"/api/v1/documents/{document_id}/versions/1/content")
    assert answer.status_code == 503
    assert answer.get_json()["error"] == {"code": "blob_missing", "message": "Файл недоступен в хранилище"}
    login(client, "spec1")
    page = client.get(f"/documents/{document_id}/versions/1/download")
    assert page.status_code == 503 and "Файл недоступен в хранилище" in page.get_data(as_text=True)
    assert b"v1-secret" not in page.data


def test_an_unreachable_storage_is_503_storage_unavailable(app: Flask, world: World, client: FlaskClient) -> None:
    document_id = _reading_fails(app, world, StorageError("cannot reach the S3 endpoint: ConnectTimeoutError"))
    answer = world["spec1"].get(f"/api/v1/documents/{document_id}/versions/1/content")
    assert answer.status_code == 503
    expected = {"code": "storage_unavailable", "message": "Хранилище недоступно, повторите позже"}
    assert answer.get_json()["error"] == expected
    login(client, "spec1")
    page = client.get(f"/documents/{document_id}/versions/1/download")
    assert page.status_code == 503 and "Хранилище недоступно, повторите позже" in page.get_data(as_text=True)
    assert b"ConnectTimeout" not in page.data
