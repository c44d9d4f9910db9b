"""A hearing's members' package over the API: ask for it (202 with the job), read it (the PDF, inline)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for

from webapp.api import actor, api
from webapp.documents.download import stream_blob
from webapp.hearings.models import Hearing
from webapp.hearings.package import MEDIA_TYPE, open_package, package_filename, request_package
from webapp.jobs.api import job_json
from webapp.jobs.services import refreshed
from webapp.uow import commit


@api.post("/hearings/<int:hearing_id>/package")
def hearing_package_request(hearing_id: int) -> Response:
    job = request_package(actor(), hearing_id)
    commit()
    job = refreshed(job)  # the test queue (JOBS_IMMEDIATE) ran it already
    response = jsonify(job_json(job) | {"hearing_id": hearing_id, "package_url": _url(hearing_id)})
    response.status_code = 202
    response.headers["Location"] = url_for("api.job_status", job_id=job.id)
    return response


@api.get("/hearings/<int:hearing_id>/package")
def hearing_package(hearing_id: int) -> Response:
    hearing, blob = open_package(actor(), hearing_id)
    commit()  # the read is on record before the first byte leaves
    response = stream_blob(blob, MEDIA_TYPE, package_filename(hearing), as_attachment=False)
    if hearing.package_file is not None and hearing.package_file.size is not None:
        response.headers["Content-Length"] = str(hearing.package_file.size)
    return response


def package_json(hearing: Hearing) -> dict[str, Any]:
    """The package's state for the hearing's record (pages and the API helper's hearing answer may use it)."""
    file = hearing.package_file
    job = hearing.package_job
    return {
        "job_id": hearing.package_job_id,
        "status": job.status if job is not None else None,
        "progress": round(job.progress, 3) if job is not None else None,
        "built_at": hearing.package_built_at.isoformat() if hearing.package_built_at else None,
        "sha256": file.sha256 if file is not None else None,
        "size": file.size if file is not None else None,
        "deleted": file is not None and file.deleted_at is not None,
        "url": _url(hearing.id),
    }


def _url(hearing_id: int) -> str:
    return url_for("api.hearing_package", hearing_id=hearing_id)
