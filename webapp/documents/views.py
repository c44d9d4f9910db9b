"""Documents from the pages: uploading a file into a case (with progress and drag-and-drop in upload.js) and
downloading a version."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, cast

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from webapp.cases.services import writable_cases_matching
from webapp.documents import checkouts, corrections, moves
from webapp.documents.download import stream_version
from webapp.documents.models import Document
from webapp.documents.schemas import DocumentMeta, Upload, VersionMeta
from webapp.documents.services import (
    add_document,
    add_version,
    documents_of_case,
    get_document,
    writable_case,
    writable_document,
)
from webapp.exceptions import FORM_ERRORS, ValidationError
from webapp.extensions import db
from webapp.signing import external
from webapp.ui import current_actor, ui
from webapp.uow import commit, rollback
from webapp.validation import MAX_ID, parse_input, parse_int, parse_optional_int


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
    # A detached signature chosen beside the file, or the file itself when it is an attached one (webapp.signing)
    signatures = [cast(BinaryIO, part.stream) for part in request.files.getlist("signature") if part.filename]
    external.after_upload(current_actor(), document.versions[-1], signatures)
    commit()
    return document.id


@ui.post("/documents/<int:document_id>/details")
@login_required
def document_edit(document_id: int) -> BaseResponse:
    """«Изменить сведения»: title, type and date with a reason, against the revision the page showed."""

    def step() -> str:
        data = {key: request.form.get(key, "") for key in ("title", "type", "date", "reason") if key in request.form}
        if data.get("date") == "":
            del data["date"]
        revision = parse_optional_int(request.form.get("revision"), "revision", maximum=MAX_ID)
        corrections.edit_document(current_actor(), document_id, data, revision=revision)
        return "Документ исправлен"

    return _done(document_id, step)


@ui.post("/documents/<int:document_id>/versions/<int:number>/restore")
@login_required
def restore_version(document_id: int, number: int) -> BaseResponse:
    def step() -> str:
        base = parse_int(request.form.get("base_version"), "base_version", default=0, minimum=0, maximum=MAX_ID)
        version = corrections.restore_version(current_actor(), document_id, number, base_version=base)
        return f"Версия {number} восстановлена как версия {version.number}"

    return _done(document_id, step)


@ui.post("/documents/<int:document_id>/checkout")
@login_required
def check_out(document_id: int) -> BaseResponse:
    def step() -> str:
        checkouts.check_out(current_actor(), document_id)
        return "Документ взят на редактирование: другие не добавят версий, пока вы не загрузите новую или не отмените"

    return _done(document_id, step)


@ui.post("/documents/<int:document_id>/checkout/cancel")
@login_required
def cancel_checkout(document_id: int) -> BaseResponse:
    """The holder cancels («Отменить редактирование»); the head breaks it with a reason («Снять блокировку»)."""

    def step() -> str:
        checkouts.cancel_checkout(current_actor(), document_id, request.form.get("reason", ""))
        return "Блокировка снята"

    return _done(document_id, step)


@ui.post("/documents/<int:document_id>/checkin")
@login_required
def check_in(document_id: int) -> BaseResponse:
    """The holder uploads the edited file as the next version, which gives the document back."""
    writable_document(current_actor(), document_id)  # who may, before what was sent

    def step() -> str:
        file = request.files.get("file")
        if file is None or not file.filename:
            raise ValidationError("Выберите файл", code="missing_file")
        meta = parse_input(VersionMeta, {key: request.form.get(key, "") for key in ("base_version", "comment")})
        upload = Upload(cast(BinaryIO, file.stream), file.filename)
        version = add_version(current_actor(), document_id, meta, upload)
        external.after_upload(current_actor(), version, [])  # an attached signature is recognised as on upload
        return f"Новая версия {version.number} сохранена, документ возвращён"

    return _done(document_id, step)


def _done(document_id: int, step: Callable[[], str]) -> BaseResponse:
    """Run a correction from the document's card, commit, and go back to the card with its message or the error's
    (access errors are the 403/404 pages)."""
    try:
        message = step()
        commit()
    except FORM_ERRORS as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(message, "success")
    document = get_document(current_actor(), document_id)
    return redirect(url_for("ui.case", case_id=document.case_id, _anchor=f"document-{document_id}"))


@ui.route("/cases/<int:case_id>/move", methods=["GET", "POST"])
@login_required
def move_documents(case_id: int) -> str | BaseResponse:
    """«Перенести»: the documents of a case ticked on its page (or one document's own link) go to another case,
    found by number or heading (sent in the form, never in the address). Each document is moved on its own; a
    summary names those that could not be."""
    actor = current_actor()
    writable_case(actor, case_id)  # who may, before anything else
    case, documents = documents_of_case(actor, case_id)
    wanted = {parse_int(raw, "document", default=0, maximum=MAX_ID) for raw in request.values.getlist("document")}
    chosen = [document for document in documents if document.id in wanted]
    if not chosen:
        flash("Отметьте документы, которые нужно перенести", "error")
        return redirect(url_for("ui.case", case_id=case_id, _anchor="documents"))
    text = request.form.get("q", "").strip()[:200] if request.method == "POST" else ""
    if request.method == "POST" and request.form.get("action") == "move":
        target_id = parse_int(request.form.get("target"), "target", default=0, maximum=MAX_ID)
        moved, failed = _move_each(chosen, target_id, request.form.get("reason", ""))
        if moved:
            flash(f"Перенесено документов: {len(moved)}", "success")
        for title, message in failed:
            flash(f"«{title}» не перенесён: {message}", "error")
        if moved:
            return redirect(url_for("ui.case", case_id=target_id, _anchor="documents"))
    targets = [target for target in writable_cases_matching(actor, text) if target.id != case.id] if text else []
    return render_template("documents/move.html", case=case, chosen=chosen, text=text, targets=targets)


def _move_each(documents: list[Document], target_id: int, reason: str) -> tuple[list[Document], list[tuple[str, str]]]:
    moved, failed = [], []
    for document in documents:
        title = document.title
        try:
            moves.move_document(current_actor(), document.id, target_id, reason)
            commit()
        except FORM_ERRORS as exc:
            rollback()
            failed.append((title, exc.message))
        else:
            moved.append(document)
    return moved, failed
