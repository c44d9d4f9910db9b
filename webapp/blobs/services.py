"""The stored blobs as a whole: which ones the database refers to, fixity checks, collecting strays, moving
every blob to another store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from storage import BlobNotFound, BlobStore, StorageError
from storage.base import BucketStorage
from webapp.auth.models import User
from webapp.blobs.events import IntegrityFailed
from webapp.blobs.integrity import BlobRef, file_ref, record_check
from webapp.blobs.models import BlobRelocation, StoredFile
from webapp.config import Settings, record_switch
from webapp.events import publish
from webapp.exceptions import Conflict, ValidationError
from webapp.extensions import db
from webapp.policy import Action, require
from webapp.runtime import blob_store
from webapp.storage_setup import build_blob_store
from webapp.uow import commit

GC_GRACE = dt.timedelta(hours=24)  # far longer than any upload can take between its blob and its row
# A write in progress touches its temporary file many times a second (uploads are spooled before they are stored,
# so a slow client never stalls one): a file untouched this long was left by a process that died mid-write.
UNFINISHED_GRACE = dt.timedelta(hours=1)


def stored_files(*, deleted: bool = False) -> Select[StoredFile]:
    """The stored files expected to exist; `deleted` adds those whose bytes were deleted on purpose (a destroyed
    case's versions and PDF copies, expired exports: their signatures stay, holding only a digest)."""
    query = select(StoredFile).order_by(StoredFile.id)
    return query if deleted else query.where(StoredFile.deleted_at.is_(None))


def referenced_blobs() -> Iterator[BlobRef]:
    """Every blob the database refers to and expects to exist."""
    for file in db.session.scalars(stored_files()):
        yield file_ref(file)


def referenced_keys() -> set[str]:
    """Every key recorded, deleted files' included, and the keys files are being relocated to (what gc must
    never touch)."""
    relocating = select(BlobRelocation.new_key)
    return set(db.session.scalars(select(StoredFile.key))) | set(db.session.scalars(relocating))


# -- fixity -------------------------------------------------------------------------------------------------


@dataclass
class FixitySummary:
    checked: int = 0
    ok: int = 0
    mismatch: list[str] = dataclasses.field(default_factory=list)  # keys: never personal data
    missing: list[str] = dataclasses.field(default_factory=list)
    failed: list[str] = dataclasses.field(default_factory=list)  # the storage could not be read

    @property
    def clean(self) -> bool:
        return not (self.mismatch or self.missing or self.failed)


def run_fixity(
    *,
    sample: int | None = None,
    unchecked_days: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    now: dt.datetime | None = None,
) -> FixitySummary:
    """Read back every referenced blob (or a random `sample` of them, or those not checked for
    `unchecked_days`), hash it, compare with the database and record the outcome per blob."""
    now = now or dt.datetime.now(dt.UTC)
    query = stored_files()
    if unchecked_days is not None:
        since = now - dt.timedelta(days=unchecked_days)
        query = query.where(or_(StoredFile.last_checked_at.is_(None), StoredFile.last_checked_at < since))
    refs = [file_ref(file) for file in db.session.scalars(query)]
    if sample is not None and sample < len(refs):
        refs = random.SystemRandom().sample(refs, sample)
    store = blob_store()
    summary = FixitySummary()
    for done, ref in enumerate(refs, start=1):
        outcome, found = _check(store, ref)
        summary.checked += 1
        if outcome == "error":
            summary.failed.append(ref.key)
        else:
            record_check(db.session, ref, outcome, found, now)
            if outcome == "ok":
                summary.ok += 1
            else:
                (summary.mismatch if outcome == "mismatch" else summary.missing).append(ref.key)
        if done % 100 == 0:
            commit()
        if progress is not None:
            progress(done, len(refs))
    if summary.mismatch or summary.missing:
        publish(IntegrityFailed(len(summary.mismatch) + len(summary.missing)))
    commit()
    return summary


def _check(store: BlobStore, ref: BlobRef) -> tuple[str, str | None]:
    try:
        found = store.sha256_of(ref.key)
    except BlobNotFound:
        return "missing", None
    except StorageError:
        return "error", None
    return ("ok" if ref.sha256 in (None, found) else "mismatch"), found


def require_admin(actor: User) -> None:
    require(actor, Action.SEE_STORAGE)


def fixity_overview() -> tuple[dict[str, int], list[StoredFile], dt.datetime | None]:
    """(count per outcome, the failing files, the latest check) for the admin page."""
    checked = StoredFile.outcome.is_not(None)
    rows = db.session.execute(select(StoredFile.outcome, func.count()).where(checked).group_by(StoredFile.outcome))
    counts = {str(outcome): int(count) for outcome, count in rows}
    failing = list(
        db.session.scalars(
            select(StoredFile)
            .where(checked, StoredFile.outcome != "ok")
            .order_by(StoredFile.last_checked_at.desc())
            .limit(200)
        )
    )
    latest = db.session.scalar(select(func.max(StoredFile.last_checked_at)))
    return counts, failing, latest


# -- collecting strays --------------------------------------------------------------------------------------


@dataclass
class GcSummary:
    scanned: int = 0
    removed: list[str] = dataclasses.field(default_factory=list)
    too_young: int = 0  # unreferenced but within the grace period: maybe an upload in progress
    unfinished: int = 0  # temporary files of writes that never finished, older than UNFINISHED_GRACE


def collect_garbage(
    *, grace: dt.timedelta = GC_GRACE, dry_run: bool = False, now: dt.datetime | None = None
) -> GcSummary:
    """Remove the blobs no row refers to that are older than `grace`, and the temporary files of writes that
    never finished (a killed upload's bytes) older than UNFINISHED_GRACE.

    The store is listed first and the references read after: a blob whose row commits in between is then
    seen as referenced. A blob younger than `grace` is left alone, whatever the database says, so an upload
    whose row is not committed yet is never touched."""
    now = now or dt.datetime.now(dt.UTC)
    store = blob_store()
    unfinished = store.sweep_unfinished(UNFINISHED_GRACE, dry_run=dry_run)
    candidates = list(store.iter_blobs())
    referenced = referenced_keys()
    summary = GcSummary(scanned=len(candidates), unfinished=unfinished)
    for blob in candidates:
        if blob.key in referenced:
            continue
        if now - blob.modified < grace:
            summary.too_young += 1
            continue
        if not dry_run:
            store.delete(blob.key)
        summary.removed.append(blob.key)
    return summary


# -- moving to another store --------------------------------------------------------------------------------


@dataclass
class MigrationSummary:
    total: int = 0
    copied: int = 0
    already_there: int = 0  # copied by an earlier, interrupted run and verified again
    failed: list[str] = dataclasses.field(default_factory=list)  # keys: never personal data

    @property
    def clean(self) -> bool:
        return not self.failed


def migrate_blobs(
    source: BlobStore, target: BlobStore, *, progress: Callable[[int, int], None] | None = None
) -> MigrationSummary:
    """Copy every blob of `source` to `target` and read each copy back to check its SHA-256 against the
    original (and the database's, where a row recorded one). Safe to run again after an interruption: a copy
    already in the target is verified, not written twice; a different object under the same key is a failure,
    never overwritten."""
    refs = {ref.key: ref for ref in referenced_blobs()}
    keys = list(source.iter_keys())
    summary = MigrationSummary(total=len(keys))
    for done, key in enumerate(keys, start=1):
        ref = refs.get(key)
        try:
            original = source.sha256_of(key)
            if ref is not None and ref.sha256 not in (None, original):
                summary.failed.append(key)  # the source itself differs from the database: `casefiles fixity`
            elif target.exists(key):
                if target.sha256_of(key) == original:
                    summary.already_there += 1
                else:
                    summary.failed.append(key)
            else:
                with source.open(key) as stream:
                    media_type = ref.media_type if ref else "application/octet-stream"
                    stored = target.put(key, stream, media_type=media_type)
                if stored.sha256 == original and target.sha256_of(key) == original:
                    summary.copied += 1
                else:
                    summary.failed.append(key)
        except StorageError:
            summary.failed.append(key)
        if progress is not None:
            progress(done, len(keys))
    return summary


def fixity_failures() -> int:
    """How many stored files failed their latest fixity check."""
    failures = select(func.count()).select_from(StoredFile).where(StoredFile.outcome != "ok")
    return db.session.scalar(failures) or 0


def migrate_to_s3(settings: Settings, progress: Callable[[int, int], None] | None = None) -> MigrationSummary:
    """Copy every blob of the local store to the bucket set by CASEFILES_S3_* (created when missing) and verify
    each copy (`migrate_blobs`); on a clean run, switch this data folder to S3. A run with failures switches
    nothing: the caller lists them."""
    source = blob_store()
    if isinstance(source, BucketStorage):
        raise Conflict("the storage is S3 already")
    if not settings.s3_bucket:
        raise ValidationError("set CASEFILES_S3_BUCKET (and the endpoint, region and credentials) first")
    destination = build_blob_store(dataclasses.replace(settings, storage="s3"))
    assert isinstance(destination, BucketStorage)
    destination.ensure_bucket()
    summary = migrate_blobs(source, destination, progress=progress)
    if summary.clean:
        record_switch(settings.data_dir, "s3")
    return summary
