"""Form templates: syncing the built-in ones, admin uploads, filling forms into document versions, diffs."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

import document_templates as forms
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.blobs.models import StoredFile
from webapp.documents import services as documents
from webapp.documents.media import DOCX, sniff_media_type
from webapp.documents.models import Document, DocumentVersion
from webapp.exceptions import BrokenTemplate, InvalidForm, ValidationError
from webapp.extensions import db
from webapp.forms.models import FormTemplate, FormTemplateVersion
from webapp.policy import SYSTEM, Action, Actor, require
from webapp.runtime import blob_store

log = logging.getLogger(__name__)


def sync_builtin_templates() -> list[str]:
    """Register each built-in form, or a new version of it when its manifest or .docx changed."""
    changed = []
    for code in forms.builtin_ids():
        manifest, docx = forms.load_manifest(code), forms.template_docx(code)
        template = db.session.scalar(select(FormTemplate).where(FormTemplate.code == code))
        if template is None:
            template = FormTemplate(code=code, title=manifest.title, document_type=manifest.document_type)
            db.session.add(template)
            db.session.flush()
        builtin = [v for v in template.versions if v.source == "builtin"]
        manifest_json = manifest.model_dump(mode="json")
        if builtin and builtin[-1].docx_sha256 == _sha256(docx) and builtin[-1].manifest == manifest_json:
            continue
        _add_template_version(template, manifest_json, docx, source="builtin", actor=SYSTEM)
        template.title, template.document_type = manifest.title, manifest.document_type
        changed.append(code)
    return changed


def list_templates() -> Sequence[FormTemplate]:
    return db.session.scalars(select(FormTemplate).order_by(FormTemplate.title)).all()


def get_template(code: str) -> FormTemplate:
    template = db.session.scalar(select(FormTemplate).where(FormTemplate.code == code))
    if template is None or not template.versions:
        raise ValidationError("Неизвестный шаблон документа", code="unknown_template")
    return template


def manifest_of(version: FormTemplateVersion) -> forms.Manifest:
    return forms.Manifest.model_validate(version.manifest)


MAX_TEMPLATE_BYTES = 10 * 1024 * 1024


def read_template_upload(file: FileStorage | None) -> bytes:
    """The bytes of an uploaded template DOCX, refused when missing, empty or over 10 MB."""
    data = file.stream.read(MAX_TEMPLATE_BYTES + 1) if file is not None and file.filename else b""
    if not data:
        raise ValidationError("Приложите файл .docx в поле file", code="missing_file")
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ValidationError("Шаблон больше 10 МБ", code="too_large")
    return data


def require_template_admin(actor: User) -> None:
    require(actor, Action.MANAGE_TEMPLATES)


def upload_template_docx(actor: User, code: str, docx: bytes) -> FormTemplateVersion:
    """An admin's own layout of a form: accepted only if it uses every field and nothing else, and fills in with
    the form's example and with an empty form within the sandbox's limits."""
    require_template_admin(actor)
    template = get_template(code)
    if sniff_media_type(io.BytesIO(docx)) != DOCX:  # by content, zip bombs refused
        raise ValidationError("Шаблон должен быть документом DOCX", code="template_mismatch")
    manifest = manifest_of(template.latest)
    try:
        forms.check_template(manifest, docx, _examples(code, manifest))
    except forms.TemplateMismatch as exc:
        raise ValidationError(f"Шаблон не принят: {exc}", code="template_mismatch") from None
    version = _add_template_version(template, template.latest.manifest, docx, source="upload", actor=actor)
    record_event(actor, "template.upload", "form_template", template.id, version=version.number)
    return version


def _examples(code: str, manifest: forms.Manifest) -> list[forms.FormValues]:
    """The built-in form's filled-in example, to try an uploaded layout on."""
    if code not in forms.builtin_ids():
        return []
    try:
        return [forms.validate_values(manifest, forms.example_values(code))]
    except forms.FormInvalid:  # an example of an older manifest than the one stored
        return []


def _add_template_version(
    template: FormTemplate, manifest: dict[str, Any], docx: bytes, *, source: str, actor: Actor
) -> FormTemplateVersion:
    number = (template.latest.number if template.versions else 0) + 1
    key = f"templates/{template.code}/v{number}-{secrets.token_hex(4)}"
    stored = blob_store().put(key, io.BytesIO(docx), media_type=DOCX)
    version = FormTemplateVersion(
        template_id=template.id,
        number=number,
        manifest=manifest,
        file=StoredFile.of(stored, "template", DOCX),
        source=source,
        created_by_id=actor.id,
    )
    db.session.add(version)
    db.session.flush()
    db.session.refresh(template, ["versions"])
    return version


def create_form_document(
    actor: User,
    case_id: int,
    code: str,
    fields: Any,
    *,
    title: str | None = None,
    dated_on: dt.date | None = None,
) -> Document:
    template_version = get_template(code).latest
    manifest = manifest_of(template_version)
    values = _validated(manifest, fields)
    title = title or _default_title(manifest, values)
    rendered = _render(template_version, manifest, values)
    dated_on = dated_on or _form_date(manifest, values)
    return documents.add_rendered_document(
        actor,
        case_id,
        documents.RenderedForm(rendered, template_version.id, values),
        document_type=manifest.document_type,
        title=title,
        dated_on=dated_on,
    )


def _form_date(manifest: forms.Manifest, values: dict[str, Any]) -> dt.date | None:
    """A form's own date (the act's day of inspection, the passport's date): its first date field, if filled."""
    for spec in manifest.fields:
        if spec.type == "date" and values.get(spec.name):
            try:
                return dt.date.fromisoformat(str(values[spec.name]))
            except ValueError:
                return None
    return None


def add_form_version(actor: User, document_id: int, base_version: int, fields: Any, comment: str) -> DocumentVersion:
    """A new version of a form keeps the template version the document was made with, so it prints alike."""
    document = documents.get_document(actor, document_id)
    template_version = _template_version_of(document)
    manifest = manifest_of(template_version)
    values = _validated(manifest, fields)
    rendered = _render(template_version, manifest, values)
    form = documents.RenderedForm(rendered, template_version.id, values)
    return documents.add_rendered_version(actor, document, base_version, form, comment=comment)


def version_diff(actor: User, document_id: int, number: int, against: int) -> list[forms.FieldChange]:
    """What changed between two versions of a form, by field; reading values is audited."""
    after = documents.get_version(actor, document_id, number)
    before = documents.get_version(actor, document_id, against)
    if after.form_data is None or before.form_data is None or after.template_version is None:
        raise ValidationError("Сравнение по полям доступно только для документов по шаблону", code="not_a_form")
    record_event(actor, "version.diff", "document", document_id, version=number, against=against)
    return forms.diff_values(manifest_of(after.template_version), before.form_data, after.form_data)


def read_form_values(actor: User, document_id: int, number: int) -> dict[str, Any]:
    version = documents.get_version(actor, document_id, number)
    if version.form_data is None:
        raise ValidationError("Версия загружена файлом, полей формы у неё нет", code="not_a_form")
    record_event(actor, "version.read_fields", "document", document_id, version=number)
    return version.form_data


def form_of_version(version: DocumentVersion) -> tuple[forms.Manifest, dict[str, Any]] | None:
    if version.template_version is None or version.form_data is None:
        return None
    return manifest_of(version.template_version), version.form_data


def _template_version_of(document: Document) -> FormTemplateVersion:
    latest = document.latest_version
    if latest is None or latest.template_version is None:
        raise ValidationError(
            "Документ загружен файлом, а не заполнен по шаблону: загрузите новый файл", code="not_a_form"
        )
    return latest.template_version


def _validated(manifest: forms.Manifest, fields: Any) -> forms.FormValues:
    try:
        return forms.validate_values(manifest, fields)
    except forms.FormInvalid as exc:
        details = [{"field": e.field, "label": e.label, "message": e.message} for e in exc.errors]
        first = exc.errors[0]
        raise InvalidForm(
            f"Проверьте поля формы ({len(details)}): {first.label} — {first.message}", details=details
        ) from None


def _render(version: FormTemplateVersion, manifest: forms.Manifest, values: forms.FormValues) -> bytes:
    with blob_store().open(version.file.key) as stream:
        template = stream.read()
    try:
        return forms.render_docx(manifest, template, values)
    except forms.TemplateFailed as exc:  # its text is template text and the sandbox's words, never a value
        log.error("form template %s v%d cannot be filled in: %s", version.template.code, version.number, exc)
        raise BrokenTemplate(
            f"Шаблон формы «{manifest.title}» не удаётся заполнить ({exc}). Сообщите администратору: "
            "исправленный шаблон загружается на странице «Шаблоны»"
        ) from None


def _default_title(manifest: forms.Manifest, values: forms.FormValues) -> str:
    named = values.get(manifest.title_field) if manifest.title_field else None
    return f"{manifest.title}: {named}"[:500] if named else manifest.title


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
