"""Correcting what was filed: a document's details (title, type, date) with a reason recorded in the case's
history, and an earlier version restored as the next one. A stored version's bytes never change."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Mapping
from typing import Any, BinaryIO, cast

import pydantic

from webapp.auth.models import User
from webapp.blobs.integrity import checked_chunks
from webapp.cases.lifecycle import record_case_event
from webapp.cases.models import Case
from webapp.cases.permissions import can_write_case
from webapp.documents import services
from webapp.documents.events import DocumentEdited
from webapp.documents.models import DOCUMENT_TYPES, Document, DocumentVersion
from webapp.documents.schemas import Upload, VersionMeta
from webapp.events import publish
from webapp.exceptions import Conflict, Forbidden, NotFound, ValidationError
from webapp.extensions import db
from webapp.policy import Action, allowed
from webapp.validation import StrictInput, parse_input, require_revision

EDITABLE_FIELDS = ("title", "type", "date")
# Restored bytes larger than this wait on disk, not in memory, between the store's read and its write.
SPOOL_BYTES = 8 * 1024 * 1024


class DocumentEdit(StrictInput):
    """The details of a document that may be corrected, and why (the revision is taken apart: If-Match)."""

    title: str | None = pydantic.Field(default=None, min_length=1, max_length=500)
    type: str | None = None
    date: dt.date | None = None
    reason: str = pydantic.Field(min_length=1, max_length=2000)

    @pydantic.field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is not None and value not in DOCUMENT_TYPES:
            raise ValueError("неизвестный тип документа; допустимы: " + ", ".join(DOCUMENT_TYPES))
        return value


def case_refusal(case: Case) -> Conflict | None:
    """Why the documents of a case that is not open (or is held) take no change, or None when they do."""
    if case.status == "destroyed":
        return Conflict("Дело уничтожено по акту: сведения о его документах не меняются", code="case_destroyed")
    if case.is_on_hold:
        return Conflict("Дело на удержании (legal hold): документы не меняются до его снятия", code="case_on_hold")
    if case.status == "transferred":
        return Conflict("Дело передано в архив по описи: документы не меняются", code="case_transferred")
    if case.status != "open":
        return Conflict("Дело закрыто: документы не меняются", code="case_closed")
    return None


def edit_document(actor: User, document_id: int, data: Mapping[str, Any], *, revision: int | None) -> Document:
    """Correct a document's title, type or date with a reason. Its writers do it while the case is open; the
    archivist corrects a title in a closed, transferred or held case too (never in a destroyed one)."""
    document = services.get_document(actor, document_id)
    case = document.case
    refusal = case_refusal(case)
    archival = refusal is not None and case.status != "destroyed" and allowed(actor, Action.KEEP_ARCHIVE)
    if not archival and not can_write_case(actor, case):
        raise Forbidden("Нет права изменять документы этого дела")
    edit = parse_input(DocumentEdit, dict(data))
    for name in EDITABLE_FIELDS:
        if name in edit.model_fields_set and getattr(edit, name) is None:
            raise ValidationError(f"{name}: пустое значение", code="invalid")
    changes = _changes(document, edit)
    fields = tuple(change["field"] for change in changes)
    if refusal is not None and (not archival or set(fields) - {"title"}):
        raise refusal
    if "type" in fields and any(version.template_version_id for version in document.versions):
        raise Conflict("type: документ заполнен по форме, его тип задан формой и не меняется", code="form_type")
    require_revision(revision, document.revision, record="документа")
    if not changes:
        raise ValidationError("Нечего менять: новые значения совпадают с прежними", code="no_changes")
    if edit.title is not None:
        document.title = edit.title
    if edit.type is not None:
        document.type = edit.type
    if edit.date is not None:
        document.dated_on = edit.date
    db.session.flush()  # the revision moves on here; a change made meanwhile is a StaleDataError (409)
    record_case_event(actor, case, "document_edit", edit.reason, document_id=document.id, changes=changes)
    publish(DocumentEdited(document.id, case.id, actor.id, fields))
    return document


def _changes(document: Document, edit: DocumentEdit) -> list[dict[str, Any]]:
    """Old -> new of each field that changes, in the words the case's history shows."""
    changes: list[dict[str, Any]] = []
    if edit.title is not None and edit.title != document.title:
        changes.append({"field": "title", "old": document.title, "new": edit.title})
    if edit.type is not None and edit.type != document.type:
        changes.append({"field": "type", "old": document.type_label, "new": DOCUMENT_TYPES[edit.type]})
    if edit.date is not None and edit.date != document.dated_on:
        old = document.dated_on.strftime("%d.%m.%Y") if document.dated_on else ""
        changes.append({"field": "date", "old": old, "new": edit.date.strftime("%d.%m.%Y")})
    return changes


def restore_version(actor: User, document_id: int, number: int, *, base_version: int) -> DocumentVersion:
    """Version `number`'s bytes as the next version, through the path every new version takes (the base version
    checked, the lock, the workflow, search, the PDF copy); a form's values and template go along."""
    document = services.writable_document(actor, document_id)
    source = next((version for version in document.versions if version.number == number), None)
    if source is None:
        raise NotFound("Версия не найдена")
    comment = f"Восстановлена из версии {number}"
    _, blob = services.open_version_content(actor, document_id, number)  # read audited, checked on the way
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as copy:
        for chunk in checked_chunks(blob):
            copy.write(chunk)
        copy.seek(0)
        if source.template_version_id is not None and source.form_data is not None:
            form = services.RenderedForm(copy.read(), source.template_version_id, source.form_data)
            return services.add_rendered_version(actor, document, base_version, form, comment=comment)
        meta = VersionMeta.model_validate({"base_version": base_version, "comment": comment, **_paper(source)})
        return services.add_version(actor, document_id, meta, Upload(cast(BinaryIO, copy), f"restored-{number}"))


def _paper(version: DocumentVersion) -> dict[str, str]:
    """A scan signed on paper stays one: its signers go along with its bytes."""
    if not version.paper_signatures:
        return {}
    signers = [{"name": paper.name, "role": paper.role} for paper in version.paper_signatures]
    return {"paper_signers": json.dumps(signers, ensure_ascii=False)}
