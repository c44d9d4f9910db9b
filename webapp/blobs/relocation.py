"""Stored files follow their case: keys carry the case's year, nomenclature entry and sequence, so a document
moved to another case, or a case whose entry was corrected, has its files relocated to the keys they would have
had there. Copy, verify, switch, then delete:

1. In the transaction that moved the document (or renumbered the case), `relocate_files` writes one
   BlobRelocation row per file with its new key, and a relocation job. The rows say where the files are going;
   the StoredFile rows still name where they are, so everything reads as before.
2. The job (or, after a crash, the ten-minute housekeeping) copies each file's bytes to the new key and reads
   them back: the SHA-256 must be the one recorded when the file was written.
3. Then one short transaction switches the file's key and drops its relocation row, on condition that neither
   changed meanwhile; only after it commits are the old bytes deleted.

A process killed at any step leaves each file readable under the key its row names; the next run copies again
(a copy already there is verified, not trusted) and finishes. Old bytes left by a kill between the switch and the
delete are referenced by no row and go with `casefiles storage gc`; so do copies whose relocation was dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import CompoundSelect, Select, delete, select, union_all, update

from storage import BlobNotFound, StorageError, rehome_key
from webapp.blobs.models import BlobRelocation, StoredFile
from webapp.documents.models import Document, DocumentVersion
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.services import JobFailed, create_job, runner, set_progress
from webapp.previews.models import PagePreview, PreviewPage
from webapp.renditions.models import Rendition
from webapp.runtime import blob_store
from webapp.signing.models import ExternalSignature, Signature

log = logging.getLogger(__name__)

JOB_KIND = "blob_relocation"


def files_of_versions(versions: Select[int]) -> CompoundSelect[int]:
    """The ids of the stored files of these versions: their bytes, their PDF copies, their signatures (those from
    outside too) and their page images."""
    previews = select(PagePreview.id).where(PagePreview.version_id.in_(versions))
    return union_all(
        select(DocumentVersion.file_id).where(DocumentVersion.id.in_(versions)),
        select(Rendition.file_id).where(Rendition.version_id.in_(versions)),
        select(Signature.file_id).where(Signature.version_id.in_(versions)),
        select(ExternalSignature.file_id).where(ExternalSignature.version_id.in_(versions)),  # None: attached
        select(PreviewPage.thumbnail_file_id).where(PreviewPage.preview_id.in_(previews)),
        select(PreviewPage.image_file_id).where(PreviewPage.preview_id.in_(previews)),
    )


def files_of_documents(document_ids: Select[int]) -> list[StoredFile]:
    versions = select(DocumentVersion.id).where(DocumentVersion.document_id.in_(document_ids))
    query = select(StoredFile).where(StoredFile.id.in_(files_of_versions(versions)), StoredFile.deleted_at.is_(None))
    return list(db.session.scalars(query.order_by(StoredFile.id)))


def relocate_documents(document_ids: Select[int], year: int, index: str, sequence: int) -> int:
    """In the caller's transaction: the files of these documents are to live under the case (year, entry index,
    sequence); returns how many must move. A file already on its way elsewhere is redirected; one that is back
    where it is stays put."""
    files = files_of_documents(document_ids)
    on_the_way = select(BlobRelocation).where(BlobRelocation.file_id.in_([stored.id for stored in files]))
    pending = {relocation.file_id: relocation for relocation in db.session.scalars(on_the_way)}
    moving = 0
    for stored in files:
        new_key = rehome_key(stored.key, year, index, sequence)
        relocation = pending.get(stored.id)
        if new_key == stored.key:
            if relocation is not None:
                db.session.delete(relocation)
            continue
        if relocation is not None:
            relocation.new_key = new_key
        else:
            db.session.add(BlobRelocation(file_id=stored.id, new_key=new_key))
        moving += 1
    if moving:
        db.session.flush()
        create_job(JOB_KIND, {})
    return moving


def documents_of_case(case_id: int) -> Select[int]:
    return select(Document.id).where(Document.case_id == case_id)


@dataclass
class RelocationSummary:
    moved: int = 0
    failed: list[int] = field(default_factory=list)  # relocation ids, tried again next time


def carry_out_relocations() -> RelocationSummary:
    """Copy, verify, switch and delete every pending relocation (see the module's description). Safe to run
    again and alongside another run: each switch is conditional, and the loser's copy is left to gc."""
    summary = RelocationSummary()
    ids = list(db.session.scalars(select(BlobRelocation.id).order_by(BlobRelocation.id)))
    db.session.commit()  # no transaction held open while bytes are copied
    for relocation_id in ids:
        relocation = db.session.get(BlobRelocation, relocation_id)
        if relocation is None:  # finished by another run
            continue
        old_key, new_key, file_id = relocation.file.key, relocation.new_key, relocation.file_id
        expected = relocation.file.sha256
        db.session.commit()
        try:
            _copy_verified(old_key, new_key, expected, relocation.file.media_type)
        except (StorageError, _Unverified) as exc:
            log.warning("relocation %s of file %s not copied: %s", relocation_id, file_id, type(exc).__name__)
            summary.failed.append(relocation_id)
            continue
        if not _switch(relocation_id, file_id, old_key, new_key):
            continue
        try:
            blob_store().delete(old_key)
        except BlobNotFound:
            pass
        except StorageError as exc:  # a retention lock from an earlier closing, say: gc tries again
            log.warning("file %s relocated; its old bytes were not deleted: %s", file_id, type(exc).__name__)
        summary.moved += 1
    return summary


class _Unverified(Exception):
    """The bytes under the new key are not the file's."""


def _copy_verified(old_key: str, new_key: str, expected: str | None, media_type: str) -> None:
    store = blob_store()
    if store.exists(new_key):  # copied by an earlier run that did not get to switch: verified, not trusted
        if store.sha256_of(new_key) == expected:
            return
        store.delete(new_key)
    with store.open(old_key) as stream:
        stored = store.put(new_key, stream, media_type=media_type)
    if expected is None or stored.sha256 != expected or store.sha256_of(new_key) != expected:
        store.delete(new_key)
        raise _Unverified


def _switch(relocation_id: int, file_id: int, old_key: str, new_key: str) -> bool:
    """Point the file at its new key and drop the relocation, if both are as they were when the copy began."""
    dropped = db.session.execute(
        delete(BlobRelocation).where(BlobRelocation.id == relocation_id, BlobRelocation.new_key == new_key)
    )
    switched = db.session.execute(
        update(StoredFile).where(StoredFile.id == file_id, StoredFile.key == old_key).values(key=new_key)
    )
    if dropped.rowcount != 1 or switched.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()  # redirected or finished meanwhile: the copy is left to gc
        return False
    db.session.commit()
    db.session.expire_all()
    return True


def pending_relocations() -> int:
    return len(db.session.scalars(select(BlobRelocation.id)).all())


@runner(JOB_KIND)
def run_relocations(job: Job) -> None:
    summary = carry_out_relocations()
    job.result = {"moved": summary.moved, "failed": len(summary.failed)}
    if summary.failed:
        raise JobFailed("Часть файлов не перенесена: хранилище недоступно; перенос повторится автоматически")
    set_progress(job, 1.0)


def resume_relocations() -> None:
    """Housekeeping: finish what a killed or failed relocation job left."""
    if pending_relocations():
        carry_out_relocations()
