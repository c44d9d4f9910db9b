"""A plain-text upload's PDF copy is laid out with fpdf2, without LibreOffice; its page images follow from it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

import webapp.renditions.services
from tests.conftest import World
from webapp.documents.models import DocumentVersion
from webapp.extensions import db
from webapp.previews.models import PagePreview
from webapp.renditions.models import Rendition

LINES = [f"{n:03d}. Семья Ивановых: обследование условий проживания — «удовлетворительные», ёлка" for n in range(90)]
LONG_LINE = " ".join(["материально-бытовые"] * 40)  # wider than the page: wrapped, not cut off


@pytest.fixture
def no_libreoffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """soffice is not on the PATH, and converting through it would fail the test."""
    monkeypatch.setenv("PATH", str(tmp_path))

    def refuse(*args: object, **kwargs: object) -> Path:
        raise AssertionError("LibreOffice was asked to convert plain text")

    monkeypatch.setattr(webapp.renditions.services, "convert_to_pdf", refuse)


def test_a_text_upload_gets_its_pdf_copy_and_pages_without_libreoffice(
    app: Flask, world: World, no_libreoffice: None
) -> None:
    app.config.update(AUTO_PDF=True, AUTO_PREVIEWS=True)  # the jobs run as the upload commits (JOBS_IMMEDIATE)
    text = "\r\n".join([*LINES[:40], LONG_LINE, "\tс отступом", *LINES[40:]])
    case = world.open_case()
    document = world.upload(case["id"], text.encode(), filename="act.txt")

    response = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    pages = len(reader.pages)
    assert pages >= 2
    extracted = [page.extract_text() for page in reader.pages]
    joined = " ".join(" ".join(page.split()) for page in extracted)
    assert all(line in joined for line in LINES)  # every line, Cyrillic as text, in order
    assert joined.index(LINES[0]) < joined.index(LINES[-1])
    assert LONG_LINE in joined and "с отступом" in joined
    assert [re.findall(r"Страница \d+ из \d+", page) for page in extracted] == [
        [f"Страница {n} из {pages}"] for n in range(1, pages + 1)
    ]

    version = db.session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == document["id"])).one()
    assert db.session.scalar(select(Rendition).where(Rendition.version_id == version.id)) is not None
    preview = db.session.scalar(select(PagePreview).where(PagePreview.version_id == version.id))
    assert preview is not None and (preview.status, preview.page_count) == ("ready", pages)
    assert "Семья Ивановых" in preview.pages[0].text


def test_the_pdf_of_text_is_asked_for_without_libreoffice(world: World, no_libreoffice: None) -> None:
    """AUTO_PDF off: the request queues the job (run at once by the tests' queue) instead of answering 503."""
    document = world.upload(world.open_case()["id"], "Справка о составе семьи".encode(), filename="note.txt")
    response = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/pdf")
    assert response.status_code == 200
    assert "Справка о составе семьи" in PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
