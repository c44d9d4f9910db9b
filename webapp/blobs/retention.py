"""Retention in the storage itself: with S3 Object Lock, the objects of a closed case cannot be deleted or
overwritten before its retention date, and a legal hold on the case holds its objects too.

The database decides (closing, holds, the expert commission's extensions); a background job, queued in the
same transaction, carries the decision to the storage, so a storage that is slow or down never blocks the
archivist. `casefiles storage retention` applies it again to every closed case (re-extending permanent ones).
Locks are only ever extended: a server refuses to shorten them, and so do we."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage import BlobStore, StorageError
from storage.base import LegalHolds, RetentionLocks
from webapp.blobs.models import StoredFile
from webapp.blobs.relocation import files_of_versions
from webapp.cases.events import CaseFact
from webapp.cases.models import Case
from webapp.documents.models import Document, DocumentVersion
from webapp.exceptions import Conflict
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.services import JobFailed, create_job, runner, set_progress
from webapp.runtime import blob_store

JOB_KIND = "storage_retention"
# Permanent files have no end of retention: they are locked this far ahead and re-extended by
# `casefiles storage retention` (servers cap a lock at their own maximum; a refusal is reported).
PERMANENT_LOCK_YEARS = 100


def request_retention(changed: CaseFact) -> None:
    """Subscriber: queue carrying the case's retention and hold to its objects, when the storage can lock them."""
    if isinstance(blob_store(), RetentionLocks):
        create_job(JOB_KIND, {"case_id": changed.case_id}, created_by_id=changed.actor_id)


def lock_date(case: Case, today: dt.date) -> dt.date | None:
    """Until when the case's objects are locked; None when the case is open again (locks made stay)."""
    if case.status not in ("closed", "transferred"):
        return None
    if case.retention_until is None:  # permanent
        return today.replace(year=today.year + PERMANENT_LOCK_YEARS)
    return case.retention_until


def case_keys(case_id: int) -> list[str]:
    """The keys of the case's stored files: its versions, their PDF copies and signatures."""
    versions = select(DocumentVersion.id).join(Document).where(Document.case_id == case_id)
    query = select(StoredFile.key).where(StoredFile.id.in_(files_of_versions(versions))).order_by(StoredFile.id)
    return list(db.session.scalars(query))


def apply_retention(case: Case, store: RetentionLocks, *, today: dt.date | None = None) -> int:
    """Lock (extend) and, where the store has legal holds, hold or release every object of the case; the number
    of objects."""
    until = lock_date(case, today or dt.date.today())
    keys = case_keys(case.id)
    for key in keys:
        current = store.retained_until(key)
        if until is not None and (current is None or current.date() < until):
            store.retain(key, until)
        if isinstance(store, LegalHolds):
            store.set_legal_hold(key, case.is_on_hold)
    return len(keys)


def apply_all_retention() -> tuple[int, int]:
    """`casefiles storage retention`: apply retention and holds again to every closed (or transferred) case,
    re-extending permanent ones; the numbers of objects and of cases."""
    store = blob_store()
    if not isinstance(store, RetentionLocks) or not store.object_lock_enabled():
        raise Conflict("retention locks need CASEFILES_STORAGE=s3 and a bucket with Object Lock")
    cases = db.session.scalars(select(Case).where(Case.status.in_(("closed", "transferred")))).all()
    return sum(apply_retention(case, store) for case in cases), len(cases)


def lock_in_force(store: BlobStore, key: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """The date an object's retention lock runs until, if it has not passed (why a deletion was refused)."""
    if not isinstance(store, RetentionLocks):
        return None
    try:
        until = store.retained_until(key)
    except StorageError:  # not known: the caller says the storage failed, without a date
        return None
    return until if until is not None and until > (now or dt.datetime.now(dt.UTC)) else None


@runner(JOB_KIND)
def apply_case_retention(job: Job) -> None:
    case = db.session.get(Case, job.params["case_id"])
    store = blob_store()
    if case is None or case.status == "destroyed" or not isinstance(store, RetentionLocks):
        job.result = {"objects": 0}
        return
    try:
        if not store.object_lock_enabled():
            job.result = {"objects": 0, "object_lock": False}
            return
        job.result = {"objects": apply_retention(case, store), "object_lock": True}
    except StorageError:
        raise JobFailed("Хранилище недоступно или отказало в блокировке: повторите задачу") from None
    set_progress(job, 1.0)
