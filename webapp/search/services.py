"""Keeping the search index in step with the database, and searching within the actor's permissions."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from document_templates import Manifest, form_text
from search_index import (
    IndexBusy,
    IndexDamaged,
    IndexedDocument,
    IndexMissing,
    IndexUnavailable,
    QueryError,
    SearchHit,
    SearchQuery,
    SearchResult,
    extract_text,
    extractable,
)
from search_index.index import SearchIndex
from search_index.postgres import PostgresSearchIndex
from webapp.archive.events import CaseDestroyed
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.cases.events import CaseEdited
from webapp.cases.models import Case
from webapp.cases.permissions import search_scope
from webapp.cases.services import require_content_access
from webapp.config import Settings
from webapp.dbtypes import utcnow
from webapp.documents.models import Document, DocumentVersion
from webapp.documents.services import get_document
from webapp.exceptions import StorageUnavailable, ValidationError
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.services import create_job, enqueue_committed_jobs, runner
from webapp.runtime import blob_store, search_index
from webapp.search.models import IndexOutbox, SearchSwitch, VersionText

log = logging.getLogger(__name__)
OUTBOX_BATCH = 50
OUTBOX_KEEP = dt.timedelta(days=1)  # applied rows stay this long, for a rebuild running meanwhile to replay
INLINE_TEXT_BYTES = 256 * 1024  # larger uploads are read for the index by a background job, not in the request
INDEX_JOB = "search_index"
POSTGRES = "postgres"
CLOCK_SLACK = dt.timedelta(minutes=1)  # rows stamped by other processes' clocks just before a rebuild began
SEARCH_UNAVAILABLE = (
    "Поиск сейчас недоступен: поисковый индекс утрачен или повреждён. Попросите администратора перестроить его "
    "командой casefiles reindex; дела и документы тем временем доступны как обычно."
)


QUEUED_ROWS = "casefiles.index_outbox"  # the session's queued rows, for index_before_commit


def enqueue_index(document_id: int) -> None:
    """Queue a document for (re)indexing in the caller's transaction; drained after commit."""
    _enqueue(IndexOutbox(document_id=document_id, operation="index"))


def enqueue_removal(document_id: int) -> None:
    _enqueue(IndexOutbox(document_id=document_id, operation="remove"))


def _enqueue(row: IndexOutbox) -> None:
    db.session.add(row)
    # Held here too: once flushed, the session keeps an unchanged row only as long as someone else does.
    db.session.info.setdefault(QUEUED_ROWS, []).append(row)


class Writer(Protocol):
    """What either index's `writing()` yields."""

    def index(self, docs: Iterable[IndexedDocument]) -> None: ...

    def remove(self, document_ids: Iterable[int]) -> None: ...


class DocumentFact(Protocol):
    """Any published fact about one document (a version added or signed, the document corrected or moved)."""

    @property
    def document_id(self) -> int: ...


def index_document(changed: DocumentFact) -> None:
    """Subscriber: a new version, a new signer's name, a correction or a move makes the document's index entry
    stale."""
    enqueue_index(changed.document_id)


# What of a case its documents' index entries carry: the number (and former numbers), the district, the entry.
INDEXED_CASE_FIELDS = frozenset({"district", "nomenclature_index", "number"})


def reindex_case(edited: CaseEdited) -> None:
    """Subscriber: a correction of what the index keeps of a case (a transfer, a new number) makes every one of
    its documents' entries stale."""
    if INDEXED_CASE_FIELDS.isdisjoint(edited.fields):
        return
    for document_id in db.session.scalars(select(Document.id).where(Document.case_id == edited.case_id)):
        enqueue_index(document_id)


def remove_destroyed(destroyed: CaseDestroyed) -> None:
    """Subscriber: a destroyed case's documents leave the index."""
    for document_id in destroyed.document_ids:
        enqueue_removal(document_id)


def index_before_commit() -> None:
    """Before-commit hook: with the index in the database, the unit of work's queued changes are applied in its
    own transaction, so what was saved is found the moment it is committed (no outbox lag). Documents whose text
    is slow to read stay queued for the job; a failure leaves the rows queued and never fails the unit of work."""
    index = search_index()
    if not isinstance(index, PostgresSearchIndex):
        return
    queued: list[IndexOutbox] = db.session.info.pop(QUEUED_ROWS, [])
    queued = [row for row in queued if row in db.session]  # not those of a unit of work rolled back
    if not queued:
        return
    db.session.flush()
    db.session.expire_all()  # read what the unit of work wrote (a document's latest version), not what it loaded
    rows = [row for row in queued if row.operation == "remove" or not _slow_to_read(row.document_id)]
    if not rows:
        return
    try:
        with db.session.begin_nested():
            with index.writing(db.session.connection()) as writer:
                _apply(writer, rows)
            now = utcnow()
            for row in rows:
                row.applied_at = now
    except Exception as exc:  # derived data: the change itself commits, its rows stay queued for the drain
        log.warning("search indexing failed (%s); queued changes stay queued", type(exc).__name__)


def drain_after_commit() -> None:
    """After-commit hook: apply what the unit of work queued, leaving slow text extraction to a job."""
    drain_outbox(inline=True)


def drain_outbox(batch_size: int = OUTBOX_BATCH, *, inline: bool = False) -> int:
    """Apply queued index changes in batches; on failure the rows stay queued for the next drain or `reindex`.
    `inline` (after a request's commit) leaves documents whose text is slow to read to a background job."""
    if _pending() == 0:  # the common case after a commit that changed no document: no lock, no index commit
        return 0
    deferred: set[int] | None = set() if inline else None
    done = 0
    while (batch := _apply_outbox_batch(batch_size, deferred)) is not None:
        applied, full = batch
        done += applied
        if not full:  # the rows queued when the lock was taken are all seen; later ones drain after their commit
            break
    if deferred:
        _request_index_job()
    return done


def replay_outbox() -> int:
    """At start: apply what a process that died between commit and indexing left queued, and in the first day
    after `casefiles search migrate`, what processes still searching the old index changed since the build."""
    try:
        _pending()
    except (OperationalError, ProgrammingError):  # no schema yet: `casefiles init` has not run
        db.session.rollback()
        return 0
    return _replay_since_switch() + drain_outbox()


def _replay_since_switch() -> int:
    """Processes started before the switch keep indexing into the old index until they restart; the outbox keeps
    their applied rows for OUTBOX_KEEP, and each process starting on the new index applies them again."""
    index = search_index()
    if not isinstance(index, PostgresSearchIndex):
        return 0
    switch = _switch()
    if switch is None or switch.built_from is None or utcnow() - switch.switched_at > OUTBOX_KEEP:
        return 0
    rows = db.session.scalars(
        select(IndexOutbox).where(IndexOutbox.created_at >= switch.built_from).order_by(IndexOutbox.id)
    ).all()
    if rows:
        with index.writing() as writer:
            _apply(writer, rows)
    db.session.rollback()
    return len(rows)


def choose_index(settings: Settings) -> SearchIndex | PostgresSearchIndex:
    """At start: the index searches use (CASEFILES_SEARCH). "auto" takes PostgreSQL's where that is the database
    and its index has been built (`casefiles search migrate --to postgres`) or a new installation needs none
    built; else the whoosh folder, saying how to move."""
    whoosh = SearchIndex(settings.index_dir, create=False)  # see open_index
    if settings.search == "whoosh" or db.engine.dialect.name != "postgresql":
        return whoosh
    if _switched_to_postgres():
        return PostgresSearchIndex(db.engine, workers=settings.index_workers)
    if not _has_documents():  # a new installation: it stays on PostgreSQL once it holds documents
        _record_switch()
        return PostgresSearchIndex(db.engine, workers=settings.index_workers)
    if settings.search == POSTGRES:
        return PostgresSearchIndex(db.engine, workers=settings.index_workers)
    log.warning("search: on the whoosh folder until `casefiles search migrate --to postgres` moves it to PostgreSQL")
    return whoosh


def _switched_to_postgres() -> bool:
    return _switch() is not None


def _switch() -> SearchSwitch | None:
    try:
        return db.session.get(SearchSwitch, POSTGRES)
    except (OperationalError, ProgrammingError):  # a schema older than the switches (`casefiles init` migrates)
        db.session.rollback()
        return None


def open_index() -> str:
    """At start: open the search index. An empty one is made only where the database holds no document it would
    lack (a new installation); a lost or damaged index is left for `casefiles reindex`, and searches answer 503
    saying so meanwhile, rather than silently finding nothing. Returns the state, for `casefiles init`."""
    index = search_index()
    if not index.holds_index() and not _has_documents():
        index.create()  # at once: a read would first wait out the retries meant for a commit in progress
        return "created"
    try:
        index.count()
        return "ready"
    except IndexMissing:
        if not _has_documents():
            index.create()
            return "created"
        state = "missing"
    except IndexDamaged:
        state = "damaged"
    log.warning("search index %s: searches answer 503 until `casefiles reindex` rebuilds it", state)
    return state


def _record_switch() -> None:
    # No schema yet (before `casefiles init`): at the next start; another process starting together recorded it.
    with contextlib.suppress(OperationalError, ProgrammingError, IntegrityError):
        db.session.add(SearchSwitch(backend=POSTGRES))
        db.session.commit()
    db.session.rollback()


def _has_documents() -> bool:
    try:
        return db.session.scalar(select(Document.id).limit(1)) is not None
    except (OperationalError, ProgrammingError):  # no schema yet: nothing to index
        db.session.rollback()
        return False


@runner(INDEX_JOB)
def index_deferred(job: Job) -> None:
    job.result = {"indexed": drain_outbox()}


def _pending() -> int:
    return db.session.scalar(select(func.count(IndexOutbox.id)).where(IndexOutbox.applied_at.is_(None))) or 0


def _apply_outbox_batch(batch_size: int, deferred: set[int] | None) -> tuple[int, bool] | None:
    """One batch under the index's write lock: the rows are read after the lock is taken, so no other process can
    apply an older state of a document over a newer one. A crash after the index commit replays the batch.
    Returns how many rows were applied and whether the batch was full (more may be queued: a drain goes on), or
    None when nothing is left to look at (or indexing failed); a batch that was not full spares the drain another
    take of the lock to find nothing. Every queued row of a document added to `deferred` stays queued, so its
    changes are later applied in order."""
    try:
        with search_index().writing() as writer:
            db.session.rollback()  # a fresh transaction: see every row committed before the lock was taken
            query = select(IndexOutbox).where(IndexOutbox.applied_at.is_(None))
            if deferred:
                query = query.where(IndexOutbox.document_id.not_in(deferred))
            rows = db.session.scalars(query.order_by(IndexOutbox.id).limit(batch_size)).all()
            if not rows:
                return None
            full = len(rows) == batch_size
            if deferred is not None:
                deferred.update(doc_id for doc_id in {row.document_id for row in rows} if _slow_to_read(doc_id))
                rows = [row for row in rows if row.document_id not in deferred]
            _apply(writer, rows)
    except IndexUnavailable as exc:  # lost or damaged: the rows wait for `casefiles reindex`
        db.session.rollback()
        log.warning("search index unavailable (%s); queued changes stay queued until `casefiles reindex`", exc)
        return None
    except Exception as exc:  # the index is derived data: never fail the request that changed the database
        db.session.rollback()
        log.warning("search indexing failed (%s); queued changes stay queued", type(exc).__name__)
        return None
    if rows:
        now = utcnow()
        applied = [row.id for row in rows]
        db.session.execute(update(IndexOutbox).where(IndexOutbox.id.in_(applied)).values(applied_at=now))
        db.session.execute(delete(IndexOutbox).where(IndexOutbox.applied_at < now - OUTBOX_KEEP))
        db.session.commit()
    return len(rows), full


def _slow_to_read(document_id: int) -> bool:
    """An uploaded file whose text must be extracted and is large: not read inside a person's request."""
    document = db.session.get(Document, document_id)
    version = document.latest_version if document is not None else None
    return (
        version is not None
        and version.form_data is None
        and version.size > INLINE_TEXT_BYTES
        and extractable(version.media_type)
    )


def _request_index_job() -> None:
    """One queued job drains whatever was deferred (a job already waiting will see the new rows too)."""
    if db.session.scalar(select(Job.id).where(Job.kind == INDEX_JOB, Job.status == "queued").limit(1)) is None:
        create_job(INDEX_JOB, {})
        db.session.commit()
        enqueue_committed_jobs()


def _apply(writer: Writer, rows: Sequence[IndexOutbox]) -> None:
    latest_operation = {row.document_id: row.operation for row in rows}
    writer.index(_indexed([doc_id for doc_id, op in latest_operation.items() if op == "index"]))
    writer.remove([doc_id for doc_id, op in latest_operation.items() if op == "remove"])


def reindex_all(batch_size: int = 100, progress: Callable[[int, int], None] | None = None) -> int:
    """Build a fresh index from the database and storage beside the live one (or where a lost or damaged one
    was) and swap it in; search keeps answering from the live index meanwhile. Changes made during the build are
    replayed into the fresh index under the live index's write lock, just before the swap; what is still queued
    after it (changes made while the index was unavailable) is applied then. `progress` hears (done, total)."""
    count = _build(search_index(), utcnow() - CLOCK_SLACK, batch_size, progress)
    drain_outbox()
    return count


def migrate_to_postgres(batch_size: int = 100, progress: Callable[[int, int], None] | None = None) -> int:
    """`casefiles search migrate --to postgres`: build the index in PostgreSQL from the database while the whoosh
    folder keeps serving searches, then record the switch, so that every process started from now on searches
    there ("auto"); what processes still running on whoosh change meanwhile is replayed at their restart."""
    if db.engine.dialect.name != "postgresql":
        raise ValidationError("Поиск в PostgreSQL возможен, только если база данных — PostgreSQL", code="invalid")
    started = utcnow() - CLOCK_SLACK
    # The rows stay unapplied: the processes still on whoosh apply them there.
    workers = current_app.config["CASEFILES"].index_workers
    count = _build(PostgresSearchIndex(db.engine, workers=workers), started, batch_size, progress, mark_applied=False)
    switch = db.session.get(SearchSwitch, POSTGRES) or SearchSwitch(backend=POSTGRES)
    switch.built_from, switch.switched_at = started, utcnow()
    db.session.add(switch)
    db.session.commit()
    return count


def _build(
    index: SearchIndex | PostgresSearchIndex,
    started: dt.datetime,
    batch_size: int,
    progress: Callable[[int, int], None] | None,
    *,
    mark_applied: bool = True,
) -> int:
    """Rebuild `index` from every document; the outbox rows queued since `started` are applied to it last (and
    with `mark_applied`, marked applied)."""
    total = db.session.scalar(select(func.count(Document.id))) or 0

    def catch_up(writer: Writer) -> None:
        db.session.rollback()
        rows = db.session.scalars(
            select(IndexOutbox).where(IndexOutbox.created_at >= started).order_by(IndexOutbox.id)
        ).all()
        _apply(writer, rows)
        if not mark_applied:
            db.session.rollback()
            return
        db.session.execute(
            update(IndexOutbox)
            .where(IndexOutbox.applied_at.is_(None), IndexOutbox.id.in_([row.id for row in rows]))
            .values(applied_at=utcnow())
        )
        db.session.commit()

    return index.rebuild(
        _all_indexed(batch_size),
        progress=(lambda done: progress(done, total)) if progress else None,
        catch_up=catch_up,
    )


@dataclasses.dataclass(frozen=True)
class Drift:
    """How the index differs from the database."""

    missing: list[int]  # documents not in the index
    stale: list[int]  # indexed at another version
    extra: list[int]  # in the index, but deleted or destroyed
    queued: int  # changes waiting in the outbox

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def check_index() -> Drift:
    """Compare the index with the database: every readable document's latest version, nothing else."""
    indexed = search_index().contents()
    expected: dict[int, int] = {}
    rows = db.session.execute(
        select(DocumentVersion.document_id, func.max(DocumentVersion.number))
        .join(Document, Document.id == DocumentVersion.document_id)
        .join(Case, Case.id == Document.case_id)
        .where(Case.status != "destroyed")
        .group_by(DocumentVersion.document_id)
    ).all()
    expected = {int(document_id): int(number) for document_id, number in rows}
    queued = _pending()
    return Drift(
        missing=sorted(set(expected) - set(indexed)),
        stale=sorted(doc for doc, version in indexed.items() if doc in expected and expected[doc] != version),
        extra=sorted(set(indexed) - set(expected)),
        queued=queued,
    )


def similar_documents(actor: User, document_id: int) -> list[SearchHit]:
    """More like this document, among the documents the actor may read (the document itself checked too)."""
    document = get_document(actor, document_id)
    require_content_access(actor, document.case)
    districts, granted = search_scope(actor)
    try:
        return search_index().similar(document_id, SearchQuery(allowed_districts=districts, allowed_case_ids=granted))
    except IndexUnavailable:
        raise StorageUnavailable(SEARCH_UNAVAILABLE, code="search_unavailable") from None


def search(actor: User, query: SearchQuery) -> SearchResult:
    districts, granted = search_scope(actor)
    scoped = dataclasses.replace(query, allowed_districts=districts, allowed_case_ids=granted)
    try:
        result = search_index().search(scoped)
    except QueryError as exc:
        raise ValidationError(f"Не удалось разобрать запрос: {exc}", code="invalid_query") from None
    except IndexBusy:
        raise StorageUnavailable("Поисковый индекс занят, повторите запрос", code="search_busy") from None
    except IndexUnavailable:
        raise StorageUnavailable(SEARCH_UNAVAILABLE, code="search_unavailable") from None
    # Hits show passages of content: the search is on record, its words are not (they may name a family).
    record_event(actor, "search.query", "search", None, hits=result.total)
    return result


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
        text = ""
        if extractable(version.media_type):  # scans hold no text: not fetched from storage, OCR text below
            with blob_store().open(version.blob_key) as stream:
                text = extract_text(stream, version.media_type)
        recognised = db.session.scalar(select(VersionText.text).where(VersionText.version_id == version.id))
        text = f"{text}\n{recognised}".strip() if recognised else text
    return IndexedDocument(
        document_id=document.id,
        version=version.number,
        case_id=case.id,
        case_number=case.number,
        former_case_numbers=" ".join(former.number for former in case.former_numbers),
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
