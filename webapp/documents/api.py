"""Document endpoints: upload, versions, content."""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from flask import Response, request

from webapp.api import actor, api
from webapp.api.serializers import document_json, version_json
from webapp.documents import services
from webapp.documents.download import stream_version
from webapp.documents.schemas import DocumentMeta, Upload, VersionMeta
from webapp.exceptions import ValidationError
from webapp.uow import commit
from webapp.validation import parse_input


@api.post("/cases/<int:case_id>/documents")
def create_document(case_id: int) -> tuple[dict[str, Any], int]:
    if request.is_json:
        raise ValidationError(
            "Создание документа по шаблону пока недоступно: загрузите файл (multipart, поле file)",
            code="templates_unavailable",
        )
    meta = parse_input(DocumentMeta, _form_fields("title", "type", "date", "comment"))
    document = services.add_document(actor(), case_id, meta, _upload())
    commit()
    return document_json(document), 201


@api.post("/documents/<int:document_id>/versions")
def create_version(document_id: int) -> tuple[dict[str, Any], int]:
    if request.is_json:
        raise ValidationError("Новая версия по шаблону пока недоступна: загрузите файл", code="templates_unavailable")
    meta = parse_input(VersionMeta, _form_fields("base_version", "comment"))
    version = services.add_version(actor(), document_id, meta, _upload())
    commit()
    return version_json(version), 201


@api.get("/documents/<int:document_id>")
def get_document(document_id: int) -> dict[str, Any]:
    return document_json(services.get_document(actor(), document_id))


@api.get("/documents/<int:document_id>/versions/<int:number>/content")
def version_content(document_id: int, number: int) -> Response:
    return stream_version(actor(), document_id, number)


def _form_fields(*allowed: str) -> dict[str, Any]:
    unknown = sorted(set(request.form) - set(allowed))
    if unknown:
        raise ValidationError(f"{unknown[0]}: неизвестное поле", code="invalid")
    return {name: request.form[name] for name in allowed if request.form.get(name, "") != ""}


def _upload() -> Upload:
    files = request.files.getlist("file")
    if len(files) != 1:
        raise ValidationError("Приложите ровно один файл в поле file", code="missing_file")
    if set(request.files) - {"file"}:
        raise ValidationError("Неизвестное поле с файлом: ожидается только file", code="invalid")
    return Upload(stream=cast(BinaryIO, files[0].stream), filename=files[0].filename or "")
