"""`casefiles fixity` finds blobs changed or lost behind the system's back; `casefiles storage gc` removes only
old blobs no row refers to, and what killed uploads left in the temporary folder (as does a restart)."""

from __future__ import annotations

import dataclasses
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from storage import BlobStore, LocalBlobStore
from tests.conftest import World, overwrite_blob
from tests.dying import in_the_app
from tests.webapp.test_pages import login
from webapp import create_app
from webapp.blobs.models import StoredFile
from webapp.cli import main
from webapp.config import Settings
from webapp.documents.models import DocumentVersion
from webapp.extensions import db

STRAY = "2026/04-05/001/999/v1-stray"


@pytest.fixture
def run(app: Flask):  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()

    def invoke(*args: str) -> Any:
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def store_of(app: Flask) -> BlobStore:
    store: BlobStore = app.extensions["casefiles.blob_store"]
    return store


def local_store_of(app: Flask) -> LocalBlobStore:
    """The local store, whose files' times the gc tests set (on S3 they are the server's: test_s3_storage)."""
    store = store_of(app)
    assert isinstance(store, LocalBlobStore)
    return store


def version_key(app: Flask, document_id: int) -> str:
    with app.app_context():
        key = db.session.scalar(select(DocumentVersion.blob_key).where(DocumentVersion.document_id == document_id))
        assert key is not None
        return key


def test_fixity_records_ok_then_finds_a_changed_and_a_missing_blob(app: Flask, world: World, run: Any) -> None:
    case = world.open_case()
    first = world.upload(case["id"], b"first act")
    second = world.upload(case["id"], b"second act")
    clean = run("fixity")
    assert clean.exit_code == 0, clean.output
    assert "0 changed, 0 missing" in clean.output
    with app.app_context():
        outcomes = {check.key: check.outcome for check in db.session.scalars(select(StoredFile))}
    assert outcomes[version_key(app, first["id"])] == "ok"

    store = store_of(app)
    overwrite_blob(store, version_key(app, first["id"]), b"first act, edited behind our back")
    store.delete(version_key(app, second["id"]))
    found = run("fixity")
    assert found.exit_code == 1
    assert f"changed: {version_key(app, first['id'])}" in found.output
    assert f"missing: {version_key(app, second['id'])}" in found.output
    with app.app_context():
        check = db.session.scalar(select(StoredFile).where(StoredFile.key == version_key(app, first["id"])))
        assert check is not None and check.outcome == "mismatch" and check.found_sha256 != check.expected_sha256


def test_fixity_can_check_a_sample_or_only_the_unchecked(app: Flask, world: World, run: Any) -> None:
    case = world.open_case()
    for number in range(3):
        world.upload(case["id"], f"act {number}".encode())
    sampled = run("fixity", "--sample", "1")
    assert "checked 1:" in sampled.output
    everything = run("fixity", "--unchecked-days", "1")  # the sampled one was checked today
    checked = int(everything.output.split("checked ")[1].split(":")[0])
    assert checked >= 3
    again = run("fixity", "--unchecked-days", "1")
    assert "checked 0:" in again.output


def test_gc_removes_only_old_unreferenced_blobs(app: Flask, world: World, run: Any) -> None:
    case = world.open_case()
    document = world.upload(case["id"], b"kept")
    store = local_store_of(app)
    store.put(STRAY, io.BytesIO(b"left by an upload whose row never committed"))
    young = "2026/04-05/001/999/v2-young"
    store.put(young, io.BytesIO(b"an upload in progress"))
    day_ago = time.time() - 2 * 86400
    os.utime(store.root.joinpath(*STRAY.split("/")), (day_ago, day_ago))

    dry = run("storage", "gc", "--dry-run")
    assert f"would remove: {STRAY}" in dry.output and store.exists(STRAY)
    done = run("storage", "gc")
    assert done.exit_code == 0, done.output
    assert f"removed: {STRAY}" in done.output
    assert "1 unreferenced but younger than 24 h left alone" in done.output
    assert not store.exists(STRAY)
    assert store.exists(young)
    assert store.exists(version_key(app, document["id"]))


def test_gc_keeps_every_kind_of_referenced_blob(app: Flask, world: World, run: Any, tmp_path: Path) -> None:
    case = world.open_case()
    world.upload(case["id"], b"kept")
    store = local_store_of(app)
    before = set(store.iter_keys())
    old = time.time() - 30 * 86400
    for key in before:  # everything is old now: only references can save it
        os.utime(store.root.joinpath(*key.split("/")), (old, old))
    result = run("storage", "gc")
    assert "0 removed" in result.output
    assert set(store.iter_keys()) == before


def test_admins_see_the_outcome_in_the_ui_and_api(app: Flask, world: World, run: Any, client: Any) -> None:
    case = world.open_case()
    document = world.upload(case["id"], b"act")
    overwrite_blob(store_of(app), version_key(app, document["id"]), b"changed")
    run("fixity")
    answer = world.clients["admin"].get("/api/v1/admin/fixity").get_json()
    assert answer["counts"]["mismatch"] == 1
    assert answer["failing"][0]["key"] == version_key(app, document["id"])
    assert world.clients["spec1"].get("/api/v1/admin/fixity").status_code == 403
    login(client, "admin")
    page = client.get("/admin/fixity").get_data(as_text=True)
    assert "Хранилище: целостность и резервные копии" in page and "содержимое изменено" in page
    assert version_key(app, document["id"]) in page
    client.get("/logout")
    login(client, "spec1")
    assert client.get("/admin/fixity").status_code == 403


# A server killed (SIGKILL) 2 MiB into storing an upload, as by `kill -9` while a large scan comes in.
KILLED_UPLOAD = in_the_app(
    """
    class Dying(io.BytesIO):
        def read(self, size=-1):
            if self.tell() > 2 * 1024 * 1024:
                os.kill(os.getpid(), signal.SIGKILL)
            return super().read(size)

    add_document(user, case.id, DocumentMeta(title="Скан"), Upload(Dying(b"personal data " * 500_000), "s.txt"))
    """
)


def test_gc_and_a_restart_sweep_what_a_killed_upload_left(
    tmp_path: Path, settings: Settings, app: Flask, run: Any
) -> None:
    env = {**os.environ, "CASEFILES_DATA_DIR": str(tmp_path / "killed"), "PYTHONPATH": str(Path(__file__).parents[2])}
    for name in ("CASEFILES_DATABASE_URL", "CASEFILES_STORAGE"):
        env.pop(name, None)
    died = subprocess.run([sys.executable, "-c", KILLED_UPLOAD], env=env, capture_output=True, check=False)
    assert died.returncode == -signal.SIGKILL, died.stderr
    (leftover,) = (tmp_path / "killed" / "blobs" / ".tmp").iterdir()
    assert leftover.name.startswith("put-") and b"personal data" in leftover.read_bytes()[:100]
    two_hours_ago = time.time() - 2 * 3600

    killed = dataclasses.replace(
        settings,
        data_dir=tmp_path / "killed",
        database_url=f"sqlite:///{tmp_path / 'killed' / 'casefiles.db'}",
        storage="local",
    )
    _start(killed)  # restarted at once: it could be an upload another worker is still writing
    assert leftover.exists()
    os.utime(leftover, (two_hours_ago, two_hours_ago))
    _start(killed)
    assert not leftover.exists()

    store = local_store_of(app)  # and `storage gc`, for a server that is not restarted
    old, fresh = store.root / ".tmp" / "put-old", store.root / ".tmp" / "put-fresh"
    for path in (old, fresh):
        path.write_bytes(b"half an upload")
    os.utime(old, (two_hours_ago, two_hours_ago))
    dry = run("storage", "gc", "--dry-run")
    assert "unfinished uploads older than 1 h: 1 to remove" in dry.output and old.exists()
    done = run("storage", "gc")
    assert "unfinished uploads older than 1 h: 1 removed" in done.output
    assert not old.exists() and fresh.exists()


def _start(settings: Settings) -> None:
    started = create_app({"TESTING": True}, settings=settings)
    with started.app_context():
        db.engine.dispose()
