"""The members' package of a hearing: one numbered, bookmarked PDF (the agenda sheet, then per item the case's
cover and the documents presented, each followed by its signature sheet when signed), built by a background job
as exports are, sealed with the institution's seal when exports are, and kept until the members' access window
(`Hearing.access_until`) ends; then its bytes are deleted.

Who reads it: the hearing's managers, and its commission's current internal members from the agenda's sending
until `access_until`. External members read it through their personal links (webapp.hearings.api_links), which
check the link and then call `read_package` / `copy_package` here."""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select

from storage import StorageError
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.blobs.integrity import BlobRef, OpenBlob, copy_checked, file_ref, open_blob, read_checked
from webapp.blobs.models import StoredFile
from webapp.dbtypes import utcnow
from webapp.exceptions import Conflict, Forbidden, Gone
from webapp.exports.build import Item, Progress, case_facts, materialize, presented_item
from webapp.exports.pdfjoin import Part, UnreadablePdf, join, page_count
from webapp.exports.restamp import RestampReport, restamp_sealed
from webapp.exports.services import export_seal
from webapp.exports.sheets import (
    NEW_SINCE_LAST,
    Agenda,
    AgendaDocument,
    AgendaItem,
    CaseFacts,
    agenda_pdf,
    case_cover_pdf,
)
from webapp.extensions import db
from webapp.hearings.models import Hearing, HearingItem, HearingItemDocument
from webapp.hearings.permissions import get_visible_hearing, is_member, may_read_materials
from webapp.hearings.services import managed_hearing, previous_hearing
from webapp.jobs.models import Job
from webapp.jobs.services import JobFailed, create_job, runner, set_progress
from webapp.printing.pdf import printable
from webapp.runtime import blob_store, local_time

JOB_KIND = "hearing_package"
FILE_KIND = "hearing_package"  # StoredFile.kind
MEDIA_TYPE = "application/pdf"
BUILDABLE = ("planned", "agenda_sent", "held")  # after the protocol's approval the package is history
FIXED = ("held", "protocol_approved")  # the versions presented at the hearing stay those of its package
_BOOKMARK_CHARS = 90
_MAX_LAYOUT_ROUNDS = 6


# --- asking for it --------------------------------------------------------------------------------------


def request_package(actor: User, hearing_id: int) -> Job:
    """Queue the building of the hearing's package (in the caller's transaction). The package built before stops
    being served at once (its agenda may have lost a case since) and its bytes are purged."""
    hearing = managed_hearing(actor, hearing_id)
    if hearing.status not in BUILDABLE:
        raise Conflict("Протокол заседания утверждён: пакет материалов больше не формируется", code="hearing_status")
    if not hearing.items:
        raise Conflict("Повестка пуста: добавьте вопросы", code="empty_agenda")
    if hearing.access_until is not None and hearing.access_until <= utcnow():
        raise Gone("Срок доступа к материалам заседания истёк", code="package_expired")
    job = create_job(JOB_KIND, {"hearing_id": hearing.id}, actor)
    hearing.package_job_id, hearing.package_file_id, hearing.package_built_at = job.id, None, None
    record_event(actor, "hearing.package_request", "hearing", hearing.id, job=job.id)
    return job


# --- building it ----------------------------------------------------------------------------------------


@dataclass
class _Presented:
    """One agenda item on its way into the package."""

    item: HearingItem
    facts: CaseFacts
    previous: str
    documents: list[tuple[HearingItemDocument, Item]]
    cover: Path | None = None
    cover_pages: int = 1
    starts: list[int] = field(default_factory=list)  # the first sheet of the cover, then of each document

    @property
    def sheets(self) -> int:
        return self.cover_pages + sum(item.sheets for _, item in self.documents)


@runner(JOB_KIND)
def make_package(job: Job) -> None:
    hearing_id = int(job.params["hearing_id"])
    with tempfile.TemporaryDirectory(prefix="casefiles-hearing-") as folder:
        work = Path(folder)
        target = work / "package.pdf"
        hearing = db.session.get(Hearing, hearing_id)
        assert hearing is not None
        author = db.session.get(User, job.created_by_id) if job.created_by_id else None
        write_hearing_package(hearing, author, work, target, lambda fraction: set_progress(job, 0.95 * fraction))
        hearing = db.session.get(Hearing, hearing_id)
        assert hearing is not None
        if hearing.package_job_id != job.id:  # asked for again meanwhile: the newer job's package replaces it
            job.result = {"hearing_id": hearing_id, "superseded": True}
            return
        year = hearing.starts_at.year
        with target.open("rb") as stream:
            stored = blob_store().put(
                f"hearings/{year}/{hearing_id}-package-{secrets.token_hex(4)}.pdf", stream, media_type=MEDIA_TYPE
            )
    hearing.package_file = StoredFile.of(stored, FILE_KIND, MEDIA_TYPE)
    hearing.package_built_at = utcnow()
    job.result = {"hearing_id": hearing_id}


def write_hearing_package(
    hearing: Hearing, author: User | None, work: Path, target: Path, progress: Progress = lambda fraction: None
) -> list[int]:
    """Write the package's PDF to `target` (sealed when exports are), using `work` for the pieces; returns the
    sheets of each part (the agenda, then per item its cover and each document and signature sheet)."""
    today = dt.datetime.now(dt.UTC)
    institution = _institution()
    name, position = (author.full_name, author.role_label) if author else ("", "")
    presented = []
    count = sum(len(item.documents) for item in hearing.items) or 1
    done = 0
    for ordinal, hearing_item in enumerate(hearing.items, start=1):
        documents = []
        for number, shown in enumerate(hearing_item.documents, start=1):
            item = _presented_version(hearing, shown)
            materialize(item, work / f"i{ordinal:02d}-d{number:03d}", today)
            documents.append((shown, item))
            done += 1
            progress(0.8 * done / count)
        facts = case_facts(hearing_item.case, name, position, institution, local_time(today).date())
        presented.append(_Presented(hearing_item, facts, _previous(hearing_item, hearing), documents))
    agenda = _lay_out(hearing, presented, institution, work, local_time(today).date())
    parts = [Part(agenda, "Повестка заседания")]
    for ordinal, entry in enumerate(presented, start=1):
        assert entry.cover is not None
        parts.append(Part(entry.cover, _shorten(f"{ordinal}. Дело № {entry.item.case.number}: {entry.item.question}")))
        for number, (shown, item) in enumerate(entry.documents, start=1):
            assert item.pdf is not None
            parts.append(Part(item.pdf, _document_bookmark(ordinal, number, item, shown.is_new), level=2))
            if item.signature_sheet is not None:
                parts.append(Part(item.signature_sheet))
    counts = _join(parts, work, target, f"Материалы к заседанию № {hearing.number}")
    progress(1.0)
    return counts


def _presented_version(hearing: Hearing, shown: HearingItemDocument) -> Item:
    """The version shown: once the hearing was held, the one its package showed; before, the approved one else
    the latest, fixed into the item's record."""
    if hearing.status in FIXED and shown.version is not None:
        return presented_item(shown.document, shown.version)
    item = presented_item(shown.document)
    shown.version_id = item.version.id
    return item


def _previous(item: HearingItem, hearing: Hearing) -> str:
    previous = previous_hearing(item.case_id, hearing)
    if previous is None:
        return ""
    return f"заседание № {previous.number} от {local_time(previous.starts_at):%d.%m.%Y}"


def _lay_out(hearing: Hearing, presented: list[_Presented], institution: str, work: Path, today: dt.date) -> Path:
    """Write the covers and the agenda sheet. The agenda prints every item's sheets and how many pages it takes
    may depend on them, so lay out until its page count holds still."""
    for ordinal, entry in enumerate(presented, start=1):
        entry.cover = work / f"i{ordinal:02d}-cover.pdf"
        for _ in range(_MAX_LAYOUT_ROUNDS):
            note = (
                f"Материалы к заседанию № {printable(hearing.number)}: обложка дела и документы, представленные к "
                f"рассмотрению. Сформированы {today:%d.%m.%Y}; подготовил(а): {printable(entry.facts.prepared_by)}."
            )
            entry.cover.write_bytes(case_cover_pdf(entry.facts, entry.sheets, note))
            pages = page_count(entry.cover)
            if pages == entry.cover_pages:
                break
            entry.cover_pages = pages
    agenda_path, agenda_pages = work / "agenda.pdf", 1
    starts = local_time(hearing.starts_at)
    for _ in range(_MAX_LAYOUT_ROUNDS):
        sheet = agenda_pages + 1
        rows = []
        for ordinal, entry in enumerate(presented, start=1):
            first = sheet
            entry.starts = [sheet]
            sheet += entry.cover_pages
            listed = []
            for shown, item in entry.documents:
                entry.starts.append(sheet)
                title = printable(shown.document.title)
                listed.append(AgendaDocument(title, _sheet_range(sheet, sheet + item.sheets - 1), shown.is_new))
                sheet += item.sheets
            speaker = entry.item.speaker.full_name if entry.item.speaker is not None else ""
            cover = _sheet_range(first, first + entry.cover_pages - 1)
            range_ = _sheet_range(first, sheet - 1)
            rows.append(
                AgendaItem(
                    ordinal,
                    entry.item.case.number,
                    entry.item.question,
                    speaker,
                    range_,
                    cover,
                    entry.previous,
                    tuple(listed),
                )
            )
        agenda = Agenda(
            institution=institution,
            commission=hearing.commission.name,
            number=hearing.number,
            starts=f"{starts:%d.%m.%Y, %H:%M}",
            place=hearing.place,
            items=tuple(rows),
            total=sheet - 1,
            prepared_on=today,
        )
        agenda_path.write_bytes(agenda_pdf(agenda))
        pages = page_count(agenda_path)
        if pages == agenda_pages:
            return agenda_path
        agenda_pages = pages
    raise JobFailed("Не удалось разметить листы пакета материалов")


def _join(parts: list[Part], work: Path, target: Path, title: str) -> list[int]:
    seal = export_seal()
    unsealed = work / "unsealed.pdf" if seal is not None else target
    try:
        with unsealed.open("wb") as out:
            counts = join(parts, out, title=title)
    except UnreadablePdf:  # each part was read once already: the work folder changed under us
        raise JobFailed("Не удалось собрать PDF пакета материалов: повторите") from None
    if seal is not None:
        seal.apply(unsealed, target, title)
    return counts


def _document_bookmark(ordinal: int, number: int, item: Item, is_new: bool) -> str:
    title = _shorten(f"{ordinal}.{number}. {printable(item.document.title)}")
    return f"{title} — {NEW_SINCE_LAST}" if is_new else title


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _BOOKMARK_CHARS else text[: _BOOKMARK_CHARS - 1] + "…"


def _sheet_range(first: int, last: int) -> str:
    return f"л. {first}" if first >= last else f"л. {first}–{last}"


def _institution() -> str:
    return str(current_app.config["CASEFILES"].institution_name)


# --- reading it -----------------------------------------------------------------------------------------


def open_package(actor: User, hearing_id: int) -> tuple[Hearing, OpenBlob]:
    """The package for reading (checked against its SHA-256 on the way out); an audited read. A hearing the actor
    does not see is «not found»; one they see but whose materials are not theirs to read, forbidden."""
    hearing = get_visible_hearing(actor, hearing_id)
    if not may_read_materials(actor, hearing):
        if not is_member(actor, hearing.commission):
            raise Forbidden("Материалы заседания читают члены комиссии", code="not_a_member")
        message = "Материалы заседания доступны членам комиссии после рассылки повестки"
        raise Forbidden(message, code="agenda_not_sent")
    blob = open_blob(package_ref(hearing))
    record_event(actor, "hearing.package_read", "hearing", hearing.id, file=hearing.package_file_id)
    return hearing, blob


def package_ref(hearing: Hearing, now: dt.datetime | None = None) -> BlobRef:
    """The package's stored file, while it may be read: Gone once the access window ended (its bytes are purged
    then), Conflict while it is not built."""
    file = hearing.package_file
    expired = hearing.access_until is not None and hearing.access_until <= (now or utcnow())
    if expired or (file is not None and file.deleted_at is not None):
        raise Gone("Срок доступа к материалам заседания истёк", code="package_expired")
    if file is None or hearing.package_built_at is None:
        raise Conflict("Пакет материалов заседания ещё не сформирован", code="package_not_ready")
    return file_ref(file)


def read_package(hearing: Hearing) -> bytes:
    """The package's bytes, checked against its SHA-256 (ContentMismatch, recorded, when they changed). For the
    external members' view, which has checked the link and audits the opening itself."""
    return read_checked(open_blob(package_ref(hearing)))


def copy_package(hearing: Hearing, target: Path) -> None:
    """The package's bytes into a file (to render its pages), checked on the way as `read_package`."""
    copy_checked(package_ref(hearing), target)


def package_filename(hearing: Hearing) -> str:
    """Generic on purpose: no case numbers or names in a file name."""
    return f"hearing-{hearing.id}-package.pdf"


# --- restamping it (`casefiles signatures restamp`) ---------------------------------------------------------


def restamp_packages(margin: dt.timedelta, now: dt.datetime | None = None) -> RestampReport:
    """An archive timestamp for each package still served whose latest timestamp certificate expires within
    `margin`: sealed as exports are, restamped as they are."""
    now = now or utcnow()
    served = (Hearing.access_until.is_(None)) | (Hearing.access_until > now)
    hearings = db.session.scalars(select(Hearing).where(Hearing.package_file_id.is_not(None), served)).all()
    return restamp_sealed(
        [(hearing.package_file, partial(setattr, hearing, "package_file")) for hearing in hearings], margin, now
    )


# --- purging it -----------------------------------------------------------------------------------------


def purge_hearing_packages(now: dt.datetime | None = None) -> int:
    """Delete the bytes of packages whose hearing's access window ended, and of packages a newer one replaced.
    The stored file's record stays (deleted_at) for what it says."""
    now = now or utcnow()
    current = select(Hearing.package_file_id).where(Hearing.package_file_id.is_not(None))
    expired = select(Hearing.package_file_id).where(Hearing.access_until <= now, Hearing.package_file_id.is_not(None))
    files = db.session.scalars(
        select(StoredFile).where(
            StoredFile.kind == FILE_KIND,
            StoredFile.deleted_at.is_(None),
            or_(StoredFile.id.not_in(current), StoredFile.id.in_(expired)),
        )
    ).all()
    purged = 0
    for file in files:
        try:
            blob_store().delete(file.key)
        except StorageError:  # the others are still purged; this one is tried again next time
            continue
        file.deleted_at = now
        purged += 1
    return purged
