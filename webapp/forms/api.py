"""Template endpoints: the list with fields, one manifest, an admin's .docx upload."""

from __future__ import annotations

from typing import Any

from flask import request

from document_templates import FieldSpec, Manifest
from webapp.api import actor, api, paginated
from webapp.forms import services
from webapp.forms.models import FormTemplate
from webapp.uow import commit


@api.get("/templates")
def list_templates() -> dict[str, Any]:
    items = services.list_templates()
    return paginated(items, len(items), template_json)


@api.get("/templates/<code>")
def get_template(code: str) -> dict[str, Any]:
    template = services.get_template(code)
    return {**template_json(template), "manifest": template.latest.manifest}


@api.post("/templates/<code>/docx")
def upload_template(code: str) -> tuple[dict[str, Any], int]:
    services.require_template_admin(actor())  # who may, before what was sent
    data = services.read_template_upload(request.files.get("file"))
    version = services.upload_template_docx(actor(), code, data)
    commit()
    return {**template_json(version.template)}, 201


def template_json(template: FormTemplate) -> dict[str, Any]:
    manifest = services.manifest_of(template.latest)
    return {
        "id": template.code,
        "title": template.title,
        "document_type": template.document_type,
        "version": template.latest.number,
        "fields": fields_json(manifest),
    }


def fields_json(manifest: Manifest) -> list[dict[str, Any]]:
    return [_field_json(section.title, spec) for section in manifest.sections for spec in section.fields]


def _field_json(section: str, spec: FieldSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"name": spec.name, "label": spec.label, "type": spec.type, "required": spec.required}
    if section:
        data["section"] = section
    if spec.help:
        data["help"] = spec.help
    if spec.options:
        data["options"] = list(spec.options)
    if spec.columns:
        data["columns"] = [column.model_dump() for column in spec.columns]
    if spec.rows:
        data["rows"] = list(spec.rows)
    if spec.role:
        data["role"] = spec.role
    return data
