"""Documents and their versions: upload, new versions, reading content."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from dataclasses import dataclass
from typing import Any, BinaryIO, NamedTuple

from sqlalchemy import func, select

from storage import BlobExists, version_key
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.blobs.integrity import OpenBlob, version_ref
from webapp.blobs.models import StoredFile
from webapp.cases.models import Case
from webapp.cases.permissions import can_see_case, can_write_case, readable_cases_clause
from webapp.cases.services import get_case, require_content_access
from webapp.documents import workflow
from webapp.documents.events import VersionAdded
from webapp.documents.media import DOCX, is_scan, sniff_media_type
from webapp.documents.models import Document, DocumentCheckout, DocumentVersion, PaperSignature
from webapp.documents.schemas import DocumentMeta, PaperSigner, Upload, VersionMeta, title_from_filename
from webapp.events import publish
from webapp.exceptions import Conflict, Forbidden, Gone, Locked, NotFound, UnsupportedMediaType
from webapp.extensions import db
from webapp.runtime import blob_store, local_time


def add_document(
    actor: User, case_id: int, meta: DocumentMeta, upload: Upload, *, today: dt.date | None = None
) -> Document:
    """File an uploaded file as a new document of a case."""
    title = meta.title or title_from_filename(upload.filename)
    media_type = sniff_media_type(upload.stream)
    document = _new_document(actor, case_id, meta.type, title, meta.date or today)
    _store_version(actor, document, upload.stream, media_type, comment=meta.comment, paper=meta.paper_signers)
    return document


def _new_document(actor: User, case_id: int, document_type: str, title: str, dated_on: dt.date | None) -> Document:
    """The document row, audited; its date defaults to the day it is registered."""
    case = get_case(actor, case_id)
    _require_writable(actor, case)
    document = Document(
        case_id=case.id, type=document_type, title=title, dated_on=dated_on or dt.date.today(), created_by_id=actor.id
    )
    db.session.add(document)
    db.session.flush()
    record_event(actor, "document.create", "document", document.id, case_id=case.id)
    return document


def add_version(actor: User, document_id: int, meta: VersionMeta, upload: Upload) -> DocumentVersion:
    document = get_document(actor, document_id)
    _require_next_version(actor, document, meta.base_version)
    media_type = sniff_media_type(upload.stream)
    version = _store_version(actor, document, upload.stream, media_type, comment=meta.comment, paper=meta.paper_signers)
    record_event(actor, "version.create", "document", document.id, version=version.number)
    workflow.after_new_version(actor, document, meta.comment)
    return version


@dataclass(frozen=True)
class RenderedForm:
    """A filled form: its rendered DOCX, the template version that rendered it, the values."""

    docx: bytes
    template_version_id: int
    values: dict[str, Any]


def add_rendered_document(
    actor: User,
    case_id: int,
    form: RenderedForm,
    *,
    document_type: str,
    title: str,
    dated_on: dt.date | None,
) -> Document:
    document = _new_document(actor, case_id, document_type, title, dated_on)
    _store_version(actor, document, io.BytesIO(form.docx), DOCX, comment="", form=form)
    return document


def add_rendered_version(
    actor: User, document: Document, base_version: int, form: RenderedForm, *, comment: str
) -> DocumentVersion:
    _require_next_version(actor, document, base_version)
    version = _store_version(actor, document, io.BytesIO(form.docx), DOCX, comment=comment, form=form)
    record_event(actor, "version.create", "document", document.id, version=version.number)
    workflow.after_new_version(actor, document, comment)
    return version


def _require_next_version(actor: User, document: Document, base_version: int) -> None:
    """Optimistic concurrency: a new version must be based on the latest one."""
    _require_writable(actor, document.case)
    workflow.require_not_annulled(document)
    checkout = require_not_locked(actor, document)
    latest = document.latest_version
    if latest is None or base_version != latest.number:
        raise Conflict(
            f"Версия {base_version} не последняя: документ уже изменён (последняя версия "
            f"{latest.number if latest else 0}). Откройте последнюю версию и внесите изменения в неё.",
            code="stale_base_version",
        )
    if checkout is not None:  # the holder's new version is the check-in: the document is free again
        db.session.delete(checkout)
        record_event(actor, "document.checkin", "document", document.id)


def require_not_locked(actor: User, document: Document) -> DocumentCheckout | None:
    """The document's check-out if the actor holds it; Locked (423) naming the holder and since when if someone
    else does (staff names are not family data)."""
    checkout = db.session.get(DocumentCheckout, document.id)
    if checkout is not None and checkout.holder_id != actor.id:
        since = local_time(checkout.since).strftime("%d.%m.%Y %H:%M")
        raise Locked(
            f"Документ на редактировании у {checkout.holder.full_name or checkout.holder.username} с {since}: "
            "новые версии и взятие на редактирование недоступны, пока документ не вернут с новой версией или не "
            "отменят редактирование"
        )
    return checkout


def get_document(actor: User, document_id: int) -> Document:
    """A document of a case the actor sees: its metadata (title, versions, hashes), not its content."""
    document = db.session.get(Document, document_id)
    if document is None or not can_see_case(actor, document.case):
        raise NotFound("Документ не найден")
    return document


def get_version(actor: User, document_id: int, number: int) -> DocumentVersion:
    """A version whose content may be read: the gateway of every content read (file, PDF, form fields)."""
    document = get_document(actor, document_id)
    require_content_access(actor, document.case)
    if document.case.status == "destroyed":
        raise Gone("Содержимое дела уничтожено по утверждённому акту; остались только сведения о документах")
    for version in document.versions:
        if version.number == number:
            return version
    raise NotFound("Версия не найдена")


def open_version_content(actor: User, document_id: int, number: int) -> tuple[DocumentVersion, OpenBlob]:
    """Open the stored bytes for reading, with the hash to check them against on the way out; every read is an
    audit event in the caller's transaction."""
    version = get_version(actor, document_id, number)
    stream = blob_store().open(version.blob_key)
    record_event(actor, "version.read", "document", document_id, version=number)
    return version, OpenBlob(stream, version_ref(version))


def _store_version(
    actor: User,
    document: Document,
    stream: BinaryIO,
    media_type: str,
    *,
    comment: str,
    form: RenderedForm | None = None,
    paper: list[PaperSigner] | None = None,
) -> DocumentVersion:
    """Write the blob first, then the row: a failed write leaves no row; a failed commit leaves an orphan blob
    that storage gc collects. The random suffix keeps a retry from colliding with such an orphan."""
    if paper and not is_scan(media_type):
        raise UnsupportedMediaType(
            "Подписанный на бумаге экземпляр загружается сканом: PDF или изображение (PNG, JPEG, TIFF)"
        )
    number = (document.latest_version.number if document.latest_version else 0) + 1
    case = document.case
    key = version_key(case.year, case.entry.index, case.sequence, document.id, number)
    key = f"{key}-{secrets.token_hex(4)}"
    try:
        stored = blob_store().put(key, stream, media_type=media_type)
    except BlobExists:
        raise Conflict("Версия уже записывается, повторите позже", code="version_conflict") from None
    version = DocumentVersion(
        document_id=document.id,
        number=number,
        file=StoredFile.of(stored, "version", media_type),
        author_id=actor.id,
        comment=comment,
        template_version_id=form.template_version_id if form else None,
        form_data=form.values if form else None,
        signed_on_paper=bool(paper),
        paper_signatures=[
            PaperSignature(position=position, name=signer.name, role=signer.role)
            for position, signer in enumerate(paper or (), start=1)
        ],
    )
    db.session.add(version)
    db.session.flush()
    db.session.refresh(document, ["versions"])
    publish(VersionAdded(document.id, version.id, number, media_type, actor.id))
    return version


def writable_case(actor: User, case_id: int) -> Case:
    """The case, if the actor may add documents to it (asked before looking at what was sent)."""
    case = get_case(actor, case_id)
    _require_writable(actor, case)
    return case


def writable_document(actor: User, document_id: int) -> Document:
    document = get_document(actor, document_id)
    _require_writable(actor, document.case)
    return document


def _require_writable(actor: User, case: Case) -> None:
    if not can_write_case(actor, case):
        raise Forbidden("Нет права изменять документы этого дела")
    if case.status != "open":
        raise Conflict("Дело закрыто: новые документы и версии не принимаются", code="case_closed")


def documents_of_case(actor: User, case_id: int) -> tuple[Case, list[Document]]:
    case = get_case(actor, case_id)
    documents = db.session.scalars(
        select(Document).where(Document.case_id == case.id).order_by(Document.dated_on, Document.id)
    ).all()
    return case, list(documents)


def page_of_documents(actor: User, case_id: int, *, page: int, per_page: int) -> tuple[Case, list[Document], int]:
    """One page of a case's documents (as `documents_of_case` orders them) and how many the case has: a case of a
    thousand documents answers as fast as one of fifty. Their versions and signatures come with them (selectin)."""
    case = get_case(actor, case_id)
    total = db.session.scalar(select(func.count(Document.id)).where(Document.case_id == case.id)) or 0
    query = select(Document).where(Document.case_id == case.id).order_by(Document.dated_on, Document.id)
    documents = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)).all()
    return case, list(documents), total


class DocumentTitle(NamedTuple):
    id: int
    title: str


def document_titles(case: Case) -> list[DocumentTitle]:
    """Every document of a case the caller has reached, in the case's order, by id and title: for choosing one
    (the case page lists one page of documents in full)."""
    query = select(Document.id, Document.title).where(Document.case_id == case.id)
    rows = db.session.execute(query.order_by(Document.dated_on, Document.id))
    return [DocumentTitle(row.id, row.title) for row in rows]


def recent_versions(actor: User, limit: int) -> list[DocumentVersion]:
    """The latest versions added in the cases the actor may read (destroyed cases left out)."""
    latest = select(DocumentVersion).join(Document).join(Case).where(Case.status != "destroyed")
    visible = readable_cases_clause(actor)
    if visible is not None:
        latest = latest.where(visible)
    return list(db.session.scalars(latest.order_by(DocumentVersion.id.desc()).limit(limit)))
