"""Exporting case files for a commission: asked for by a user who may read every included case, made by a
background job, kept in storage for CASEFILES_EXPORT_TTL_HOURS, then deleted. Every request and download is
an audit event."""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import current_app
from sqlalchemy import select

from storage import StorageError
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.blobs.integrity import OpenBlob, file_ref, open_blob
from webapp.blobs.models import StoredFile
from webapp.cases.models import Case
from webapp.cases.permissions import can_read_case
from webapp.cases.services import find_case_by_number, get_case, require_content_access
from webapp.config import Settings
from webapp.dbtypes import utcnow
from webapp.exceptions import Conflict, Gone, NotFound, ValidationError
from webapp.exports.build import case_facts, write_case_file
from webapp.exports.models import EXPORT_FORMATS, VERSION_CHOICES, Export
from webapp.exports.package import PackageInfo, build_package
from webapp.exports.seal import Seal
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.services import create_job, runner, set_progress
from webapp.policy import Actor
from webapp.runtime import blob_store, local_time, signing_authority
from webapp.signing import timestamps
from webapp.signing.models import TrustedAuthority
from webapp.signing.services import revocation_list

JOB_KIND = "export"
MAX_CASES = 50  # a hearing's agenda
MEDIA_TYPES = {"pdf": "application/pdf", "zip": "application/zip"}


def check_export_request(identifiers: Sequence[int | str], fmt: str, versions: str, title: str) -> str:
    """The rules of an export request that need no case, for the API, the pages and `casefiles export` alike
    (cases by id or by number); returns the title as kept."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError("Формат выгрузки: pdf или zip", code="invalid_format")
    if versions not in VERSION_CHOICES:
        raise ValidationError("Версии: approved (утверждённые) или all (все)", code="invalid_versions")
    if not identifiers or len(identifiers) > MAX_CASES or len(set(identifiers)) != len(identifiers):
        raise ValidationError(f"Укажите от 1 до {MAX_CASES} разных дел", code="invalid_cases")
    if len(identifiers) > 1 and fmt != "zip":
        raise ValidationError("Несколько дел к заседанию выгружаются только ZIP-пакетом", code="invalid_format")
    title = title.strip()
    if len(title) > 300:
        raise ValidationError("Название заседания — не длиннее 300 знаков", code="invalid_title")
    return title


def check_cases_exportable(actor: Actor, cases: Sequence[Case]) -> None:
    """The actor may read every case's content (SYSTEM, the command line, acts for the institution and reads
    every case), and no case was destroyed."""
    for case in cases:
        if isinstance(actor, User):
            require_content_access(actor, case)
        if case.status == "destroyed":
            raise Conflict(f"Дело {case.number} уничтожено по акту: выгружать нечего", code="case_destroyed")


def cases_by_number(actor: Actor, numbers: Sequence[str]) -> list[Case]:
    """The cases with these numbers; one the actor may not see (SYSTEM sees every case) is «not found»."""
    cases = []
    for number in numbers:
        case = find_case_by_number(number)  # a former number finds the case too
        if case is None or (isinstance(actor, User) and not can_read_case(actor, case)):
            raise NotFound(f"Дело {number} не найдено")
        cases.append(case)
    return cases


def request_export(
    actor: User, case_ids: list[int], fmt: str, *, versions: str = "approved", title: str = ""
) -> Export:
    """Queue an export of the cases (in the caller's transaction). A case the actor may not read is «not
    found», as everywhere: its existence does not leak."""
    title = check_export_request(case_ids, fmt, versions, title)
    cases = [get_case(actor, case_id) for case_id in case_ids]
    check_cases_exportable(actor, cases)
    purge_expired_exports()
    job = create_job(JOB_KIND, {}, actor)
    export = Export(
        format=fmt,
        versions=versions,
        case_ids=case_ids,
        title=title,
        job_id=job.id,
        created_by_id=actor.id,
        expires_at=utcnow() + dt.timedelta(hours=_settings().export_ttl_hours),
    )
    db.session.add(export)
    db.session.flush()
    job.params = {"export_id": export.id}
    for case in cases:
        record_event(actor, "case.export", "case", case.id, export=export.id, format=fmt, versions=versions)
    return export


def export_of_job(job: Job) -> Export | None:
    return db.session.scalar(select(Export).where(Export.job_id == job.id))


def get_export(actor: User, export_id: int) -> Export:
    """The actor's own export, while they may still read every case in it."""
    export = db.session.get(Export, export_id)
    if export is None or export.created_by_id != actor.id:
        raise NotFound("Выгрузка не найдена")
    for case_id in export.case_ids:
        case = db.session.get(Case, case_id)
        if case is None or not can_read_case(actor, case):
            raise NotFound("Выгрузка не найдена")
    return export


def open_export(actor: User, export_id: int) -> tuple[Export, OpenBlob]:
    """The export's file for download (checked against its SHA-256 on the way out); an audited read."""
    export = get_export(actor, export_id)
    if export.deleted_at is not None or export.expires_at <= utcnow():
        raise Gone("Срок хранения выгрузки истёк: сформируйте её заново", code="export_expired")
    if export.file is None or export.blob_key is None:
        raise Conflict("Выгрузка ещё формируется", code="export_not_ready")
    blob = open_blob(file_ref(export.file))
    record_event(actor, "export.download", "export", export.id, cases=export.case_ids)
    return export, blob


def list_exports(actor: User, limit: int = 50) -> list[Export]:
    query = select(Export).where(Export.created_by_id == actor.id).order_by(Export.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def purge_expired_exports(now: dt.datetime | None = None) -> int:
    """Delete the files of exports past their time, and of exports holding a case destroyed since."""
    now = now or utcnow()
    destroyed = set(db.session.scalars(select(Case.id).where(Case.status == "destroyed")))
    candidates = db.session.scalars(select(Export).where(Export.deleted_at.is_(None))).all()
    purged = 0
    for export in candidates:
        if export.expires_at > now and not destroyed.intersection(export.case_ids):
            continue
        if export.file is not None and export.file.deleted_at is None:
            try:
                blob_store().delete(export.file.key)
            except StorageError:  # the others are still purged; this one is tried again next time
                continue
            export.file.deleted_at = now
        export.deleted_at = now
        purged += 1
    return purged


@runner(JOB_KIND)
def make_export(job: Job) -> None:
    export = db.session.get(Export, job.params["export_id"])
    assert export is not None
    cases = [db.session.get(Case, case_id) for case_id in export.case_ids]
    author = export.created_by
    export_id, fmt, year = export.id, export.format, export.created_at.year
    with tempfile.TemporaryDirectory(prefix="casefiles-export-") as work:
        out = Path(work) / f"export.{fmt}"
        write_export(
            [case for case in cases if case is not None],
            fmt,
            export.versions,
            out,
            Path(work),
            prepared_by=(author.full_name, author.role_label) if author else ("", ""),
            title=export.title,
            export_id=export_id,
            progress=lambda fraction: set_progress(job, 0.97 * fraction),
        )
        with out.open("rb") as stream:
            stored = blob_store().put(f"exports/{year}/{export_id}-{secrets.token_hex(4)}.{fmt}", stream)
    export = db.session.get(Export, export_id)
    assert export is not None
    export.file = StoredFile.of(stored, "export", MEDIA_TYPES[fmt])
    job.result = {"export_id": export_id}


def write_export(
    cases: list[Case],
    fmt: str,
    versions: str,
    out: Path,
    work: Path,
    *,
    prepared_by: tuple[str, str],
    title: str = "",
    export_id: int | None = None,
    progress: Callable[[float], None] = lambda fraction: None,
) -> None:
    """Write the PDF case file (one case) or the ZIP package to `out`, using `work` for the pieces."""
    settings = _settings()
    today = dt.datetime.now(dt.UTC)
    name, position = prepared_by
    facts = [
        (case, case_facts(case, name, position, settings.institution_name, local_time(today).date())) for case in cases
    ]
    seal = export_seal()
    if fmt == "pdf":
        case, case_fact = facts[0]
        pages = work / "pages"
        pages.mkdir()
        write_case_file(case, versions, pages, out, case_fact, progress, seal)
        return
    info = PackageInfo(export_id, settings.institution_name, title, versions, today)
    build_package(facts, versions, info, work, out, progress, seal)


def export_seal() -> Seal | None:
    """The institution's seal for exported PDFs (a hearing's package too), or None when sealing is off
    (CASEFILES_EXPORT_SEAL=0)."""
    settings = _settings()
    if not settings.export_seal:
        return None
    authority = signing_authority()
    certificate, key = authority.seal(settings.institution_name)
    return Seal(
        certificate,
        key,
        authority.certificate,
        settings.institution_name or "casefiles",
        authority=timestamps.authority(),  # CASEFILES_TSA_URL's, or casefiles' own TSA under its CA
        trust_roots=trusted_roots(),
        crl=x509.load_pem_x509_crl(revocation_list()).public_bytes(serialization.Encoding.DER),
    )


def trusted_roots() -> tuple[x509.Certificate, ...]:
    """The CAs on «Доверенные УЦ» now: an external TSA's root is trusted there."""
    rows = db.session.scalars(select(TrustedAuthority).where(TrustedAuthority.removed_at.is_(None))).all()
    return tuple(x509.load_pem_x509_certificate(row.certificate_pem.encode("ascii")) for row in rows)


def _settings() -> Settings:
    settings: Settings = current_app.config["CASEFILES"]
    return settings
