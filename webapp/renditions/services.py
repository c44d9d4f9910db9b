"""PDF renditions: requested after each new version, made by a background job, served when ready."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from document_templates.pdf import ConversionFailed, ConversionUnavailable, convert_to_pdf, soffice_path
from storage import StoredBlob
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.documents.media import DOCX, ODT, PDF, TEXT, XLSX
from webapp.documents.models import DocumentVersion
from webapp.exceptions import StorageUnavailable, UnsupportedMediaType
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.programs import run_program
from webapp.jobs.services import JobFailed, create_job, runner
from webapp.renditions.models import Rendition
from webapp.runtime import blob_store

CONVERTIBLE = {DOCX: ".docx", ODT: ".odt", XLSX: ".xlsx", TEXT: ".txt"}
JOB_KIND = "pdf_rendition"


def request_rendition(version: DocumentVersion, actor: User | None = None) -> Job | None:
    """Queue a PDF rendition of a new version (in the caller's transaction) when one can be made."""
    if version.media_type not in CONVERTIBLE or not current_app.config.get("AUTO_PDF", True):
        return None
    return create_job(JOB_KIND, {"version_id": version.id}, actor)


def pdf_for(actor: User, version: DocumentVersion) -> tuple[BinaryIO | None, Job | None]:
    """The PDF of a version the actor may read, as an open stream, or else the job making it. Reads are audited."""
    document_id, number = version.document_id, version.number
    if version.media_type == PDF:
        record_event(actor, "version.read_pdf", "document", document_id, version=number)
        return _open(version.blob_key), None
    rendition = rendition_of(version)
    if rendition is not None:
        record_event(actor, "version.read_pdf", "document", document_id, version=number)
        return _open(rendition.blob_key), None
    if version.media_type not in CONVERTIBLE:
        raise UnsupportedMediaType("Для этого типа файла PDF-копия не делается: скачайте оригинал")
    if soffice_path() is None:
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


def _open(key: str) -> BinaryIO:
    try:
        return blob_store().open(key)
    except Exception:
        raise StorageUnavailable("Хранилище недоступно, повторите позже") from None


@runner(JOB_KIND)
def make_rendition(job: Job) -> None:
    version = db.session.get(DocumentVersion, job.params["version_id"])
    if version is None:
        raise JobFailed("Версия документа не найдена")
    job.result = {"document_id": version.document_id, "version": version.number}
    ensure_rendition(version)


def ensure_rendition(version: DocumentVersion) -> Rendition:
    """The version's PDF rendition, made now (slow: LibreOffice) when there is none yet; committed at once.
    Raises JobFailed when it cannot be made."""
    existing = rendition_of(version)
    if existing is not None:
        return existing
    blob_key, media_type, version_id = version.blob_key, version.media_type, version.id
    db.session.commit()  # hold no database lock during the slow conversion
    stored = _convert_and_store(blob_key, media_type)
    rendition = Rendition(version_id=version_id, blob_key=stored.key, sha256=stored.sha256, size=stored.size)
    db.session.add(rendition)
    try:
        db.session.commit()
    except IntegrityError:  # another worker made it meanwhile; ours is left for `storage gc`
        db.session.rollback()
        made = db.session.scalar(select(Rendition).where(Rendition.version_id == version_id))
        assert made is not None
        return made
    return rendition


def _convert_and_store(blob_key: str, media_type: str) -> StoredBlob:
    with tempfile.TemporaryDirectory(prefix="casefiles-pdf-") as work:
        source = Path(work) / f"source{CONVERTIBLE.get(media_type, '.bin')}"
        with blob_store().open(blob_key) as stream, source.open("wb") as out:
            shutil.copyfileobj(stream, out)
        try:
            pdf_path = convert_to_pdf(source, Path(work), run=run_program)
        except ConversionUnavailable:
            raise JobFailed("На сервере не установлен LibreOffice") from None
        except ConversionFailed:
            raise JobFailed("Не удалось преобразовать документ в PDF") from None
        with pdf_path.open("rb") as pdf:
            return blob_store().put(f"{blob_key}.{secrets.token_hex(4)}.pdf", pdf, media_type=PDF)
