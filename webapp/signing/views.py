"""Pages of the approval workflow and signing: the head's approval queue, and the buttons on a document's card
(submit, approve and sign, return, annul, sign, upload a scan signed on paper)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import BinaryIO, cast

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.auth.models import User
from webapp.documents import workflow
from webapp.documents.models import Document
from webapp.documents.schemas import Upload, VersionMeta
from webapp.documents.services import add_version, get_document, writable_document
from webapp.exceptions import FORM_ERRORS, DomainError, NotFound, ValidationError
from webapp.signing import services
from webapp.signing.download import cms_response
from webapp.signing.keys import WrongPin, given_pin
from webapp.signing.pin import pin_attempt
from webapp.signing.pin_views import pin_from_form
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_input, parse_int

# A wrong PIN is told above the form, like the other refusals of a step (not the 403 page).
SIGNING_FORM_ERRORS: tuple[type[DomainError], ...] = (*FORM_ERRORS, WrongPin)


@ui.get("/approvals")
@login_required
def approvals() -> str:
    return render_template("signing/approvals.html", documents=workflow.approval_queue(current_actor()))


@ui.post("/documents/<int:document_id>/workflow")
@login_required
def document_workflow(document_id: int) -> Response:
    """Submit, approve (and sign «утверждаю» at once if asked), return with a comment, annul."""

    def step() -> str:
        actor, action, comment = current_actor(), request.form.get("action", ""), request.form.get("comment", "")
        document = get_document(actor, document_id)
        if action == "submit":
            workflow.submit(actor, document, comment)
            return "Направлено на утверждение"
        if action == "approve":
            return _approve(actor, document, comment)
        if action == "return":
            workflow.return_for_rework(actor, document, comment)
            return "Возвращено на доработку"
        if action == "annul":
            workflow.annul(actor, document, comment)
            return "Документ аннулирован"
        raise ValidationError("Неизвестное действие", code="invalid_action")

    return _done(document_id, step)


def _approve(actor: User, document: Document, comment: str) -> str:
    """Approve, and sign «утверждаю» if asked; a PIN given also signs what the approval signs (a protocol's
    extracts)."""
    version = parse_int(request.form.get("version"), "version", default=0)
    signs = bool(request.form.get("sign"))
    if not signs and not request.form.get("pin"):
        workflow.approve(actor, document, version, comment)
        return "Документ утверждён"
    with pin_attempt(actor, request.remote_addr or ""):
        signing_pin = pin_from_form(actor)
        with given_pin(actor, signing_pin):
            workflow.approve(actor, document, version, comment)
            if signs:
                services.sign_version(actor, document.id, version, services.APPROVAL_ROLE, signing_pin)
    return "Документ утверждён и подписан" if signs else "Документ утверждён"


@ui.post("/documents/<int:document_id>/versions/<int:number>/sign")
@login_required
def sign_version(document_id: int, number: int) -> Response:
    def step() -> str:
        role, actor = request.form.get("role", ""), current_actor()
        with pin_attempt(actor, request.remote_addr or ""):
            services.sign_version(actor, document_id, number, role, pin_from_form(actor))
        return f"Версия {number} подписана электронной подписью в роли «{role}»"

    return _done(document_id, step)


@ui.post("/documents/<int:document_id>/paper")
@login_required
def upload_paper_signed(document_id: int) -> Response:
    """A scan of the paper original, signed by hand, as the next version with its signers."""
    writable_document(current_actor(), document_id)  # who may, before what was sent

    def step() -> str:
        names, roles = request.form.getlist("signer_name"), request.form.getlist("signer_role")
        signers = [{"name": name, "role": role} for name, role in zip(names, roles, strict=False) if name.strip()]
        if not signers:
            raise ValidationError("Укажите хотя бы одного подписавшего на бумаге", code="missing_signers")
        fields = {key: request.form.get(key, "") for key in ("base_version", "comment")}
        meta = parse_input(VersionMeta, {**fields, "paper_signers": json.dumps(signers, ensure_ascii=False)})
        file = request.files.get("file")
        if file is None or not file.filename:
            raise ValidationError("Выберите файл скана", code="missing_file")
        version = add_version(current_actor(), document_id, meta, Upload(cast(BinaryIO, file.stream), file.filename))
        return f"Скан подписанного на бумаге экземпляра сохранён как версия {version.number}"

    return _done(document_id, step)


def _done(document_id: int, step: Callable[[], str]) -> Response:
    """Run a step of the document's card, commit, and go back with its message (or the error's)."""
    try:
        message = step()
        commit()
    except SIGNING_FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash(message, "success")
    return _back(document_id)


@ui.get("/signatures/<int:signature_id>.p7s")
@login_required
def signature_file(signature_id: int) -> Response:
    signature, der = services.signature_cms(current_actor(), signature_id)
    commit()
    return cms_response(signature, der)


def _back(document_id: int) -> Response:
    if request.form.get("next") == "approvals":
        return redirect(url_for("ui.approvals"))
    try:
        document = get_document(current_actor(), document_id)
    except NotFound:  # a deputy's reach ends with the head's act (webapp.auth.deputies): back to the queue
        return redirect(url_for("ui.approvals"))
    return redirect(url_for("ui.case", case_id=document.case_id, _anchor=f"document-{document_id}"))
