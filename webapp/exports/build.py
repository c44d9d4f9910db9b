"""Assembling a case file for a commission: every included version as PDF pages on disk, then the cover,
internal inventory and certification sheet laid out around them, joined into one numbered, bookmarked PDF.

Everything passes through files in a work folder: one document's bytes at a time are in memory, never the case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageSequence, UnidentifiedImageError
from sqlalchemy import select

from storage import ContentMismatch
from webapp.blobs.integrity import copy_checked, file_ref, version_ref
from webapp.cases.models import Case
from webapp.documents.media import PDF
from webapp.documents.models import Document, DocumentTransition, DocumentVersion
from webapp.exports.pdfjoin import Part, UnreadablePdf, join, page_count
from webapp.exports.seal import Seal
from webapp.exports.sheets import CaseFacts, Feature, InventoryRow, Layout, certification_pdf, cover_pdf, inventory_pdf
from webapp.extensions import db
from webapp.jobs.services import JobFailed
from webapp.nomenclature.models import NomenclatureSection
from webapp.printing.layout import Field, Form, Paragraph
from webapp.printing.pdf import finish_pdf, printable, start_pdf, to_pdf
from webapp.renditions.services import CONVERTIBLE, ensure_rendition, rendition_of
from webapp.signing.services import checked_signatures
from webapp.signing.sheet import signature_sheet

Progress = Callable[[float], None]
_MAX_LAYOUT_ROUNDS = 6


@dataclass
class Item:
    """One version in the case file, and what became of it on the way to PDF."""

    document: Document
    version: DocumentVersion
    approved: bool  # the version the head approved
    superseded: bool = False  # an earlier version (only when every version is asked for)
    pdf: Path | None = None
    pages: int = 0
    placeholder: str = ""  # why the pages are a notice instead of the document
    signature_sheet: Path | None = None
    signature_pages: int = 0

    @property
    def sheets(self) -> int:
        return self.pages + self.signature_pages


@dataclass
class CaseFile:
    """The assembled case file: where its PDF is and how its sheets fell."""

    case: Case
    items: list[Item]
    pdf: Path
    layout: Layout
    rows: list[InventoryRow] = field(default_factory=list)


def included_versions(case: Case, versions: str) -> list[Item]:
    """The documents of the case in order (by date, then as filed), annulled ones left out: for each, the
    version the head approved last, else its latest version; or every version when `versions` is "all"."""
    documents = db.session.scalars(select(Document).where(Document.case_id == case.id)).all()
    ordered = sorted(
        (d for d in documents if d.status != "annulled" and d.versions),
        key=lambda d: (d.dated_on or d.created_at.date(), d.created_at, d.id),
    )
    items: list[Item] = []
    for document in ordered:
        if versions == "all":
            approved_number = _approved_number(document)
            last = document.versions[-1].number
            items += [
                Item(document, version, version.number == approved_number, superseded=version.number != last)
                for version in document.versions
            ]
            continue
        items.append(presented_item(document))
    return items


def presented_item(document: Document, version: DocumentVersion | None = None) -> Item:
    """The document as a copy shows it: `version` when given, else the version the head approved last, else its
    latest (a hearing's package too)."""
    approved_number = _approved_number(document)
    if version is None:
        version = next((v for v in document.versions if v.number == approved_number), document.versions[-1])
    return Item(document, version, version.number == approved_number)


def _approved_number(document: Document) -> int | None:
    """The version the last approval was given to, unless the document went back to draft from it and a newer
    version replaced it (the approved one is still the one to show then)."""
    return db.session.scalar(
        select(DocumentTransition.version_number)
        .where(DocumentTransition.document_id == document.id, DocumentTransition.action == "approve")
        .order_by(DocumentTransition.id.desc())
        .limit(1)
    )


def build_case_file(
    case: Case, versions: str, work: Path, out: BinaryIO, facts: CaseFacts, progress: Progress
) -> CaseFile:
    """Write the PDF case file to `out`, using `work` for the pages of each document."""
    items = included_versions(case, versions)
    now = dt.datetime.now(dt.UTC)
    for position, item in enumerate(items):
        materialize(item, work / f"{position:04d}", now)
        progress(0.8 * (position + 1) / max(1, len(items)))
    layout, rows, cover, inventory, certification = _lay_out(items, facts, work)
    parts = [Part(cover, "Обложка"), Part(inventory, "Внутренняя опись")]
    for row, item in zip(rows, items, strict=True):
        assert item.pdf is not None
        parts.append(Part(item.pdf, f"{row.ordinal}. {printable(item.document.title)}"))
        if item.signature_sheet is not None:
            parts.append(Part(item.signature_sheet, "Лист подписей", level=2))
    parts.append(Part(certification, "Лист-заверитель"))
    try:
        join(parts, out, title=f"Дело № {case.number}")
    except UnreadablePdf:  # each part was read once already: the work folder changed under us
        raise JobFailed("Не удалось собрать PDF дела: повторите") from None
    progress(1.0)
    return CaseFile(case, items, work, layout, rows)


def write_case_file(
    case: Case, versions: str, work: Path, target: Path, facts: CaseFacts, progress: Progress, seal: Seal | None
) -> CaseFile:
    """The PDF case file at `target`, sealed with the institution's seal when one is given."""
    if seal is None:
        with target.open("wb") as out:
            return build_case_file(case, versions, work, out, facts, progress)
    unsealed = work / "unsealed.pdf"
    with unsealed.open("wb") as out:
        case_file = build_case_file(case, versions, work, out, facts, progress)
    seal.apply(unsealed, target, f"Копия дела № {case.number} для рассмотрения комиссией")
    unsealed.unlink()
    return case_file


def case_facts(case: Case, prepared_by: str, position: str, institution: str, today: dt.date) -> CaseFacts:
    first, last = db.session.execute(
        select(db.func.min(Document.dated_on), db.func.max(Document.dated_on)).where(Document.case_id == case.id)
    ).one()
    entry = case.entry
    section = db.session.scalar(
        select(NomenclatureSection).where(
            NomenclatureSection.year == entry.year, NomenclatureSection.code == entry.section_code
        )
    )
    return CaseFacts(
        institution=institution,
        unit=section.title if section else "",
        number=case.number,
        title=case.title,
        index=entry.index,
        article=entry.article,
        retention=entry.retention_label,
        date_from=first or case.opened_on,
        date_to=case.closed_on or last,
        closed_on=case.closed_on,
        prepared_on=today,
        prepared_by=prepared_by,
        prepared_by_position=position,
    )


# --- one version as pages ---------------------------------------------------------------------------------


def materialize(item: Item, stem: Path, now: dt.datetime) -> None:
    """Put the version's pages at `stem`.pdf (or a notice saying why they cannot be shown), and its signature
    sheet beside them when it is signed."""
    version = item.version
    target = stem.with_suffix(".pdf")
    try:
        item.placeholder = _version_pdf(version, stem, target)
    except ContentMismatch:
        raise JobFailed(damaged(item)) from None
    if not item.placeholder:
        try:
            item.pages = page_count(target)
        except UnreadablePdf:
            item.placeholder = "PDF-файл версии повреждён или защищён паролем и не может быть показан"
    if item.placeholder:
        target.write_bytes(_notice(item))
        item.pages = page_count(target)
    item.pdf = target
    if version.signatures or version.paper_signatures:
        sheet = stem.with_name(stem.name + "-signatures.pdf")
        sheet.write_bytes(signature_sheet(version, checked_signatures(version), now))
        item.signature_sheet, item.signature_pages = sheet, page_count(sheet)


def _version_pdf(version: DocumentVersion, stem: Path, target: Path) -> str:
    """Write the version's PDF to `target`; return why not (a notice's reason) or "" when written."""
    if version.media_type == PDF:
        copy_checked(version_ref(version), target)
        return ""
    if version.media_type.startswith("image/"):
        source = stem.with_suffix(".image")
        copy_checked(version_ref(version), source)
        return _image_pdf(source, target)
    if version.media_type in CONVERTIBLE:
        rendition = rendition_of(version)
        if rendition is None:
            try:
                rendition = ensure_rendition(version)
            except JobFailed as exc:
                return f"PDF-копия не сделана: {exc}"
        copy_checked(file_ref(rendition.file), target)
        return ""
    return "Формат файла не переводится в PDF"


def damaged(item: Item) -> str:
    """Why an export stopped: which document's stored file changed (its number and id, never its title)."""
    document, version = item.document, item.version
    return (
        f"Дело № {document.case.number}, документ № {document.id}, версия {version.number}: файл в хранилище "
        "повреждён (не совпадает контрольная сумма SHA-256), выгрузка не сформирована. Сообщите администратору: "
        "файл нужно восстановить из резервной копии."
    )


def _image_pdf(source: Path, target: Path) -> str:
    """A scan kept as an image (PNG, JPEG, TIFF of one or more pages) as PDF pages, each fitted to A4."""
    try:
        with Image.open(source) as image:
            pdf = start_pdf("Скан", "casefiles", dt.date(2000, 1, 1))
            for number, frame in enumerate(ImageSequence.Iterator(image)):
                if number:
                    pdf.add_page()
                page = source.with_name(f"{source.stem}-{number}.png")
                frame.convert("RGB").save(page)
                width, height = frame.size
                scale = min((pdf.w - 20) / width, (pdf.h - 20) / height)
                pdf.image(str(page), x=10, y=10, w=width * scale, h=height * scale)
            target.write_bytes(finish_pdf(pdf))
    except (UnidentifiedImageError, OSError, ValueError):
        return "Изображение повреждено и не может быть показано"
    return ""


def _notice(item: Item) -> bytes:
    document, version = item.document, item.version
    form = Form(
        title=printable(document.title),
        blocks=(
            Field("Документ", f"{document.type_label} № {document.id}, версия {version.number}"),
            Field("Формат", version.media_type),
            Field("SHA-256", version.sha256),
            Paragraph(printable(item.placeholder) + ". Подлинник версии — в ZIP-пакете экспорта дела.", bold=True),
        ),
        author="casefiles",
    )
    return to_pdf(form)


# --- the sheets around the documents --------------------------------------------------------------------------


def _lay_out(items: list[Item], facts: CaseFacts, work: Path) -> tuple[Layout, list[InventoryRow], Path, Path, Path]:
    """Number the sheets. The inventory and the certification sheet print the numbers, and how many pages they
    take may depend on them, so lay out until their page counts hold still."""
    cover_path, inventory_path, certification_path = work / "cover.pdf", work / "inventory.pdf", work / "cert.pdf"
    cover_pages = inventory_pages = certification_pages = 1
    for _ in range(_MAX_LAYOUT_ROUNDS):
        sheet = cover_pages + inventory_pages + 1
        rows, starts = [], []
        for ordinal, item in enumerate(items, start=1):
            starts.append(sheet)
            rows.append(_row(ordinal, item, sheet))
            sheet += item.sheets
        documents = (cover_pages + inventory_pages + 1, sheet - 1) if items else None
        layout = Layout(
            total=sheet + certification_pages - 1,
            cover=(1, cover_pages),
            inventory=(cover_pages + 1, cover_pages + inventory_pages),
            documents=documents,
            certification=(sheet, sheet + certification_pages - 1),
        )
        cover_path.write_bytes(cover_pdf(facts, layout))
        inventory_path.write_bytes(inventory_pdf(facts, rows, layout))
        certification_path.write_bytes(certification_pdf(facts, layout, _features(items, starts)))
        counted = (page_count(cover_path), page_count(inventory_path), page_count(certification_path))
        if counted == (cover_pages, inventory_pages, certification_pages):
            return layout, rows, cover_path, inventory_path, certification_path
        cover_pages, inventory_pages, certification_pages = counted
    raise JobFailed("Не удалось разметить листы дела")


def _row(ordinal: int, item: Item, first: int) -> InventoryRow:
    document, version = item.document, item.version
    notes = []
    if item.superseded:
        notes.append("заменена следующей версией")
    elif not item.approved and version.template_version_id is not None:  # a form goes through approval
        notes.append("на утверждении" if document.status == "on_approval" else "не утверждён")
    if version.signed_on_paper:
        notes.append("скан подписанного подлинника")
    if item.placeholder:
        notes.append("показан уведомлением, подлинник — в ZIP")
    if item.signature_pages:
        notes.append(f"лист подписей — {_sheet_range(first + item.pages, first + item.sheets - 1)}")
    return InventoryRow(
        ordinal=ordinal,
        index=f"№ {document.id}, в. {version.number}",
        date=document.dated_on.strftime("%d.%m.%Y") if document.dated_on else "",
        title=document.title,
        sheets=_sheet_range(first, first + item.sheets - 1).removeprefix("л. "),
        note="; ".join(notes),
    )


def _features(items: list[Item], starts: list[int]) -> list[Feature]:
    signature_sheets, notices, unapproved = [], [], []
    for item, first in zip(items, starts, strict=True):
        if item.signature_pages:
            signature_sheets.append((first + item.pages, first + item.sheets - 1))
        if item.placeholder:
            notices.append((first, first + item.pages - 1))
        if not item.approved and not item.superseded and item.version.template_version_id is not None:
            unapproved.append((first, first + item.sheets - 1))
    features = []
    if signature_sheets:
        features.append(
            Feature(
                "Листы подписей электронных документов: сформированы при выдаче копии, подписи проверены на эту дату",
                _sheet_list(signature_sheets),
            )
        )
    if notices:
        features.append(Feature("Документы, показанные уведомлением вместо изображения", _sheet_list(notices)))
    if unapproved:
        features.append(Feature("Документы, не утверждённые на дату копии", _sheet_list(unapproved)))
    return features


def _sheet_range(first: int, last: int) -> str:
    return f"л. {first}" if first == last else f"л. {first}–{last}"


def _sheet_list(ranges: list[tuple[int, int]]) -> str:
    return ", ".join(str(first) if first == last else f"{first}–{last}" for first, last in _merged(ranges))


def _merged(ranges: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    current: tuple[int, int] | None = None
    for first, last in ranges:
        if current is not None and first == current[1] + 1:
            current = (current[0], last)
            continue
        if current is not None:
            yield current
        current = (first, last)
    if current is not None:
        yield current
