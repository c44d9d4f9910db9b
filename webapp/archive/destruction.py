"""Destruction of files whose retention has expired: the list, the act, the head's approval, the destruction.

Nothing is destroyed without an approved act. A held case is never listed, never put in an act, and never
destroyed, even if a hold was set after the act was approved. A file of an ЭПК entry needs the expert
commission's mark first. Destruction deletes the stored content, the form values and the index entries; the
case's and documents' metadata, the case history and the act stay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from storage import StorageError
from webapp.archive.common import institution_name, next_number, require_archivist
from webapp.archive.events import CaseDestroyed
from webapp.archive.files import pdf_bytes, read_blob, store_docx, store_pdf_of
from webapp.archive.models import ArchiveInventory, DestructionAct
from webapp.archive.paperwork import DestructionActPaper, destruction_act_docx
from webapp.archive.sheets import paper_case
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.blobs.models import StoredFile
from webapp.blobs.retention import lock_in_force
from webapp.cases.lifecycle import record_case_event
from webapp.cases.models import Case
from webapp.documents.media import DOCX
from webapp.documents.models import Document, DocumentVersion, PaperSignature
from webapp.events import publish
from webapp.exceptions import Conflict, NotFound, ValidationError
from webapp.exports.services import purge_expired_exports
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.services import JobFailed, create_job, runner, set_progress
from webapp.policy import Action, require
from webapp.previews.models import PagePreview, PreviewPage
from webapp.renditions.models import Rendition
from webapp.runtime import blob_store
from webapp.search.models import VersionText
from webapp.uow import commit

JOB_KIND = "destruction"
DESTROYABLE_STATUSES = ("closed", "transferred")


@dataclass(frozen=True)
class DestructionList:
    ready: list[Case]  # may go into an act now
    awaiting_review: list[Case]  # ЭПК files without the expert commission's mark
    held: list[Case]  # expired, but under a legal hold: excluded


def destruction_list(actor: User, today: dt.date) -> DestructionList:
    """Closed files whose retention has expired by `today` and which are not in an act yet."""
    require_archivist(actor)
    expired = db.session.scalars(
        select(Case)
        .where(
            Case.status.in_(DESTROYABLE_STATUSES),
            Case.retention_until.is_not(None),
            Case.retention_until <= today,
            Case.destruction_act_id.is_(None),
        )
        .order_by(Case.retention_until, Case.number)
    ).all()
    return DestructionList(
        ready=[c for c in expired if not c.is_on_hold and not c.needs_expert_review],
        awaiting_review=[c for c in expired if not c.is_on_hold and c.needs_expert_review],
        held=[c for c in expired if c.is_on_hold],
    )


def draft_act(actor: User, case_ids: list[int] | None, *, today: dt.date) -> DestructionAct:
    """An act listing the given cases (or every case ready for destruction); each must be destroyable."""
    require_archivist(actor)
    if case_ids is None:
        cases = destruction_list(actor, today).ready
    else:
        cases = [_destroyable(case_id, today) for case_id in dict.fromkeys(case_ids)]
    if not cases:
        raise ValidationError("Нет дел с истёкшим сроком хранения, готовых к уничтожению", code="nothing_to_destroy")
    act = DestructionAct(
        year=today.year,
        number=next_number(DestructionAct.year, DestructionAct.number, today.year),
        drafted_on=today,
        drafted_by_id=actor.id,
    )
    db.session.add(act)
    db.session.flush()
    for case in cases:
        case.destruction_act_id = act.id
    record_event(actor, "destruction_act.draft", "destruction_act", act.id, cases=len(cases))
    return act


def _destroyable(case_id: int, today: dt.date) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("Дело не найдено")
    reason = _why_not_destroyable(case, today)
    if reason:
        raise Conflict(f"Дело {case.number}: {reason}", code="not_destroyable")
    return case


def _why_not_destroyable(case: Case, today: dt.date) -> str:
    if case.status not in DESTROYABLE_STATUSES:
        return "не закрыто" if case.status == "open" else "уже уничтожено"
    if case.retention_until is None:
        return "постоянного хранения"
    if case.retention_until > today:
        return f"срок хранения истекает {case.retention_until:%d.%m.%Y}"
    if case.is_on_hold:
        return "на удержании (legal hold)"
    if case.needs_expert_review:
        return "статья с отметкой ЭПК: нужна отметка экспертной комиссии"
    if case.destruction_act_id is not None:
        return "уже включено в акт о выделении к уничтожению"
    return ""


def list_acts(actor: User) -> Sequence[DestructionAct]:
    require_archivist_or_head(actor)
    return db.session.scalars(
        select(DestructionAct).order_by(DestructionAct.year.desc(), DestructionAct.number.desc())
    ).all()


def require_archivist_or_head(actor: User) -> None:
    require(actor, Action.VIEW_ARCHIVE)


def get_act(actor: User, act_id: int) -> DestructionAct:
    require_archivist_or_head(actor)
    act = db.session.get(DestructionAct, act_id)
    if act is None:
        raise NotFound("Акт не найден")
    return act


def cases_of_act(act: DestructionAct) -> Sequence[Case]:
    return db.session.scalars(select(Case).where(Case.destruction_act_id == act.id).order_by(Case.number)).all()


def job_of_act(act: DestructionAct) -> Job | None:
    jobs = db.session.scalars(select(Job).where(Job.kind == JOB_KIND).order_by(Job.id.desc())).all()
    return next((job for job in jobs if job.params.get("act_id") == act.id), None)


def cancel_act(actor: User, act_id: int) -> DestructionAct:
    """A draft can be withdrawn; its cases return to the destruction list."""
    require_archivist(actor)
    act = get_act(actor, act_id)
    if act.status != "draft":
        raise Conflict("Утверждённый акт отменить нельзя", code="act_not_draft")
    db.session.execute(update(Case).where(Case.destruction_act_id == act.id).values(destruction_act_id=None))
    act.status = "cancelled"
    record_event(actor, "destruction_act.cancel", "destruction_act", act.id)
    return act


def approve_act(actor: User, act_id: int, *, today: dt.date) -> tuple[DestructionAct, Job]:
    """The head approves; the act is written down for good and the destruction job is queued."""
    require(actor, Action.APPROVE_DESTRUCTION)
    act = get_act(actor, act_id)
    if act.status != "draft":
        raise Conflict("Акт уже утверждён или отменён", code="act_not_draft")
    cases = cases_of_act(act)
    blocked = [f"{case.number}: {reason}" for case in cases if (reason := _why_not_destroyable_in_act(case, today))]
    if blocked:
        raise Conflict(
            "Акт нельзя утвердить: " + "; ".join(blocked) + ". Отмените акт и составьте новый.",
            code="not_destroyable",
        )
    act.status, act.approved_on, act.approved_by = "approved", today, actor
    db.session.flush()
    stored = store_docx("destruction-acts", act.year, act.number, act_docx(act))
    act.docx_file = StoredFile.of(stored, "destruction_act", DOCX)
    record_event(actor, "destruction_act.approve", "destruction_act", act.id, cases=len(cases))
    return act, create_job(JOB_KIND, {"act_id": act.id}, actor)


def _why_not_destroyable_in_act(case: Case, today: dt.date) -> str:
    """As `_why_not_destroyable`, for a case already listed in the act."""
    if case.is_on_hold:
        return "на удержании (legal hold)"
    if case.needs_expert_review:
        return "нет отметки экспертной комиссии"
    if case.retention_until is None or case.retention_until > today:
        return "срок хранения не истёк"
    return ""


def act_docx(act: DestructionAct) -> bytes:
    cases = cases_of_act(act)
    inventory_ids = {case.inventory_id for case in cases if case.inventory_id is not None}
    inventories = db.session.scalars(
        select(ArchiveInventory).where(ArchiveInventory.id.in_(inventory_ids)).order_by(ArchiveInventory.id)
    ).all()
    paper = DestructionActPaper(
        institution=institution_name(),
        number=act.number,
        year=act.year,
        drafted_on=act.drafted_on,
        cases=[paper_case(ordinal, case) for ordinal, case in enumerate(cases, start=1)],
        drafted_by=act.drafted_by.full_name,
        drafted_by_position=act.drafted_by.role_label,
        approved_by=act.approved_by.full_name if act.approved_by else None,
        approved_on=act.approved_on,
        inventories=[inventory.label for inventory in inventories],
    )
    return destruction_act_docx(paper)


def act_file(actor: User, act_id: int, kind: str) -> tuple[DestructionAct, bytes]:
    """An approved act is read as it was written down; a draft is rendered now. Reading is audited."""
    act = get_act(actor, act_id)
    if act.docx_file is None:
        docx = act_docx(act)
        data = docx if kind == "docx" else pdf_bytes(docx)
    else:
        docx = read_blob(act.docx_file)
        if kind == "pdf" and act.pdf_file is None:
            act.pdf_file = store_pdf_of(act.docx_file, docx)
        data = docx if kind == "docx" or act.pdf_file is None else read_blob(act.pdf_file)
    record_event(actor, f"destruction_act.read_{kind}", "destruction_act", act.id)
    return act, data


@runner(JOB_KIND)
def destroy_cases_of_act(job: Job) -> None:
    """Destroy case by case, committing after each, so a retry after a crash goes on where it stopped."""
    act = db.session.get(DestructionAct, job.params["act_id"])
    if act is None or act.status not in ("approved", "executed") or act.approved_by is None:
        raise JobFailed("Акт не найден или не утверждён")
    approver, act_id, act_label = act.approved_by, act.id, act.label
    case_ids = [case.id for case in cases_of_act(act)]
    destroyed, kept = 0, 0
    for done, case_id in enumerate(case_ids, start=1):
        case = db.session.get(Case, case_id)
        assert case is not None
        if case.status == "destroyed":
            destroyed += 1
        elif case.is_on_hold:  # a hold set after approval still wins; the case goes back to the list
            case.destruction_act_id = None
            record_case_event(approver, case, "destroy", f"Не уничтожено по акту {act_label}: дело на удержании")
            kept += 1
        else:
            _destroy(approver, case, act_label)
            destroyed += 1
        commit()
        set_progress(job, done / len(case_ids))
    purge_expired_exports()  # exports holding a destroyed case go with it
    act = db.session.get(DestructionAct, act_id)
    assert act is not None
    act.status, act.executed_at = "executed", dt.datetime.now(dt.UTC)
    job.result = {"act_id": act_id, "destroyed": destroyed, "kept_on_hold": kept}


def _destroy(approver: User, case: Case, act_label: str) -> None:
    document_ids = list(db.session.scalars(select(Document.id).where(Document.case_id == case.id)).all())
    versions = db.session.scalars(select(DocumentVersion).where(DocumentVersion.document_id.in_(document_ids))).all()
    version_ids = [version.id for version in versions]
    renditions = db.session.scalars(select(Rendition).where(Rendition.version_id.in_(version_ids))).all()
    previews = select(PagePreview.id).where(PagePreview.version_id.in_(version_ids))
    pages = db.session.scalars(select(PreviewPage).where(PreviewPage.preview_id.in_(previews))).all()
    files = [version.file for version in versions] + [rendition.file for rendition in renditions]
    files += [file for page in pages for file in (page.thumbnail_file, page.image_file)]  # page images
    store = blob_store()
    for file in files:  # deleting is idempotent: a retry deletes what is left
        key = file.key
        try:
            store.delete(key)
        except StorageError:
            locked = lock_in_force(store, key)
            if locked is not None:
                raise JobFailed(
                    f"Хранилище не даёт удалить файлы дела: блокировка хранения до {locked:%d.%m.%Y}"
                ) from None
            raise JobFailed("Хранилище недоступно: уничтожение прервано, повторите задачу") from None
        file.deleted_at = file.deleted_at or dt.datetime.now(dt.UTC)
    # Versions are immutable for everyone else; destruction by an approved act is the one sanctioned change.
    db.session.execute(
        update(DocumentVersion).where(DocumentVersion.id.in_(version_ids)).values(form_data=None, comment="")
    )
    # Names of hand signers on paper originals (family representatives) are content too. Electronic signatures
    # stay: they name staff and hold only a digest of the destroyed bytes.
    db.session.execute(delete(PaperSignature).where(PaperSignature.version_id.in_(version_ids)))
    db.session.execute(delete(VersionText).where(VersionText.version_id.in_(version_ids)))  # recognised text
    # Page images are content too (their text included): their rows go, their files' rows stay marked deleted.
    db.session.execute(delete(PreviewPage).where(PreviewPage.preview_id.in_(previews)))
    db.session.execute(delete(PagePreview).where(PagePreview.version_id.in_(version_ids)))
    case.status, case.destroyed_on, case.subject = "destroyed", dt.date.today(), {}
    record_case_event(approver, case, "destroy", f"Уничтожено по акту {act_label}")
    publish(CaseDestroyed(case.id, tuple(document_ids), approver.id))
