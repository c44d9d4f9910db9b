"""Keeping the search index in step with the database, and searching within the actor's permissions."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

from sqlalchemy import delete, select

from document_templates import Manifest, form_text
from search_index import IndexedDocument, QueryError, SearchQuery, SearchResult, extract_text
from webapp.auth.models import User
from webapp.cases.permissions import search_scope
from webapp.documents.models import Document
from webapp.exceptions import ValidationError
from webapp.extensions import db
from webapp.runtime import blob_store, search_index
from webapp.search.models import IndexOutbox

log = logging.getLogger(__name__)
OUTBOX_BATCH = 50


def enqueue_index(document_id: int) -> None:
    """Queue a document for (re)indexing in the caller's transaction; drained after commit."""
    db.session.add(IndexOutbox(document_id=document_id, operation="index"))


def enqueue_removal(document_id: int) -> None:
    db.session.add(IndexOutbox(document_id=document_id, operation="remove"))


def drain_outbox(batch_size: int = OUTBOX_BATCH) -> int:
    """Apply queued index changes in batches; on failure the rows stay queued for the next drain or `reindex`."""
    done = 0
    while (applied := _apply_outbox_batch(batch_size)) > 0:
        done += applied
    return done


def _apply_outbox_batch(batch_size: int) -> int:
    rows = db.session.scalars(select(IndexOutbox).order_by(IndexOutbox.id).limit(batch_size)).all()
    if not rows:
        return 0
    last_id = rows[-1].id
    latest_operation = {row.document_id: row.operation for row in rows}
    try:
        to_index = [doc_id for doc_id, op in latest_operation.items() if op == "index"]
        search_index().index(_indexed(to_index))
        search_index().remove([doc_id for doc_id, op in latest_operation.items() if op == "remove"])
    except Exception as exc:  # the index is derived data: never fail the request that changed the database
        db.session.rollback()
        log.warning("search indexing failed (%s); %d queued changes stay queued", type(exc).__name__, len(rows))
        return 0
    db.session.execute(delete(IndexOutbox).where(IndexOutbox.id <= last_id))
    db.session.commit()
    return len(rows)


def reindex_all(batch_size: int = 100) -> int:
    """Rebuild the index from the database and storage; queued changes are covered by the rebuild."""
    db.session.execute(delete(IndexOutbox))
    count = search_index().rebuild(_all_indexed(batch_size))
    db.session.commit()
    return count


def search(actor: User, query: SearchQuery) -> SearchResult:
    scoped = dataclasses.replace(query, allowed_districts=search_scope(actor), allowed_case_ids=frozenset())
    try:
        return search_index().search(scoped)
    except QueryError as exc:
        raise ValidationError(f"Не удалось разобрать запрос: {exc}", code="invalid_query") from None


def _all_indexed(batch_size: int) -> Iterator[IndexedDocument]:
    last_id = 0
    while True:
        ids = db.session.scalars(
            select(Document.id).where(Document.id > last_id).order_by(Document.id).limit(batch_size)
        ).all()
        if not ids:
            return
        yield from _indexed(list(ids))
        last_id = ids[-1]
        db.session.expunge_all()


def _indexed(document_ids: list[int]) -> Iterator[IndexedDocument]:
    for document_id in document_ids:
        document = db.session.get(Document, document_id)
        if document is not None and document.latest_version is not None and document.case.status != "destroyed":
            yield _to_indexed(document)


def _to_indexed(document: Document) -> IndexedDocument:
    version = document.latest_version
    assert version is not None
    case = document.case
    if version.template_version is not None and version.form_data is not None:
        text = form_text(Manifest.model_validate(version.template_version.manifest), version.form_data)
    else:
        with blob_store().open(version.blob_key) as stream:
            text = extract_text(stream, version.media_type)
    return IndexedDocument(
        document_id=document.id,
        version=version.number,
        case_id=case.id,
        case_number=case.number,
        title=document.title,
        type=document.type,
        date=document.dated_on,
        district=case.district.code,
        nomenclature=case.entry.index,
        nomenclature_title=case.entry.title,
        year=case.year,
        text=text,
        author=version.author.full_name,
        signers=", ".join(
            [signature.signer.full_name for signature in version.signatures]
            + [paper.name for paper in version.paper_signatures]
        ),
    )
