"""Documents from the pages: uploading a file into a case (with progress and drag-and-drop in upload.js) and
downloading a version."""

from __future__ import annotations

from typing import BinaryIO, cast

from flask import Response, flash, jsonify, redirect, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from webapp.documents.download import stream_version
from webapp.documents.schemas import DocumentMeta, Upload
from webapp.documents.services import add_document, writable_case
from webapp.exceptions import FORM_ERRORS, ValidationError
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_input


@ui.get("/documents/<int:document_id>/versions/<int:number>/download")
@login_required
def download_version(document_id: int, number: int) -> Response:
    return stream_version(current_actor(), document_id, number)


@ui.post("/cases/<int:case_id>/upload")
@login_required
def upload_document(case_id: int) -> BaseResponse:
    """The upload form of the case page. upload.js sends it in the background (to show progress) and asks for
    JSON, errors included (webapp.errors); without JavaScript the browser posts it and comes back to the page."""
    wants_json = request.accept_mimetypes.best == "application/json"
    writable_case(current_actor(), case_id)  # who may, before what was sent
    try:
        document_id = _store_upload(case_id)
    except FORM_ERRORS as exc:
        if wants_json:
            raise
        flash(exc.message, "error")
        return redirect(url_for("ui.case", case_id=case_id) + "#upload")
    target = url_for("ui.case", case_id=case_id) + f"#document-{document_id}"
    flash("Документ загружен", "success")
    return jsonify(redirect=target) if wants_json else redirect(target)


def _store_upload(case_id: int) -> int:
    file = request.files.get("file")
    if file is None or not file.filename:
        raise ValidationError("Выберите файл", code="missing_file")
    fields = {key: request.form.get(key, "") for key in ("title", "type", "date", "comment")}
    meta = parse_input(DocumentMeta, {key: value for key, value in fields.items() if value})
    document = add_document(current_actor(), case_id, meta, Upload(cast(BinaryIO, file.stream), file.filename))
    commit()
    return document.id
