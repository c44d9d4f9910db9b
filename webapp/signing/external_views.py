"""Pages for signatures that arrive from outside: «Доверенные УЦ» (the administrator's trusted CAs), and on the case
page a version's signature from outside added, checked again, read back as it came."""

from __future__ import annotations

from typing import BinaryIO, cast

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from webapp.exceptions import FORM_ERRORS, ValidationError
from webapp.signing import external
from webapp.signing.download import external_cms_response
from webapp.signing.serializers import external_reason
from webapp.ui import current_actor, ui
from webapp.uow import commit

ui.add_app_template_global(external_reason, "external_reason")


@ui.get("/trusted-authorities")
@login_required
def trusted_authorities_page() -> str:
    external.require_may_trust(current_actor())
    return render_template("signing/trusted_authorities.html", authorities=external.trusted_authorities())


@ui.post("/trusted-authorities")
@login_required
def add_trusted_authority_form() -> BaseResponse:
    external.require_may_trust(current_actor())
    try:
        data = _file("certificate", "Выберите файл сертификата УЦ (.cer, .crt, .pem)").read(
            external.MAX_CERTIFICATE_BYTES + 1
        )
        authority = external.add_authority(current_actor(), data, request.form.get("name", ""))
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash(f"Удостоверяющий центр «{authority.name}» добавлен в доверенные", "success")
    return redirect(url_for("ui.trusted_authorities_page"))


@ui.post("/trusted-authorities/<int:authority_id>/remove")
@login_required
def remove_trusted_authority_form(authority_id: int) -> BaseResponse:
    external.require_may_trust(current_actor())
    try:
        external.remove_authority(current_actor(), authority_id)
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash("Удостоверяющий центр больше не считается доверенным", "success")
    return redirect(url_for("ui.trusted_authorities_page"))


@ui.post("/documents/<int:document_id>/versions/<int:number>/attached-signatures")
@login_required
def add_external_signature_form(document_id: int, number: int) -> BaseResponse:
    version = external.writable_version(current_actor(), document_id, number)
    try:
        stream = _file("signature", "Выберите файл подписи (.sig, .p7s)")
        signature = external.attach_detached(current_actor(), version, stream)
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash(f"Подпись сохранена: {_verdict(signature.status, signature.trusted)}", "success")
    return redirect(url_for("ui.external_signature_back", document_id=document_id))


@ui.post("/external-signatures/<int:signature_id>/check")
@login_required
def check_external_signature_form(signature_id: int) -> BaseResponse:
    signature = external.check(current_actor(), signature_id)
    document_id = signature.version.document_id
    message = f"Подпись проверена заново: {_verdict(signature.status, signature.trusted)}"
    commit()
    flash(message, "success")
    return redirect(url_for("ui.external_signature_back", document_id=document_id))


@ui.get("/external-signatures/<int:signature_id>.p7s")
@login_required
def external_signature_file(signature_id: int) -> Response:
    signature, data = external.read_signature(current_actor(), signature_id)
    commit()
    return external_cms_response(signature, data)


@ui.get("/documents/<int:document_id>/external-signatures")
@login_required
def external_signature_back(document_id: int) -> BaseResponse:
    """Back to the document's card on its case page."""
    from webapp.documents.services import get_document

    document = get_document(current_actor(), document_id)
    return redirect(url_for("ui.case", case_id=document.case_id, _anchor=f"document-{document_id}"))


def _verdict(status: str, trusted: bool) -> str:
    if status == "valid":
        return "верна, сертификат доверенного УЦ" if trusted else "верна, цепочка сертификатов не доверенная"
    return "не верна" if status == "invalid" else "не проверена"


def _file(name: str, missing: str) -> BinaryIO:
    file = request.files.get(name)
    if file is None or not file.filename:
        raise ValidationError(missing, code="missing_file")
    return cast(BinaryIO, file.stream)
