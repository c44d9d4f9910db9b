"""Inventories of files handed to the archive (описи дел): one per closing year and retention class."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select

from webapp.archive.common import institution_name, next_number, require_archivist
from webapp.archive.files import read_blob, store_docx, store_pdf_of
from webapp.archive.models import RETENTION_CLASS_LABELS, ArchiveInventory
from webapp.archive.paperwork import InventoryPaper, inventory_docx
from webapp.archive.sheets import paper_case
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.blobs.models import StoredFile
from webapp.cases.lifecycle import record_case_event
from webapp.cases.models import Case
from webapp.documents.media import DOCX
from webapp.exceptions import NotFound, ValidationError
from webapp.extensions import db
from webapp.nomenclature.models import NomenclatureEntry

LONG_TERM_OVER_YEARS = 10


def retention_class_of(entry: NomenclatureEntry) -> str:
    if entry.is_permanent:
        return "permanent"
    return "long" if (entry.retention_years or 0) > LONG_TERM_OVER_YEARS else "temporary"


def cases_to_inventory(year: int, retention_class: str) -> list[Case]:
    """Cases closed in `year` (a case opened earlier goes into the inventory of the year it was closed) of the
    class, not yet handed over, in nomenclature order."""
    if retention_class not in RETENTION_CLASS_LABELS:
        raise ValidationError("retention_class: permanent, long или temporary", code="invalid_retention_class")
    cases = db.session.scalars(
        select(Case).where(
            Case.status == "closed",
            Case.closed_on >= dt.date(year, 1, 1),
            Case.closed_on <= dt.date(year, 12, 31),
        )
    ).all()
    chosen = [case for case in cases if retention_class_of(case.entry) == retention_class]
    return sorted(chosen, key=lambda case: (case.entry.sort_key, case.year, case.sequence))


def years_to_inventory() -> list[int]:
    """Closing years that still have closed cases not handed to the archive."""
    dates = db.session.scalars(select(Case.closed_on).where(Case.status == "closed")).all()
    return sorted({date.year for date in dates if date is not None})


def compile_inventory(actor: User, year: int, retention_class: str, *, today: dt.date) -> ArchiveInventory:
    """Write the inventory and mark its cases as handed to the archive, all in the caller's transaction."""
    require_archivist(actor)
    cases = cases_to_inventory(year, retention_class)
    if not cases:
        raise ValidationError(
            f"Нет закрытых дел {RETENTION_CLASS_LABELS[retention_class]} за {year} год, не внесённых в опись",
            code="nothing_to_inventory",
        )
    number = next_number(ArchiveInventory.year, ArchiveInventory.number, year)
    paper = InventoryPaper(
        institution=institution_name(),
        number=number,
        year=year,
        retention_class=retention_class,
        cases=[paper_case(ordinal, case) for ordinal, case in enumerate(cases, start=1)],
        compiled_by=actor.full_name,
        compiled_by_position=actor.role_label,
        compiled_on=today,
    )
    stored = store_docx("inventories", year, number, inventory_docx(paper))
    inventory = ArchiveInventory(
        year=year,
        number=number,
        retention_class=retention_class,
        case_count=len(cases),
        compiled_on=today,
        compiled_by_id=actor.id,
        docx_file=StoredFile.of(stored, "inventory", DOCX),
    )
    db.session.add(inventory)
    db.session.flush()
    for case in cases:
        case.status, case.transferred_on, case.inventory_id = "transferred", today, inventory.id
        record_case_event(actor, case, "transfer", f"Опись {inventory.label}")
    record_event(actor, "inventory.compile", "inventory", inventory.id, cases=len(cases))
    return inventory


def list_inventories(actor: User, year: int | None = None) -> Sequence[ArchiveInventory]:
    require_archivist(actor)
    query = select(ArchiveInventory).order_by(ArchiveInventory.year.desc(), ArchiveInventory.number.desc())
    if year is not None:
        query = query.where(ArchiveInventory.year == year)
    return db.session.scalars(query).all()


def get_inventory(actor: User, inventory_id: int) -> ArchiveInventory:
    require_archivist(actor)
    inventory = db.session.get(ArchiveInventory, inventory_id)
    if inventory is None:
        raise NotFound("Опись не найдена")
    return inventory


def cases_of_inventory(inventory: ArchiveInventory) -> Sequence[Case]:
    cases = db.session.scalars(select(Case).where(Case.inventory_id == inventory.id)).all()
    return sorted(cases, key=lambda case: (case.entry.sort_key, case.year, case.sequence))


def inventory_file(actor: User, inventory_id: int, kind: str) -> tuple[ArchiveInventory, bytes]:
    """The kept DOCX, or its PDF (made on first request and kept). Reading is audited."""
    inventory = get_inventory(actor, inventory_id)
    docx = read_blob(inventory.docx_file)
    if kind == "docx":
        data = docx
    else:
        if inventory.pdf_file is None:
            inventory.pdf_file = store_pdf_of(inventory.docx_file, docx)
        data = read_blob(inventory.pdf_file)
    record_event(actor, f"inventory.read_{kind}", "inventory", inventory.id)
    return inventory, data
