"""OCR of scans in a background job: only the recognised text is kept (for the index); the original is untouched."""

from __future__ import annotations

import shutil
import tempfile
from typing import BinaryIO, cast

from flask import current_app
from sqlalchemy import select

from search_index.ocr import OcrFailed, OcrUnavailable, needs_ocr, ocr_text
from webapp.documents.events import VersionAdded
from webapp.documents.media import is_scan
from webapp.documents.models import DocumentVersion
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.programs import run_program
from webapp.jobs.services import JobFailed, create_job, runner
from webapp.runtime import blob_store
from webapp.search.models import VersionText
from webapp.search.services import enqueue_index

JOB_KIND = "ocr"
_SPOOL_LIMIT = 16 * 1024 * 1024


def request_ocr(added: VersionAdded) -> None:
    """Subscriber: queue OCR of a new scan (an image, or a PDF that may have no text layer) in its transaction."""
    if is_scan(added.media_type) and current_app.config.get("AUTO_OCR", True):
        create_job(JOB_KIND, {"version_id": added.version_id}, created_by_id=added.actor_id)


def recognised_text(version: DocumentVersion) -> str:
    text = db.session.scalar(select(VersionText.text).where(VersionText.version_id == version.id))
    return text or ""


@runner(JOB_KIND)
def recognise(job: Job) -> None:
    version = db.session.get(DocumentVersion, job.params["version_id"])
    if version is None:
        raise JobFailed("Версия документа не найдена")
    job.result = {"document_id": version.document_id, "version": version.number, "recognised": False}
    if version.document.case.status == "destroyed" or recognised_text(version):
        return
    blob_key, media_type, version_id, document_id = (
        version.blob_key,
        version.media_type,
        version.id,
        version.document_id,
    )
    db.session.commit()  # hold no database lock during the slow recognition
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_LIMIT) as spool:  # seekable, whatever the store
        copy = cast(BinaryIO, spool)
        with blob_store().open(blob_key) as stream:
            shutil.copyfileobj(stream, copy)
        copy.seek(0)
        if not needs_ocr(copy, media_type):  # a PDF with a text layer: the index reads that
            return
        try:
            text = ocr_text(copy, media_type, run=run_program)
        except OcrUnavailable:
            raise JobFailed("Распознавание текста недоступно: на сервере не установлен tesseract") from None
        except OcrFailed:
            raise JobFailed("Не удалось распознать текст скана") from None
    db.session.add(VersionText(version_id=version_id, method="ocr", text=text))
    enqueue_index(document_id)
    job.result = {**job.result, "recognised": True, "characters": len(text)}
