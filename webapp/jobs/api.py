"""Job status endpoint."""

from __future__ import annotations

from typing import Any

from flask import url_for

from webapp.api import actor, api
from webapp.jobs.models import Job
from webapp.jobs.services import get_job


@api.get("/jobs/<int:job_id>")
def job_status(job_id: int) -> dict[str, Any]:
    return job_json(get_job(actor(), job_id))


def job_json(job: Job) -> dict[str, Any]:
    data: dict[str, Any] = {"id": job.id, "kind": job.kind, "status": job.status, "progress": round(job.progress, 3)}
    if job.error:
        data["error"] = job.error
    if job.status == "done" and job.kind == "export" and job.result.get("export_id"):
        data["download_url"] = url_for("api.export_download", export_id=job.result["export_id"])
    if job.status == "done" and job.kind == "pdf_rendition":
        document_id, number = job.result.get("document_id"), job.result.get("version")
        if document_id and number:
            data["download_url"] = url_for("api.version_pdf", document_id=document_id, number=number)
    return data
