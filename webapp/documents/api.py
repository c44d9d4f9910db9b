"""Document endpoints: upload, versions, content."""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from flask import request
from werkzeug.wrappers import Response as BaseResponse

from webapp.api import actor, api, json_body, revision_seen, shown
from webapp.documents import checkouts, corrections, moves, services
from webapp.documents.download import redirect_to_version, stream_version
from webapp.documents.models import DocumentVersion
from webapp.documents.schemas import (
    CancelCheckoutInput,
    DocumentMeta,
    MoveInput,
    RestoreInput,
    RevisionInput,
    Upload,
    VersionMeta,
)
from webapp.documents.serializers import checkout_json, document_json, version_json
from webapp.exceptions import ValidationError
from webapp.forms import services as forms
from webapp.forms.schemas import FormDocumentInput, FormVersionInput
from webapp.signing import external
from webapp.uow import commit
from webapp.validation import parse_input, parse_int


@api.post("/cases/<int:case_id>/documents")
def create_document(case_id: int) -> tuple[dict[str, Any], int]:
    """JSON {template, fields} fills a form; multipart {file} files an upload."""
    if request.is_json:
        data = parse_input(FormDocumentInput, json_body())
        document = forms.create_form_document(
            actor(), case_id, data.template, data.fields, title=data.title, dated_on=data.date
        )
    else:
        meta = parse_input(DocumentMeta, _form_fields("title", "type", "date", "comment", "paper_signers"))
        document = services.add_document(actor(), case_id, meta, _upload())
        _signatures_with(document.versions[-1])
    commit()
    return document_json(document, shown()), 201


@api.post("/documents/<int:document_id>/versions")
def create_version(document_id: int) -> tuple[dict[str, Any], int]:
    if request.is_json:
        data = parse_input(FormVersionInput, json_body())
        version = forms.add_form_version(actor(), document_id, data.base_version, data.fields, data.comment)
    else:
        meta = parse_input(VersionMeta, _form_fields("base_version", "comment", "paper_signers"))
        version = services.add_version(actor(), document_id, meta, _upload())
        _signatures_with(version)
    commit()
    return version_json(version, shown()), 201


@api.get("/documents/<int:document_id>/versions/<int:number>/fields")
def version_fields(document_id: int, number: int) -> dict[str, Any]:
    """The field values of a form version: content, so the read is audited like a download."""
    values = forms.read_form_values(actor(), document_id, number)
    commit()
    return {"fields": values}


@api.get("/documents/<int:document_id>/versions/<int:number>/diff")
def version_diff(document_id: int, number: int) -> dict[str, Any]:
    against = parse_int(request.args.get("against"), "against", default=max(number - 1, 1))
    changes = forms.version_diff(actor(), document_id, number, against)
    commit()
    return {
        "version": number,
        "against": against,
        "changes": [{"field": c.field, "label": c.label, "before": c.before, "after": c.after} for c in changes],
    }


@api.get("/documents/<int:document_id>")
def get_document(document_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    document = services.get_document(actor(), document_id)
    return document_json(document, shown()), 200, {"ETag": f'"{document.revision}"'}


@api.patch("/documents/<int:document_id>")
def edit_document(document_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Correct the title, type or date with a reason, against the revision named by If-Match or `revision`."""
    data = json_body()
    named = parse_input(RevisionInput, {"revision": data.pop("revision")}).revision if "revision" in data else None
    document = corrections.edit_document(actor(), document_id, data, revision=revision_seen(named))
    commit()
    return document_json(document, shown()), 200, {"ETag": f'"{document.revision}"'}


@api.post("/documents/<int:document_id>/versions/<int:number>/restore")
def restore_version(document_id: int, number: int) -> tuple[dict[str, Any], int]:
    data = parse_input(RestoreInput, json_body())
    version = corrections.restore_version(actor(), document_id, number, base_version=data.base_version)
    commit()
    return version_json(version, shown()), 201


@api.post("/documents/<int:document_id>/checkout")
def check_out(document_id: int) -> tuple[dict[str, Any], int]:
    checkout = checkouts.check_out(actor(), document_id)
    commit()
    return {"document_id": document_id, "checkout": checkout_json(checkout)}, 201


@api.delete("/documents/<int:document_id>/checkout")
def cancel_checkout(document_id: int) -> tuple[str, int]:
    """The holder cancels; the head breaks someone else's check-out with `reason`."""
    data = parse_input(CancelCheckoutInput, request.get_json(silent=True) or {})
    checkouts.cancel_checkout(actor(), document_id, data.reason)
    commit()
    return "", 204


@api.get("/documents/<int:document_id>/versions/<int:number>/content")
def version_content(document_id: int, number: int) -> BaseResponse:
    return redirect_to_version(actor(), document_id, number) or stream_version(actor(), document_id, number)


def _form_fields(*allowed: str) -> dict[str, Any]:
    unknown = sorted(set(request.form) - set(allowed))
    if unknown:
        raise ValidationError(f"{unknown[0]}: неизвестное поле", code="invalid")
    return {name: request.form[name] for name in allowed if request.form.get(name, "") != ""}


def _upload() -> Upload:
    files = request.files.getlist("file")
    if len(files) != 1:
        raise ValidationError("Приложите ровно один файл в поле file", code="missing_file")
    if set(request.files) - {"file", "signature"}:
        raise ValidationError("Неизвестное поле с файлом: ожидаются file и signature", code="invalid")
    return Upload(stream=cast(BinaryIO, files[0].stream), filename=files[0].filename or "")


def _signatures_with(version: DocumentVersion) -> None:
    """Detached signatures (multipart `signature`, CMS .sig/.p7s) uploaded beside the file, or the file itself when
    it is an attached CMS, kept and checked (webapp.signing.external)."""
    streams = [cast(BinaryIO, part.stream) for part in request.files.getlist("signature")]
    external.after_upload(actor(), version, streams)


@api.post("/documents/<int:document_id>/move")
def move_document(document_id: int) -> dict[str, Any]:
    data = parse_input(MoveInput, json_body())
    revision = revision_seen(data.revision)
    document = moves.move_document(actor(), document_id, data.case_id, data.reason, revision=revision)
    commit()
    return document_json(document, shown())
