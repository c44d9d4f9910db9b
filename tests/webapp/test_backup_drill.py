"""The disaster drill (issue 29): the demo loaded, a backup taken while uploads keep arriving, restored into a fresh
data folder and database, and everything acknowledged before the backup found again byte for byte, with fixity,
the audit chain, search and signatures checked. Runs on SQLite and, in the PostgreSQL pass, on PostgreSQL (a
second database on the same server, made and dropped here)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import POSTGRES_URL, ApiClient
from tests.pg_databases import own_database
from webapp import create_app
from webapp.backups import archive
from webapp.backups.keys import BackupError
from webapp.backups.models import BackupRun
from webapp.backups.services import check_backup, restore_backup, take_backup
from webapp.blobs.models import StoredFile
from webapp.cases.models import Case
from webapp.config import Settings
from webapp.documents.models import DocumentVersion
from webapp.extensions import db

PASSPHRASE = "учебная тревога 2026"


@pytest.fixture
def restored_database(tmp_path: Path) -> Iterator[str]:
    """An empty database to restore into: a file beside the new data folder, or a new PostgreSQL database."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'restored' / 'casefiles.db'}"
        return
    with own_database(POSTGRES_URL, "casefiles_drill") as url:
        yield url


def _uploader(app: Flask, client: ApiClient, case_id: int, stop: threading.Event, acknowledged: list) -> None:
    """Upload until told to stop; each upload acknowledged (201) is noted with its moment and bytes' SHA-256."""
    number = 0
    while not stop.is_set():
        number += 1
        content = f"Акт проверки резервного копирования № {number}\n{uuid.uuid4()}\n".encode()
        response = client.upload(f"/api/v1/cases/{case_id}/documents", content, filename=f"drill-{number}.txt")
        assert response.status_code == 201, response.get_json()
        acknowledged.append((time.monotonic(), response.get_json()["id"], hashlib.sha256(content).hexdigest()))


def _waiting_for_uploads(acknowledged: list) -> Callable[[str, int, int], None]:
    """A progress listener that, once the database has been copied and the blobs' turn comes, waits for two more
    uploads: their rows are not in the copy, their blobs may be in the storage while the blobs are copied."""
    waited = []

    def progress(stage: str, done: int, total: int) -> None:
        if not waited:
            waited.append(len(acknowledged))
            deadline = time.monotonic() + 60
            while len(acknowledged) < waited[0] + 2 and time.monotonic() < deadline:
                time.sleep(0.05)

    return progress


def test_drill_backup_while_uploading_then_restore(app: Flask, tmp_path: Path, restored_database: str) -> None:
    from demo.loader import load_demo
    from webapp.auth.services import create_api_token

    load_demo(password="drill-pass-1")
    settings: Settings = dataclasses.replace(app.config["CASEFILES"], backup_passphrase=PASSPHRASE)
    app.config["CASEFILES"] = settings
    case = db.session.scalars(
        select(Case).where(Case.status == "open", Case.responsible_id.is_not(None)).order_by(Case.id)
    ).first()
    assert case is not None and case.responsible is not None
    uploader = ApiClient(app.test_client(), create_api_token(case.responsible))
    db.session.commit()

    stop, acknowledged = threading.Event(), []
    thread = threading.Thread(target=_uploader, args=(app, uploader, case.id, stop, acknowledged))
    thread.start()
    try:
        while len(acknowledged) < 3:  # uploads are arriving before the backup starts, and go on through it
            time.sleep(0.05)
        started = time.monotonic()
        report = take_backup(tmp_path / "backups", _waiting_for_uploads(acknowledged))
        during = len([ack for ack in acknowledged if ack[0] >= started])
    finally:
        stop.set()
        thread.join()
    assert report.ok, report.problems
    on_s3 = settings.storage == "s3"  # the bucket keeps the blobs (its own versioning): listed, not copied
    assert report.blobs > 50 and report.blobs == (report.in_bucket if on_s3 else report.copied + report.reused)
    before = [ack for ack in acknowledged if ack[0] < started]
    assert len(before) >= 3 and during >= 1, "uploads went on while the backup ran"
    assert db.session.scalars(select(BackupRun)).one().outcome == "ok"

    assert check_backup(tmp_path / "backups", None, settings).ok

    target = dataclasses.replace(
        settings, data_dir=tmp_path / "restored", database_url=restored_database, secret_key="another-key"
    )
    target.data_dir.mkdir()
    restored = restore_backup(tmp_path / "backups", None, target)
    assert restored.ok, restored.problems
    lines = "\n".join(restored.lines)
    assert "the chain holds" in lines and "the index matches the database" in lines
    assert f"{report.blobs} in the bucket" in lines if on_s3 else f"{report.copied} restored into" in lines
    assert f"fixity: {report.blobs} blobs, {report.blobs} ok" in lines
    assert "valid" in lines and " 0 valid" not in lines  # the demo's signatures, sampled

    second = create_app({"TESTING": True}, settings=target)
    client = ApiClient(second.test_client(), uploader.token)  # the tokens came back with the database
    for _, document_id, sha256 in before:
        with client.get(f"/api/v1/documents/{document_id}/versions/1/content") as response:
            assert response.status_code == 200 and hashlib.sha256(response.data).hexdigest() == sha256
    for _, document_id, sha256 in acknowledged[len(before) :]:  # during the backup: whole, or not there
        with client.get(f"/api/v1/documents/{document_id}/versions/1/content") as response:
            assert response.status_code == 404 or hashlib.sha256(response.data).hexdigest() == sha256
    assert client.get("/api/v1/search?q=резервного копирования").get_json()["total"] >= len(before)
    assert client.get(f"/api/v1/cases/{case.id}").get_json()["id"] == case.id
    with second.app_context():
        db.engine.dispose()


def test_a_flipped_byte_in_a_blob_copy_fails_verify_naming_the_file(app: Flask, world, tmp_path: Path) -> None:
    settings = dataclasses.replace(app.config["CASEFILES"], backup_passphrase=PASSPHRASE)
    app.config["CASEFILES"] = settings
    case = world.open_case()
    for number in range(3):
        world.upload(case["id"], f"Акт № {number}".encode())
    report = take_backup(tmp_path / "backups")
    assert report.ok and report.copied >= 3
    copies = sorted((tmp_path / "backups" / archive.POOL).glob("*/*.age"))
    damaged = copies[1]
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))

    checked = check_backup(tmp_path / "backups", None, settings)
    relative = damaged.relative_to(tmp_path / "backups").as_posix()
    assert not checked.ok and checked.problems == [
        f"{relative}: its SHA-256 differs from the manifest's (the copy is damaged)"
    ]
    # a restore checks the same first, and writes nothing
    target = dataclasses.replace(settings, data_dir=tmp_path / "restored", database_url=f"sqlite:///{tmp_path}/r.db")
    with pytest.raises(BackupError, match=relative):
        restore_backup(tmp_path / "backups", None, target)
    assert not (tmp_path / "r.db").exists() and not (tmp_path / "restored" / "blobs").exists()


def test_restore_refuses_a_target_that_is_not_empty(app: Flask, world, tmp_path: Path) -> None:
    settings = dataclasses.replace(app.config["CASEFILES"], backup_passphrase=PASSPHRASE)
    app.config["CASEFILES"] = settings
    world.upload(world.open_case()["id"])
    take_backup(tmp_path / "backups")
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(tmp_path / "backups", None, settings)  # the live installation itself


def test_a_wrong_passphrase_opens_nothing_and_no_passphrase_writes_nothing(app: Flask, world, tmp_path: Path) -> None:
    from webapp.exceptions import ConfigurationError

    settings = app.config["CASEFILES"]
    with pytest.raises(ConfigurationError, match="не пишется незашифрованной"):
        take_backup(tmp_path / "backups")
    assert not archive.sets(tmp_path / "backups")
    assert db.session.scalars(select(BackupRun)).one().outcome == "failed"
    app.config["CASEFILES"] = dataclasses.replace(settings, backup_passphrase=PASSPHRASE)
    take_backup(tmp_path / "backups")
    with pytest.raises(BackupError, match="не открывает"):
        check_backup(tmp_path / "backups", None, dataclasses.replace(settings, backup_passphrase="не тот"))


def test_retention_keeps_the_newest_of_each_day_and_month() -> None:
    names = [
        "20260101T010000Z",
        "20260115T010000Z",
        "20260201T010000Z",
        "20260301T010000Z",
        "20260301T120000Z",
        "20260302T010000Z",
        "20260303T010000Z",
    ]
    assert archive.kept_sets(names, keep_daily=2, keep_monthly=2) == {
        "20260303T010000Z",  # the newest; the newest of the last two days
        "20260302T010000Z",
        "20260201T010000Z",  # the newest of the last two months (March's is the newest of all)
    }
    assert archive.kept_sets(names, keep_daily=0, keep_monthly=0) == {"20260303T010000Z"}
    assert "20260115T010000Z" in archive.kept_sets(names, keep_daily=0, keep_monthly=3)


def test_to_the_administrators_public_key_readable_by_the_stock_age_tool(app: Flask, world, tmp_path: Path) -> None:
    """CASEFILES_BACKUP_RECIPIENT: the server holds no key that reads the backup; `age -d -i` with the
    administrator's identity (made by the stock `age-keygen`) does, and so does `backup verify` given it."""
    import subprocess
    import tarfile

    from webapp.cli.backup import backup_group

    identity = tmp_path / "admin.key"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    public = subprocess.run(["age-keygen", "-y", str(identity)], check=True, capture_output=True, text=True).stdout
    settings = app.config["CASEFILES"]
    world.upload(world.open_case()["id"], "Акт обследования".encode())
    app.config["CASEFILES"] = dataclasses.replace(settings, backup_recipients=(public.strip(),))
    runner = app.test_cli_runner()
    taken = runner.invoke(backup_group, [str(tmp_path / "backups")])
    assert taken.exit_code == 0, taken.output
    assert "blobs: " in taken.output and " copied (" in taken.output

    refused = runner.invoke(backup_group, ["verify", str(tmp_path / "backups")])
    assert refused.exit_code == 1 and "CASEFILES_BACKUP_IDENTITY" in refused.output

    (name,) = archive.sets(tmp_path / "backups")
    secrets = tmp_path / "backups" / archive.SETS / name / "secrets.tar.age"
    plain = subprocess.run(["age", "-d", "-i", str(identity), str(secrets)], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        assert "ca/ca.pem" in tar.getnames() or not settings.ca_dir.exists()
    manifest = archive.read_manifest(tmp_path / "backups", name)
    blob = next(blob for blob in manifest["blobs"] if blob["kind"] == "version")
    copy = tmp_path / "backups" / blob["copy"]
    content = subprocess.run(["age", "-d", "-i", str(identity), str(copy)], check=True, capture_output=True).stdout
    assert hashlib.sha256(content).hexdigest() == blob["sha256"] and content == "Акт обследования".encode()

    app.config["CASEFILES"] = dataclasses.replace(settings, backup_identity=identity)
    verified = runner.invoke(backup_group, ["verify", str(tmp_path / "backups")])
    assert verified.exit_code == 0 and "\nOK: backup " in verified.output, verified.output


def test_a_blob_missing_from_the_storage_fails_the_backup_and_its_verify(app: Flask, world, tmp_path: Path) -> None:
    """The backup is still written (everything else is in it), names the file, is recorded as failed and keeps
    the older backups; `backup verify` of it says it is incomplete."""
    from webapp.runtime import blob_store

    settings = dataclasses.replace(app.config["CASEFILES"], backup_passphrase=PASSPHRASE)
    app.config["CASEFILES"] = settings
    case = world.open_case()
    world.upload(case["id"], "Акт № 1".encode())
    assert take_backup(tmp_path / "backups").ok
    document = world.upload(case["id"], "Акт № 2".encode())
    key = db.session.scalar(
        select(StoredFile.key)
        .join(DocumentVersion, DocumentVersion.file_id == StoredFile.id)
        .where(DocumentVersion.document_id == document["id"])
    )
    assert key is not None
    blob_store().delete(key)

    report = take_backup(tmp_path / "backups")
    assert report.problems == [f"Файла нет в хранилище: {key} (запустите casefiles fixity)"]
    runs = db.session.scalars(select(BackupRun).order_by(BackupRun.id)).all()
    assert [run.outcome for run in runs] == ["ok", "failed"] and key in runs[-1].message
    assert len(archive.sets(tmp_path / "backups")) == 2  # no retention after a failed run
    checked = check_backup(tmp_path / "backups", None, settings)
    assert not checked.ok and checked.problems == [f"при копировании: {report.problems[0]}"]
