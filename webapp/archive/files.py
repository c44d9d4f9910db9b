"""Where archive paperwork is kept: `archive/<kind>/<year>/<number>-<random>.docx`, and its PDF beside it."""

from __future__ import annotations

import io
import secrets
import tempfile
from pathlib import Path

from flask import Response, send_file

from document_templates.pdf import ConversionFailed, ConversionUnavailable, convert_to_pdf
from storage import StoredBlob
from webapp.blobs.integrity import file_ref, open_blob, read_checked
from webapp.blobs.models import StoredFile
from webapp.documents.media import DOCX, PDF
from webapp.exceptions import StorageUnavailable
from webapp.jobs.programs import run_program
from webapp.runtime import blob_store


def store_docx(kind: str, year: int, number: int, data: bytes) -> StoredBlob:
    key = f"archive/{kind}/{year}/{number:03d}-{secrets.token_hex(4)}.docx"
    return blob_store().put(key, io.BytesIO(data), media_type=DOCX)


def read_blob(file: StoredFile) -> bytes:
    """The kept file, checked against the SHA-256 recorded when it was kept (where one was)."""
    return read_checked(open_blob(file_ref(file)))


def store_pdf_of(docx_file: StoredFile, docx: bytes) -> StoredFile:
    """Convert kept paperwork to PDF and keep the PDF beside it; returns its record."""
    pdf = pdf_bytes(docx)
    stored = blob_store().put(f"{docx_file.key}.{secrets.token_hex(4)}.pdf", io.BytesIO(pdf), media_type=PDF)
    return StoredFile.of(stored, docx_file.kind, PDF)


def pdf_bytes(docx: bytes) -> bytes:
    """Convert paperwork to PDF with LibreOffice (a draft act is converted each time it is asked for)."""
    with tempfile.TemporaryDirectory(prefix="casefiles-archive-") as work:
        source = Path(work) / "paper.docx"
        source.write_bytes(docx)
        try:
            return convert_to_pdf(source, Path(work), run=run_program).read_bytes()
        except ConversionUnavailable:
            raise StorageUnavailable(
                "Преобразование в PDF недоступно: на сервере не установлен LibreOffice", code="pdf_unavailable"
            ) from None
        except ConversionFailed:
            raise StorageUnavailable("Не удалось сделать PDF, повторите позже", code="pdf_failed") from None


def paper_response(data: bytes, kind: str, stem: str) -> Response:
    """A download of paperwork: `kind` is "docx" or "pdf"; `stem` names the file without personal data."""
    media_type = DOCX if kind == "docx" else PDF
    response = send_file(io.BytesIO(data), mimetype=media_type, as_attachment=True, download_name=f"{stem}.{kind}")
    response.headers["Cache-Control"] = "private, no-store"
    return response
