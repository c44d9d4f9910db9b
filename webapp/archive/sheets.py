"""What an inventory or an act says about one case: its extreme dates and its number of sheets."""

from __future__ import annotations

import re
import zipfile
from typing import BinaryIO

import pypdf
from sqlalchemy import func, select

from webapp.archive.paperwork import PaperCase
from webapp.cases.models import Case
from webapp.documents.media import DOCX, PDF
from webapp.documents.models import Document, DocumentVersion
from webapp.extensions import db
from webapp.renditions.models import Rendition
from webapp.runtime import blob_store

_PAGES_RE = re.compile(rb"<Pages>(\d+)</Pages>")


def paper_case(ordinal: int, case: Case, *, note: str = "") -> PaperCase:
    first, last = db.session.execute(
        select(func.min(Document.dated_on), func.max(Document.dated_on)).where(Document.case_id == case.id)
    ).one()
    entry = case.entry
    return PaperCase(
        ordinal=ordinal,
        number=case.number,
        title=case.title,
        date_from=first or case.opened_on,
        date_to=last or case.closed_on,
        sheets=case_sheets(case),
        retention=entry.retention_label,
        article=entry.article,
        note=note,
    )


def case_sheets(case: Case) -> int:
    """Pages of the latest version of every document: counted in the PDF original or rendition; for a DOCX
    without a rendition, the page count its editor recorded; one sheet for anything else (a scan, a text)."""
    documents = db.session.scalars(select(Document).where(Document.case_id == case.id)).all()
    return sum(_pages(document.latest_version) for document in documents if document.latest_version is not None)


def _pages(version: DocumentVersion) -> int:
    rendition = db.session.scalar(select(Rendition).where(Rendition.version_id == version.id))
    try:
        if version.media_type == PDF:
            with blob_store().open_seekable(version.blob_key) as stream:
                return _pdf_pages(stream)
        if rendition is not None:
            with blob_store().open_seekable(rendition.file.key) as stream:
                return _pdf_pages(stream)
        if version.media_type == DOCX:
            with blob_store().open_seekable(version.blob_key) as stream:
                return _docx_pages(stream)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, pypdf.errors.PyPdfError):
        pass  # an unreadable file still is one sheet of the case
    return 1


def _pdf_pages(stream: BinaryIO) -> int:
    return max(1, len(pypdf.PdfReader(stream, strict=False).pages))


def _docx_pages(stream: BinaryIO) -> int:
    with zipfile.ZipFile(stream) as archive:
        match = _PAGES_RE.search(archive.read("docProps/app.xml"))
    return max(1, int(match[1])) if match else 1
