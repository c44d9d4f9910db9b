"""The application with CASEFILES_STORAGE=s3 on a real S3 server (Swift with s3api): documents, downloads,
presigned redirects, fixity and gc behave as on the local folder; the bucket shows only nomenclature keys.
Object Lock runs against moto's server, which enforces it (Swift silently ignores it)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from flask import Flask
from sqlalchemy import select

from devtools.s3servers import S3Endpoint
from storage import StorageError
from storage.s3 import S3BlobStore, S3Settings
from tests.conftest import World
from tests.dying import in_the_app
from tests.s3settings import on_s3 as s3_settings
from tests.s3settings import s3_environment
from webapp import create_app
from webapp.blobs.retention import lock_in_force
from webapp.blobs.services import collect_garbage
from webapp.cli import main
from webapp.config import Settings, load_settings
from webapp.documents.models import DocumentVersion
from webapp.extensions import db
from webapp.storage_setup import s3_settings as s3_settings_of

NOMENCLATURE_KEY = re.compile(r"(\d{4}/\d{2}-\d{2}/\d{3}/\d+/v\d+[-a-z0-9]*|templates/[a-z0-9_./-]+)")


def version_of(app: Flask, document_id: int) -> DocumentVersion:
    version = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == document_id))
    assert version is not None
    return version


class TestOnSwift:
    @pytest.fixture
    def settings(self, settings: Settings, swift_endpoint: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> Settings:
        return s3_settings(settings, swift_endpoint, monkeypatch)

    @pytest.fixture
    def store(self, app: Flask) -> S3BlobStore:
        store = app.extensions["casefiles.blob_store"]
        assert isinstance(store, S3BlobStore)
        return store

    def test_documents_live_in_the_bucket_by_the_nomenclature(
        self, app: Flask, world: World, store: S3BlobStore
    ) -> None:
        case = world.open_case()
        # 190 KB; from 500 KB the test client spools the request to a file it never closes
        content = "Акт обследования семьи Ивановой\n".encode() * 6_000
        answer = world.clients["spec1"].upload(
            f"/api/v1/cases/{case['id']}/documents", content, filename="Иванова Мария акт.txt"
        )
        assert answer.status_code == 201, answer.get_json()
        document = answer.get_json()
        answer = world.clients["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/content")
        assert answer.status_code == 200 and answer.data == content
        version = version_of(app, document["id"])
        assert store.stored_sha256(version.blob_key) == version.sha256
        keys = list(store.iter_keys())
        assert version.blob_key in keys
        assert all(NOMENCLATURE_KEY.fullmatch(key) for key in keys), keys
        assert not any(re.search("[А-Яа-я]|\\.txt", key) for key in keys)

    def test_presigned_downloads_redirect_to_the_server(self, app: Flask, world: World, store: S3BlobStore) -> None:
        app.config["CASEFILES"] = dataclasses.replace(app.config["CASEFILES"], s3_presign_seconds=60)
        case = world.open_case()
        document = world.upload(case["id"], b"presigned act")
        answer = world.clients["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/content")
        assert answer.status_code == 302
        location = answer.headers["Location"]
        assert location.startswith(store.settings.endpoint_url or "")
        with urllib.request.urlopen(location, timeout=10) as response:  # noqa: S310 - the test's own server
            assert response.read() == b"presigned act"
            assert 'filename="document-' in response.headers["Content-Disposition"]

    def test_fixity_finds_an_object_changed_behind_our_back(self, app: Flask, world: World, store: S3BlobStore) -> None:
        case = world.open_case()
        document = world.upload(case["id"], b"original")
        runner = app.test_cli_runner()
        assert runner.invoke(main, ["fixity"]).exit_code == 0
        key = version_of(app, document["id"]).blob_key
        store.client.put_object(Bucket=store.bucket, Key=key, Body=b"forged")
        result = runner.invoke(main, ["fixity"])
        assert result.exit_code == 1
        assert f"changed: {key}" in result.output

    def test_gc_removes_an_object_no_row_refers_to(self, app: Flask, world: World, store: S3BlobStore) -> None:
        case = world.open_case()
        document = world.upload(case["id"], b"kept")
        stray = "2026/04-05/001/999/v1-stray"
        store.client.put_object(Bucket=store.bucket, Key=stray, Body=b"orphan")
        assert collect_garbage().removed == []  # too young: maybe an upload in progress
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
        assert collect_garbage(now=later).removed == [stray]
        assert not store.exists(stray)
        assert store.exists(version_of(app, document["id"]).blob_key)

    def test_an_unreachable_storage_is_a_503_and_writes_no_row(self, app: Flask, world: World) -> None:
        case = world.open_case()
        down = S3Settings(bucket="absent", endpoint_url="http://127.0.0.1:9", region="us-east-1", max_attempts=1)
        app.extensions["casefiles.blob_store"] = S3BlobStore(down)
        answer = world.clients["spec1"].upload(f"/api/v1/cases/{case['id']}/documents", b"act")
        assert answer.status_code == 503
        assert answer.get_json()["error"]["message"]
        assert "127.0.0.1" not in answer.get_data(as_text=True)
        assert db.session.scalar(select(DocumentVersion.id)) is None


class TestObjectLockOnMoto:
    @pytest.fixture
    def settings(self, settings: Settings, moto_endpoint: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> Settings:
        return dataclasses.replace(
            s3_settings(settings, moto_endpoint, monkeypatch, ObjectLockEnabledForBucket=True),
            s3_lock_mode="COMPLIANCE",
        )

    @pytest.fixture
    def store(self, app: Flask) -> Iterator[S3BlobStore]:
        store = app.extensions["casefiles.blob_store"]
        assert isinstance(store, S3BlobStore) and store.object_lock_enabled()
        yield store

    def test_closing_locks_every_object_until_the_retention_date(
        self, app: Flask, world: World, store: S3BlobStore
    ) -> None:
        case = world.open_case()
        document = world.upload(case["id"], b"act")
        closed = world.clients["archivist"].post(
            f"/api/v1/cases/{case['id']}/close", json={"closed_on": dt.date.today().isoformat()}
        )
        assert closed.status_code == 200, closed.get_json()
        retention = dt.date.fromisoformat(closed.get_json()["retention_until"])
        key = version_of(app, document["id"]).blob_key
        locked = store.retained_until(key)
        assert locked is not None and locked.date() == retention + dt.timedelta(days=1)
        head = store.client.head_object(Bucket=store.bucket, Key=key)
        assert head["ObjectLockMode"] == "COMPLIANCE"
        with pytest.raises(ClientError):  # the server refuses: a lock that is ignored would let this pass
            store.client.delete_object(Bucket=store.bucket, Key=key, VersionId=head["VersionId"])
        with pytest.raises(StorageError):  # so does the store's own delete, which removes every version
            store.delete(key)
        assert store.exists(key)
        in_force = lock_in_force(store, key)  # what destruction tells the archivist when it is refused
        assert in_force is not None and in_force.date() == retention + dt.timedelta(days=1)

    def test_a_legal_hold_on_the_case_holds_its_objects(self, app: Flask, world: World, store: S3BlobStore) -> None:
        case = world.open_case()
        document = world.upload(case["id"], b"act")
        key = version_of(app, document["id"]).blob_key
        archivist = world.clients["archivist"]
        held = archivist.post(f"/api/v1/cases/{case['id']}/hold", json={"reason": "Запрос суда по делу"})
        assert held.status_code == 200, held.get_json()
        assert store.client.head_object(Bucket=store.bucket, Key=key)["ObjectLockLegalHoldStatus"] == "ON"
        released = archivist.post(f"/api/v1/cases/{case['id']}/hold/release", json={"reason": "Суд завершён"})
        assert released.status_code == 200, released.get_json()
        assert store.client.head_object(Bucket=store.bucket, Key=key)["ObjectLockLegalHoldStatus"] == "OFF"


class TestInit:
    @pytest.fixture
    def settings(self, settings: Settings, swift_endpoint: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> Settings:
        made = s3_settings(settings, swift_endpoint, monkeypatch)
        return dataclasses.replace(made, s3_bucket=f"{made.s3_bucket}-new")  # not created yet

    def test_init_creates_the_bucket_and_says_so(self, app: Flask, settings: Settings) -> None:
        runner = app.test_cli_runner()
        first = runner.invoke(main, ["init"])
        assert first.exit_code == 0, first.output
        assert f"s3 bucket {settings.s3_bucket} (created, no Object Lock)" in first.output
        assert "(present, no Object Lock)" in runner.invoke(main, ["init"]).output

    def test_init_says_clearly_when_it_cannot(self, app: Flask) -> None:
        down = S3Settings(bucket="casefiles", endpoint_url="http://127.0.0.1:9", region="us-east-1", max_attempts=1)
        app.extensions["casefiles.blob_store"] = S3BlobStore(down)
        result = app.test_cli_runner().invoke(main, ["init"])
        assert result.exit_code == 1
        assert "storage: cannot reach the S3 endpoint: EndpointConnectionError" in result.output


class TestMigration:
    """From the local folder (the app's default here) to a bucket on Swift."""

    @pytest.fixture
    def target(self, settings: Settings, swift_endpoint: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> Settings:
        return s3_settings(settings, swift_endpoint, monkeypatch)

    @staticmethod
    def aim_at(app: Flask, target: Settings) -> S3BlobStore:
        """Set the app's S3 settings to the target bucket (the storage stays local) and return that bucket."""
        s3 = {name: getattr(target, name) for name in ("s3_bucket", "s3_endpoint_url", "s3_region", "s3_addressing")}
        app.config["CASEFILES"] = dataclasses.replace(app.config["CASEFILES"], **s3)
        return S3BlobStore(s3_settings_of(target))

    def test_migrate_copies_verifies_resumes_and_switches(
        self, app: Flask, world: World, target: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        case = world.open_case()
        for number in range(3):
            world.upload(case["id"], f"act {number}".encode())
        local = app.extensions["casefiles.blob_store"]
        keys = list(local.iter_keys())
        bucket = self.aim_at(app, target)
        with local.open(keys[0]) as stream:  # an earlier run was interrupted after the first blob
            bucket.put(keys[0], stream)

        runner = app.test_cli_runner()
        result = runner.invoke(main, ["storage", "migrate", "--to", "s3"])
        assert result.exit_code == 0, result.output
        assert f"{len(keys)} blobs: {len(keys) - 1} copied, 1 already there, 0 failed" in result.output
        assert list(bucket.iter_keys()) == keys
        data_dir = str(app.config["CASEFILES"].data_dir)
        assert load_settings({"CASEFILES_DATA_DIR": data_dir, "CASEFILES_S3_BUCKET": "b"}).storage == "s3"
        assert load_settings({"CASEFILES_DATA_DIR": data_dir, "CASEFILES_STORAGE": "local"}).storage == "local"
        again = runner.invoke(main, ["storage", "migrate", "--to", "s3"])
        assert "0 failed" in again.output

    def test_a_different_object_under_a_key_is_never_overwritten(
        self, app: Flask, world: World, target: Settings
    ) -> None:
        case = world.open_case()
        world.upload(case["id"], b"the real act")
        local = app.extensions["casefiles.blob_store"]
        key = next(key for key in local.iter_keys() if not key.startswith("templates/"))
        bucket = self.aim_at(app, target)
        bucket.put(key, io.BytesIO(b"something else"))
        result = app.test_cli_runner().invoke(main, ["storage", "migrate", "--to", "s3"])
        assert result.exit_code == 1
        assert f"failed: {key}" in result.output and "not switched" in result.output
        with bucket.open(key) as stream:
            assert stream.read() == b"something else"
        assert load_settings({"CASEFILES_DATA_DIR": str(app.config["CASEFILES"].data_dir)}).storage == "local"


# A process that stores a document's blob on S3 and is killed (SIGKILL) before its row is committed.
DYING_UPLOADER = in_the_app(
    """
    from storage.s3 import S3BlobStore

    webapp.uow.commit()
    put = S3BlobStore.put

    def put_then_die(self, *args, **kwargs):
        put(self, *args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    S3BlobStore.put = put_then_die
    add_document(user, case.id, DocumentMeta(title="Акт"), Upload(io.BytesIO(b"act of the family"), "a.txt"))
    webapp.uow.commit()
    """
)


def test_a_kill_during_an_upload_leaves_no_row_and_gc_collects_the_object(
    tmp_path: Path, swift_endpoint: S3Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        **os.environ,
        **s3_environment(swift_endpoint),
        "CASEFILES_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(Path(__file__).parents[2]),
    }
    env.pop("CASEFILES_DATABASE_URL", None)
    died = subprocess.run([sys.executable, "-c", DYING_UPLOADER], env=env, capture_output=True, text=True, check=False)
    assert died.returncode == -signal.SIGKILL, died.stderr

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", swift_endpoint.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", swift_endpoint.secret_key)
    app = create_app(settings=load_settings(env))
    with app.app_context():
        store = app.extensions["casefiles.blob_store"]
        assert db.session.scalar(select(DocumentVersion.id)) is None  # no row points at anything
        strays = [key for key in store.iter_keys() if not key.startswith("templates/")]
        assert len(strays) == 1 and store.exists(strays[0])  # the object the dead process wrote
        assert collect_garbage().removed == []  # young: it could be an upload still in progress
        assert collect_garbage(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).removed == strays
        assert not store.exists(strays[0])
        db.session.remove()
