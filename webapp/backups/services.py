"""`casefiles backup`, `backup verify` and `restore`: one consistent, encrypted backup of everything that cannot be
rebuilt — the database, the signing CA folder with the seal and the key secret, the session key, and the local
blobs — and its way back, checked.

Blobs are written before the rows that name them, so a backup copies the database first (webapp.backups.database)
and then every blob that copy names: a file uploaded meanwhile is in neither, never in one only. The search index
is derived and rebuilt by a restore; S3 buckets are left to their own replication and versioning (the manifest
lists what the database expects there, and a restore checks it is all there)."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import io
import os
import random
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyrage
from flask import current_app
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from storage import BlobNotFound, LocalBlobStore, StorageError
from webapp.audit.models import AuditEvent
from webapp.backups import archive, database
from webapp.backups.keys import BackupError, Keys, keys_for_reading, keys_for_writing
from webapp.backups.models import BackupRun
from webapp.blobs.models import StoredFile
from webapp.cases.models import Case
from webapp.config import SWITCH_FILE, Settings
from webapp.dbtypes import utcnow
from webapp.documents.models import Document, DocumentVersion
from webapp.exceptions import DomainError
from webapp.extensions import db
from webapp.filemodes import atomic_file, write_atomically
from webapp.runtime import blob_store
from webapp.signing.models import Signature

Progress = Callable[[str, int, int], None]  # (stage, done, total)
SECRETS = "secrets.tar.age"
SECRET_FILES = ("secret_key", SWITCH_FILE)  # beside the CA folder's files, from the data folder
SIGNATURE_SAMPLE = 20


@dataclass
class BackupReport:
    root: Path
    set_name: str = ""
    blobs: int = 0  # stored files the database copy expects
    copied: int = 0  # copied now
    reused: int = 0  # already in the folder from an earlier backup
    bytes_copied: int = 0
    in_bucket: int = 0  # left to the S3 bucket
    gone: int = 0  # deleted on purpose after the database was copied (an export expired): marked so by a restore
    problems: list[str] = field(default_factory=list)  # stored files the storage lacks or holds changed
    pruned_sets: list[str] = field(default_factory=list)
    pruned_copies: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class CheckReport:
    set_name: str
    files: int = 0  # files whose SHA-256 was compared with the manifest
    problems: list[str] = field(default_factory=list)
    database: str = ""  # what reading the database copy showed

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class RestoreReport:
    set_name: str
    lines: list[str] = field(default_factory=list)  # what was restored and checked, in order
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# ---- backup


def take_backup(root: Path, progress: Progress | None = None) -> BackupReport:
    """Write one backup into `root`, apply retention when it is whole, and record the run (BackupRun)."""
    settings: Settings = current_app.config["CASEFILES"]
    started = utcnow()
    report = BackupReport(root)
    try:
        with archive.locked(root):
            keys = keys_for_writing(root, settings)
            _take(report, settings, keys, started, progress)
            if report.ok:
                report.pruned_sets, report.pruned_copies = archive.prune(
                    root, settings.backup_keep_daily, settings.backup_keep_monthly
                )
    except (DomainError, StorageError, OSError) as exc:
        _record(report, started, str(getattr(exc, "message", exc)))
        raise
    _record(report, started, report.problems[0] if report.problems else "")
    return report


def _take(
    report: BackupReport, settings: Settings, keys: Keys, started: dt.datetime, progress: Progress | None
) -> None:
    report.set_name = name = _free_name(report.root, started)
    partial = report.root / archive.SETS / (archive.PARTIAL + name)
    partial.mkdir(parents=True)
    manifest: dict[str, Any] = {
        "format": 1,
        "set": name,
        "started_at": started.isoformat(),
        "casefiles": importlib.metadata.version("casefiles"),
        "storage": {"kind": settings.storage, "bucket": settings.s3_bucket},
        "files": {},
    }
    with tempfile.TemporaryDirectory(prefix="casefiles-backup-") as work:
        with database.snapshot(db.engine, Path(work)) as (snapshot, session):
            files = _expected_files(session)
            manifest.update(_facts_of(session))
        dump_name = database.DUMP_FILES[snapshot.kind] + ".age"
        manifest["database"] = {"kind": snapshot.kind, "file": dump_name, **snapshot.details}
        manifest["files"][dump_name] = _encrypt_file(snapshot.path, partial / dump_name, keys)
    manifest["files"][SECRETS] = _encrypt_bytes(_secrets_tar(settings), partial / SECRETS, keys)
    manifest["blobs"] = _copy_blobs(report, files, settings, keys, progress)
    manifest["problems"] = report.problems
    manifest["finished_at"] = utcnow().isoformat()
    archive.write_json(partial / archive.MANIFEST, manifest)
    os.replace(partial, report.root / archive.SETS / name)


def _free_name(root: Path, started: dt.datetime) -> str:
    name = base = archive.set_name(started)
    for suffix in range(2, 100):
        if not (root / archive.SETS / name).exists():
            return name
        name = f"{base}-{suffix}"
    raise BackupError("Слишком много копий за одну секунду")


def _expected_files(session: Session) -> list[StoredFile]:
    files = list(session.scalars(select(StoredFile).where(StoredFile.deleted_at.is_(None)).order_by(StoredFile.id)))
    session.expunge_all()
    return files


def _facts_of(session: Session) -> dict[str, Any]:
    """The schema revision and counts a restore is compared with."""
    last = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    counted = {"cases": Case, "documents": Document, "versions": DocumentVersion, "signatures": Signature}
    counts = {label: session.scalar(select(func.count()).select_from(model)) for label, model in counted.items()}
    return {
        "schema_revision": session.scalar(text("SELECT version_num FROM alembic_version")),
        "counts": counts,
        "audit": {"events": last.seq if last else 0, "last_hash": last.hash if last else None},
    }


def _secrets_tar(settings: Settings) -> bytes:
    """The CA folder (its key, ca.pem, the key-encryption secret, the seal, the TSA key) and the data folder's
    session key and storage switch: what cannot be made again."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        if settings.ca_dir.is_dir():
            for path in sorted(settings.ca_dir.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    tar.add(path, arcname=f"ca/{path.name}")
        for name in SECRET_FILES:
            if (settings.data_dir / name).is_file():
                tar.add(settings.data_dir / name, arcname=name)
    return buffer.getvalue()


def _copy_blobs(
    report: BackupReport, files: list[StoredFile], settings: Settings, keys: Keys, progress: Progress | None
) -> list[dict[str, Any]]:
    known = archive.known_copies(report.root)
    store = blob_store()
    entries = []
    for done, file in enumerate(files, start=1):
        entry: dict[str, Any] = {"id": file.id, "key": file.key, "kind": file.kind, "sha256": file.sha256}
        entry["size"] = file.size
        if settings.storage == "s3":
            entry["in_bucket"] = True
            report.in_bucket += 1
        elif file.sha256 in known and (report.root / archive.pool_path(file.sha256)).exists():
            entry.update(copy=archive.pool_path(file.sha256), copy_sha256=known[file.sha256])
            report.reused += 1
        else:
            _copy_one(report, store, file, entry, keys)
            if "copy_sha256" in entry:
                known[entry["sha256"]] = entry["copy_sha256"]
        entries.append(entry)
        report.blobs += 1
        if progress is not None:
            progress("blobs", done, len(files))
    return entries


def _copy_one(report: BackupReport, store: Any, file: StoredFile, entry: dict[str, Any], keys: Keys) -> None:
    """Copy one blob, encrypted, into the folder's pool: by the key the database copy names, else by its key
    now (relocated since), and note one deleted on purpose since; a blob the storage lacks or holds changed is a
    problem of the backup."""
    live = db.session.execute(select(StoredFile.key, StoredFile.deleted_at).where(StoredFile.id == file.id)).first()
    for key in dict.fromkeys([file.key] + ([live.key] if live else [])):
        try:
            source = store.open(key)
        except BlobNotFound:
            continue
        with source:
            copied = _encrypt_stream(source, report.root, keys)
        if file.sha256 is not None and copied.plain_sha256 != file.sha256:
            copied.discard()
            report.problems.append(f"Файл изменён в хранилище: {key} (запустите casefiles fixity)")
            entry["problem"] = "changed"
            return
        entry.update(copy=copied.keep(), copy_sha256=copied.sha256)
        entry["sha256"] = copied.plain_sha256
        report.copied += 1
        report.bytes_copied += copied.size
        return
    if live is not None and live.deleted_at is not None:
        entry["gone"] = True
        report.gone += 1
    else:
        report.problems.append(f"Файла нет в хранилище: {file.key} (запустите casefiles fixity)")
        entry["problem"] = "missing"


class _Hashing(io.RawIOBase):
    """A stream that hashes what is read through it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.stream.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.digest.update(chunk)
        self.size += len(chunk)
        return len(chunk)


@dataclass
class _Copy:
    root: Path
    tmp: Path
    plain_sha256: str
    sha256: str
    size: int

    def keep(self) -> str:
        relative = archive.pool_path(self.plain_sha256)
        final = self.root / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.tmp, final)
        return relative

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)


def _encrypt_stream(source: BinaryIO, root: Path, keys: Keys) -> _Copy:
    pool = root / archive.POOL
    pool.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=pool, prefix=".tmp-")
    reader = _Hashing(source)
    with os.fdopen(fd, "wb") as out:
        pyrage.encrypt_io(io.BufferedReader(reader, archive.CHUNK), out, keys.recipients)
        out.flush()
        os.fsync(out.fileno())
    tmp = Path(name)
    return _Copy(root, tmp, reader.digest.hexdigest(), archive.file_sha256(tmp), reader.size)


def _encrypt_file(plain: Path, target: Path, keys: Keys) -> dict[str, Any]:
    with plain.open("rb") as source, atomic_file(target) as out:
        reader = _Hashing(source)
        pyrage.encrypt_io(io.BufferedReader(reader, archive.CHUNK), out, keys.recipients)
    return {
        "sha256": archive.file_sha256(target),
        "size": target.stat().st_size,
        "plain_sha256": reader.digest.hexdigest(),
    }


def _encrypt_bytes(data: bytes, target: Path, keys: Keys) -> dict[str, Any]:
    write_atomically(target, pyrage.encrypt(data, keys.recipients))
    return _file_entry(target, hashlib.sha256(data).hexdigest())


def _file_entry(target: Path, plain_sha256: str) -> dict[str, Any]:
    return {"sha256": archive.file_sha256(target), "size": target.stat().st_size, "plain_sha256": plain_sha256}


def _record(report: BackupReport, started: dt.datetime, message: str) -> None:
    db.session.rollback()
    db.session.add(
        BackupRun(
            started_at=started,
            finished_at=utcnow(),
            outcome="ok" if not message else "failed",
            destination=str(report.root),
            set_name=report.set_name or None,
            blobs=report.blobs,
            blobs_copied=report.copied,
            bytes_copied=report.bytes_copied,
            message=message[:1000],
        )
    )
    db.session.commit()


# ---- checking a backup


def check_backup(root: Path, name: str | None, settings: Settings, progress: Progress | None = None) -> CheckReport:
    """`casefiles backup verify`: every file of the set against the manifest's SHA-256, then the database copy
    opened as its tool would (which needs the passphrase or identity). Nothing is restored."""
    manifest = archive.read_manifest(root, archive.chosen_set(root, name))
    report = _check_files(root, manifest, progress)
    # what the backup itself found missing or changed in the storage: such a backup restores incomplete
    report.problems.extend(f"при копировании: {problem}" for problem in manifest.get("problems", []))
    if report.ok:
        keys = keys_for_reading(root, settings)
        with tempfile.TemporaryDirectory(prefix="casefiles-verify-") as work:
            dump = _decrypt_dump(root, manifest, keys, Path(work))
            found = database.check_readable(manifest["database"]["kind"], dump, _major(manifest))
        names = _secret_names(root, manifest, keys)
        if "ca/ca.pem" not in names:
            report.problems.append(f"{archive.SETS}/{report.set_name}/{SECRETS}: holds no ca/ca.pem")
        report.database = f"{manifest['database']['kind']} copy readable ({found} entries)"
    return report


def _check_files(root: Path, manifest: dict[str, Any], progress: Progress | None) -> CheckReport:
    name = manifest["set"]
    report = CheckReport(name)
    expected = {f"{archive.SETS}/{name}/{file}": meta["sha256"] for file, meta in manifest["files"].items()}
    expected.update({blob["copy"]: blob["copy_sha256"] for blob in manifest["blobs"] if "copy" in blob})
    for done, (relative, sha256) in enumerate(sorted(expected.items()), start=1):
        path = root / relative
        if not path.is_file():
            report.problems.append(f"{relative}: missing")
        elif archive.file_sha256(path) != sha256:
            report.problems.append(f"{relative}: its SHA-256 differs from the manifest's (the copy is damaged)")
        report.files += 1
        if progress is not None:
            progress("files", done, len(expected))
    return report


def _major(manifest: dict[str, Any]) -> int | None:
    major = manifest["database"].get("server_major")
    return int(major) if major else None


def _decrypt_dump(root: Path, manifest: dict[str, Any], keys: Keys, work: Path) -> Path:
    source = root / archive.SETS / manifest["set"] / manifest["database"]["file"]
    target = work / database.DUMP_FILES[manifest["database"]["kind"]]
    _decrypt_to(source, target, keys)
    return target


def _decrypt_to(source: Path, target: Path, keys: Keys) -> None:
    try:
        pyrage.decrypt_file(str(source), str(target), keys.identities)
    except pyrage.DecryptError:
        raise BackupError(f"{source.name}: cannot be decrypted with the keys given") from None


def _secrets(root: Path, manifest: dict[str, Any], keys: Keys) -> tarfile.TarFile:
    data = (root / archive.SETS / manifest["set"] / SECRETS).read_bytes()
    try:
        return tarfile.open(fileobj=io.BytesIO(pyrage.decrypt(data, keys.identities)), mode="r")
    except (pyrage.DecryptError, tarfile.TarError):
        raise BackupError(f"{SECRETS}: cannot be decrypted with the keys given") from None


def _secret_names(root: Path, manifest: dict[str, Any], keys: Keys) -> list[str]:
    with _secrets(root, manifest, keys) as tar:
        return tar.getnames()


# ---- restore


def restore_backup(root: Path, name: str | None, settings: Settings, progress: Progress | None = None) -> RestoreReport:
    """Put a backup back into an empty data folder and database, then check what came back: fixity of every
    blob, the audit chain, a sample of signatures, the search index rebuilt. Run without an application: one is
    made from `settings` once the database, the CA folder and the blobs are in place."""
    name = archive.chosen_set(root, name)
    manifest = archive.read_manifest(root, name)
    _require_empty_target(settings, manifest)
    checked = _check_files(root, manifest, progress)
    if not checked.ok:
        raise BackupError(checked.problems[0])
    keys = keys_for_reading(root, settings)
    report = RestoreReport(name)
    kind = manifest["database"]["kind"]
    with tempfile.TemporaryDirectory(prefix="casefiles-restore-") as work:
        dump = _decrypt_dump(root, manifest, keys, Path(work))
        database.restore_into(kind, dump, settings.database_url, _major(manifest))
    report.lines.append(f"database: {kind}, schema {manifest['schema_revision']}, {_counts(manifest)}")
    report.lines.append(f"secrets: {_restore_secrets(root, manifest, keys, settings)}")
    report.lines.append(f"blobs: {_restore_blobs(root, manifest, keys, settings, progress)}")
    _check_restored(report, manifest, settings, progress)
    return report


def _counts(manifest: dict[str, Any]) -> str:
    return ", ".join(f"{count} {label}" for label, count in manifest["counts"].items())


def _require_empty_target(settings: Settings, manifest: dict[str, Any]) -> None:
    """A restore never writes over anything: the database, the blob folder and the CA folder must be empty."""
    if not database.is_empty(settings.database_url):
        raise BackupError("the database CASEFILES_DATABASE_URL names is not empty: restore into an empty one")
    for folder, what in ((settings.blob_dir, "blob folder"), (settings.ca_dir, "CA folder")):
        if folder.is_dir() and any(p for p in folder.iterdir() if not p.name.startswith(".")):
            raise BackupError(f"the {what} {folder} is not empty: restore into an empty data folder")
    stored = manifest["storage"]
    if stored["kind"] != settings.storage:
        raise BackupError(
            f"the backup's blobs were in {stored['kind']} storage, CASEFILES_STORAGE is {settings.storage}"
        )
    if stored["kind"] == "s3" and stored["bucket"] != settings.s3_bucket:
        raise BackupError(f"the backup's blobs are in the bucket {stored['bucket']}, not {settings.s3_bucket}")


def _restore_secrets(root: Path, manifest: dict[str, Any], keys: Keys, settings: Settings) -> str:
    restored = []
    with _secrets(root, manifest, keys) as tar:
        for member in tar.getmembers():
            folder, _, file = member.name.rpartition("/")
            if not member.isfile() or "/" in folder or ".." in member.name or folder not in ("", "ca"):
                raise BackupError(f"{SECRETS}: an unexpected entry {member.name!r}")
            target = (settings.ca_dir if folder == "ca" else settings.data_dir) / file
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            data = tar.extractfile(member)
            assert data is not None
            # The CA folder is empty (checked); the data folder's session key is the one loading the settings
            # just made for it, replaced by the backed-up one.
            with atomic_file(target) as out:
                out.write(data.read())
            restored.append(member.name)
    return f"{len(restored)} files (the CA folder {settings.ca_dir}, the session key)"


def _restore_blobs(
    root: Path, manifest: dict[str, Any], keys: Keys, settings: Settings, progress: Progress | None
) -> str:
    if manifest["storage"]["kind"] == "s3":
        return f"{len(manifest['blobs'])} in the bucket {settings.s3_bucket} (checked below)"
    store = LocalBlobStore(settings.blob_dir)
    copies = [blob for blob in manifest["blobs"] if "copy" in blob]
    with tempfile.TemporaryDirectory(prefix="casefiles-restore-") as work:
        plain = Path(work) / "blob"
        for done, blob in enumerate(copies, start=1):
            _decrypt_to(root / blob["copy"], plain, keys)
            with plain.open("rb") as stream:
                written = store.put(blob["key"], stream)
            if written.sha256 != blob["sha256"]:
                raise BackupError(f"{blob['copy']}: decrypts to other bytes than were backed up")
            if progress is not None:
                progress("blobs", done, len(copies))
    gone = sum(1 for blob in manifest["blobs"] if blob.get("gone"))
    return f"{len(copies)} restored into {settings.blob_dir}" + (f", {gone} deleted on purpose since" if gone else "")


def _check_restored(
    report: RestoreReport, manifest: dict[str, Any], settings: Settings, progress: Progress | None
) -> None:
    from webapp import create_app
    from webapp.audit.chain import verify_chain
    from webapp.blobs.services import run_fixity
    from webapp.schema import current_revision, upgrade_to_head
    from webapp.search.services import check_index, reindex_all
    from webapp.signing.services import checked_signatures

    app = create_app(settings=settings)
    with app.app_context():
        upgrade_to_head(db.engine)
        if (revision := current_revision(db.engine)) != manifest["schema_revision"]:
            report.lines.append(f"schema: upgraded {manifest['schema_revision']} -> {revision}")
        gone = [blob["id"] for blob in manifest["blobs"] if blob.get("gone")]
        if gone:  # deleted on purpose while the backup ran (the live database says so): as they are there
            db.session.execute(update(StoredFile).where(StoredFile.id.in_(gone)).values(deleted_at=utcnow()))
            db.session.commit()
        fixity = run_fixity(progress=(lambda done, total: progress("fixity", done, total)) if progress else None)
        report.lines.append(f"fixity: {fixity.checked} blobs, {fixity.ok} ok")
        for label, keys in (("changed", fixity.mismatch), ("missing", fixity.missing), ("unreadable", fixity.failed)):
            report.problems.extend(f"fixity: {label}: {key}" for key in keys)
        chain = verify_chain()
        if chain.ok and chain.checked != manifest["audit"]["events"]:
            report.problems.append(f"audit: {chain.checked} events, the backup had {manifest['audit']['events']}")
        elif chain.ok:
            report.lines.append(f"audit: {chain.checked} events, the chain holds")
        else:
            report.problems.append(f"audit: the chain breaks at event {chain.broken_at}: {chain.reason}")
        report.lines.append(f"signatures: {_check_signatures(report, checked_signatures)}")
        indexed = reindex_all()
        drift = check_index()
        if drift.clean:
            report.lines.append(f"search: {indexed} documents indexed, the index matches the database")
        else:
            report.problems.append(f"search: {len(drift.missing)} missing, {len(drift.stale)} stale after reindex")
        db.session.remove()
        db.engine.dispose()  # the application was made for these checks only


# A signature the restore damaged (its CMS or content unreadable or changed, its certificate no longer ours),
# rather than one that was already revoked or expired when the backup was taken.
_RESTORE_DAMAGE = {"signature_unavailable", "bad_signature", "content_unavailable", "content_changed", "chain_broken"}


def _check_signatures(report: RestoreReport, checked_signatures: Callable[..., Any]) -> str:
    ids = list(
        db.session.scalars(
            select(DocumentVersion.id)
            .join(Signature, Signature.version_id == DocumentVersion.id)
            .join(StoredFile, StoredFile.id == DocumentVersion.file_id)
            .where(StoredFile.deleted_at.is_(None))
            .distinct()
        )
    )
    sample = random.SystemRandom().sample(ids, min(SIGNATURE_SAMPLE, len(ids)))
    checked = valid = 0
    for version_id in sample:
        for signature, verdict in checked_signatures(db.session.get(DocumentVersion, version_id)):
            checked += 1
            valid += verdict.valid
            if verdict.code in _RESTORE_DAMAGE:
                report.problems.append(f"signatures: signature {signature.id}: {verdict.code}")
    return f"{checked} of the signatures of {len(sample)} versions (of {len(ids)} signed) checked, {valid} valid"
