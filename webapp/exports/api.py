"""Exports for commissions over the API: ask (202 with the job), follow the job, download while it lasts."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for

from webapp.api import actor, api, json_body
from webapp.documents.download import stream_blob
from webapp.exceptions import ValidationError
from webapp.exports.models import Export
from webapp.exports.services import MEDIA_TYPES, get_export, list_exports, open_export, request_export
from webapp.jobs.api import job_json
from webapp.jobs.services import refreshed
from webapp.uow import commit
from webapp.validation import parse_ids


@api.post("/cases/<int:case_id>/exports")
def export_case(case_id: int) -> Response:
    body = json_body()
    return _requested([case_id], body)


@api.post("/exports")
def export_hearing() -> Response:
    body = json_body()
    return _requested(parse_ids(body.get("case_ids"), "case_ids", code="invalid_cases"), body)


def _requested(case_ids: list[int], body: dict[str, Any]) -> Response:
    fmt, versions, title = body.get("format"), body.get("versions", "approved"), body.get("title", "")
    if not isinstance(fmt, str) or not isinstance(versions, str) or not isinstance(title, str):
        raise ValidationError("format, versions и title — строки", code="invalid_body")
    export = request_export(actor(), case_ids, fmt, versions=versions, title=title)
    commit()
    response = jsonify(job_json(refreshed(export.job)) | {"export": export_json(export)})
    response.status_code = 202
    response.headers["Location"] = url_for("api.job_status", job_id=export.job_id)
    return response


@api.get("/exports")
def exports_list() -> dict[str, Any]:
    items = list_exports(actor())
    return {"items": [export_json(export) for export in items], "total": len(items)}


@api.get("/exports/<int:export_id>")
def export_detail(export_id: int) -> dict[str, Any]:
    return export_json(get_export(actor(), export_id))


@api.get("/exports/<int:export_id>/download")
def export_download(export_id: int) -> Response:
    export, stream = open_export(actor(), export_id)
    commit()
    return stream_blob(stream, MEDIA_TYPES[export.format], export.filename)


def export_json(export: Export) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": export.id,
        "format": export.format,
        "versions": export.versions,
        "case_ids": export.case_ids,
        "title": export.title,
        "job_id": export.job_id,
        "status": export.job.status,
        "created_at": export.created_at.isoformat(),
        "expires_at": export.expires_at.isoformat(),
        "deleted": export.deleted_at is not None,
        "sha256": export.sha256,
        "size": export.size,
    }
    if export.blob_key is not None:
        data["download_url"] = url_for("api.export_download", export_id=export.id)
    return data
