"""PDF renditions: requested after each new version, made by a background job, served when ready."""

from __future__ import annotations

import datetime as dt
import io
import secrets
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from document_templates.pdf import ConversionFailed, ConversionUnavailable, convert_to_pdf, soffice_path
from storage import ContentMismatch, StoredBlob
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.blobs.integrity import BlobRef, OpenBlob, copy_checked, file_ref, open_blob, version_ref
from webapp.blobs.models import StoredFile
from webapp.documents.events import VersionAdded
from webapp.documents.media import DOCX, ODT, PDF, TEXT, XLSX
from webapp.documents.models import DocumentVersion
from webapp.events import publish
from webapp.exceptions import StorageUnavailable, UnsupportedMediaType
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.programs import run_program
from webapp.jobs.services import JobFailed, create_job, runner
from webapp.printing.text import text_pdf
from webapp.renditions.events import RenditionMade
from webapp.renditions.models import Rendition
from webapp.runtime import blob_store

CONVERTIBLE = {DOCX: ".docx", ODT: ".odt", XLSX: ".xlsx", TEXT: ".txt"}
JOB_KIND = "pdf_rendition"


def request_rendition(added: VersionAdded) -> None:
    """Subscriber: queue a PDF rendition of a new version (in its transaction) when one can be made."""
    if added.media_type in CONVERTIBLE and current_app.config.get("AUTO_PDF", True):
        create_job(JOB_KIND, {"version_id": added.version_id}, created_by_id=added.actor_id)


def pdf_for(actor: User, version: DocumentVersion) -> tuple[OpenBlob | None, Job | None]:
    """The PDF of a version the actor may read, open for reading, or else the job making it. Reads are audited."""
    document_id, number = version.document_id, version.number
    if version.media_type == PDF:
        record_event(actor, "version.read_pdf", "document", document_id, version=number)
        return open_blob(file_ref(version.file)), None
    rendition = rendition_of(version)
    if rendition is not None:
        record_event(actor, "version.read_pdf", "document", document_id, version=number)
        return open_blob(file_ref(rendition.file)), None
    if version.media_type not in CONVERTIBLE:
        raise UnsupportedMediaType("Для этого типа файла PDF-копия не делается: скачайте оригинал")
    if version.media_type != TEXT and soffice_path() is None:
        raise StorageUnavailable(
            "Преобразование в PDF недоступно: на сервере не установлен LibreOffice", code="pdf_unavailable"
        )
    return None, _pending_job(version) or create_job(JOB_KIND, {"version_id": version.id}, actor)


def _pending_job(version: DocumentVersion) -> Job | None:
    jobs = db.session.scalars(
        select(Job).where(Job.kind == JOB_KIND, Job.status.in_(("queued", "running"))).order_by(Job.id)
    ).all()
    return next((job for job in jobs if job.params.get("version_id") == version.id), None)


def rendition_of(version: DocumentVersion) -> Rendition | None:
    return db.session.scalar(select(Rendition).where(Rendition.version_id == version.id))


@runner(JOB_KIND)
def make_rendition(job: Job) -> None:
    version = db.session.get(DocumentVersion, job.params["version_id"])
    if version is None:
        raise JobFailed("Версия документа не найдена")
    job.result = {"document_id": version.document_id, "version": version.number}
    try:
        ensure_rendition(version)
    except ContentMismatch:
        raise JobFailed("Файл версии в хранилище повреждён (не совпадает контрольная сумма): PDF не сделан") from None


def ensure_rendition(version: DocumentVersion) -> Rendition:
    """The version's PDF rendition, made now (slow: LibreOffice; plain text by fpdf2) when there is none yet;
    committed at once.
    Raises JobFailed when it cannot be made. Publishes RenditionMade once it made one."""
    existing = rendition_of(version)
    if existing is not None:
        return existing
    source, version_id, document_id = version_ref(version), version.id, version.document_id
    db.session.commit()  # hold no database lock during the slow conversion
    stored = _convert_and_store(source)
    rendition = Rendition(version_id=version_id, file=StoredFile.of(stored, "rendition", PDF))
    db.session.add(rendition)
    try:
        db.session.flush()
    except IntegrityError:  # another worker made it meanwhile; ours is left for `storage gc`
        db.session.rollback()
        made = db.session.scalar(select(Rendition).where(Rendition.version_id == version_id))
        assert made is not None
        return made
    publish(RenditionMade(version_id, document_id))  # what its subscribers write (a page images job) commits with it
    db.session.commit()
    return rendition


def _convert_and_store(version: BlobRef) -> StoredBlob:
    """A PDF copy of the version's bytes, checked first: a copy made of changed bytes would pass them off as the
    version (ContentMismatch instead)."""
    with tempfile.TemporaryDirectory(prefix="casefiles-pdf-") as work:
        source = Path(work) / f"source{CONVERTIBLE.get(version.media_type, '.bin')}"
        copy_checked(version, source)
        if version.media_type == TEXT:  # laid out here: LibreOffice would take seconds of CPU for it
            laid_out = text_pdf(source.read_bytes().decode("utf-8", errors="replace"), dt.date.today())
            return blob_store().put(f"{version.key}.{secrets.token_hex(4)}.pdf", io.BytesIO(laid_out), media_type=PDF)
        try:
            pdf_path = convert_to_pdf(source, Path(work), run=run_program)
        except ConversionUnavailable:
            raise JobFailed("На сервере не установлен LibreOffice") from None
        except ConversionFailed:
            raise JobFailed("Не удалось преобразовать документ в PDF") from None
        with pdf_path.open("rb") as pdf:
            return blob_store().put(f"{version.key}.{secrets.token_hex(4)}.pdf", pdf, media_type=PDF)
