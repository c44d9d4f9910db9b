"""The PDF rendition of a version: the file when ready, else 202 with the job making it."""

from __future__ import annotations

from flask import Response, jsonify

from webapp.api import actor, api
from webapp.documents.download import stream_blob
from webapp.documents.services import get_version
from webapp.exceptions import StorageUnavailable
from webapp.jobs.api import job_json
from webapp.renditions.delivery import fetch_pdf

RETRY_AFTER_SECONDS = 5


@api.get("/documents/<int:document_id>/versions/<int:number>/pdf")
def version_pdf(document_id: int, number: int) -> Response:
    stream, job = fetch_pdf(actor(), get_version(actor(), document_id, number))
    if stream is not None:
        return stream_blob(stream, "application/pdf", f"document-{document_id}-v{number}.pdf")
    assert job is not None
    if job.status == "failed":
        raise StorageUnavailable(f"PDF-копия не получена: {job.error}", code="pdf_failed")
    response = jsonify(job=job_json(job), message="PDF-копия готовится, повторите запрос через несколько секунд")
    response.status_code = 202
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
