"""Scans are recognised in a background job and found by their words; the original stays byte for byte."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.conftest import World
from tests.search_index.scans import scan_pdf, scan_png
from webapp.documents.models import DocumentVersion
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.search.models import VersionText


def test_a_scanned_act_is_found_by_its_words(app: Flask, world: World) -> None:
    app.config["AUTO_OCR"] = True
    case = world.open_case()
    image = scan_png(["Акт обследования многодетной семьи Ивановых"])
    document = world.upload(case["id"], image, filename="scan.png", title="Скан")
    job = db.session.scalar(db.select(Job).where(Job.kind == "ocr"))
    assert job is not None and job.status == "done" and job.result["recognised"] is True
    hits = world["spec1"].get("/api/v1/search?q=многодетная семья Иванова").get_json()["items"]
    assert [hit["document_id"] for hit in hits] == [document["id"]]
    assert any("<mark>" in fragment for fragment in hits[0]["highlights"])
    stored = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/content")
    assert stored.data == image  # only the extracted text is kept; the scan is not modified


def test_a_text_less_pdf_is_recognised_and_a_text_pdf_is_not(app: Flask, world: World) -> None:
    from fpdf import FPDF

    app.config["AUTO_OCR"] = True
    case = world.open_case()
    world.upload(case["id"], scan_pdf(["Ходатайство о постановке на учёт"]), filename="scan.pdf")
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for _ in range(5):
        pdf.cell(text="A letter with a real text layer, long enough to be read.", new_x="LMARGIN", new_y="NEXT")
    world.upload(case["id"], bytes(pdf.output()), filename="letter.pdf")
    jobs = db.session.scalars(db.select(Job).where(Job.kind == "ocr").order_by(Job.id)).all()
    assert [job.result["recognised"] for job in jobs] == [True, False]
    assert db.session.scalar(db.select(db.func.count(VersionText.id))) == 1
    assert world["spec1"].get("/api/v1/search?q=ходатайство").get_json()["total"] == 1
    assert world["spec1"].get("/api/v1/search?q=letter").get_json()["total"] == 1


def test_uploads_that_are_not_scans_get_no_ocr_job(app: Flask, world: World) -> None:
    app.config["AUTO_OCR"] = True
    world.upload(world.open_case()["id"], "текст".encode())
    assert db.session.scalar(db.select(db.func.count(Job.id)).where(Job.kind == "ocr")) == 0


def test_indexing_a_scan_does_not_fetch_it_from_storage(app: Flask, world: World, monkeypatch) -> None:
    from webapp.runtime import blob_store

    store = blob_store()
    opened: list[str] = []
    real_open = store.open
    monkeypatch.setattr(store, "open", lambda key: opened.append(key) or real_open(key))
    case = world.open_case()
    scan = world.upload(case["id"], scan_png(["Скан"]), filename="scan.png")
    note = world.upload(case["id"], "Справка о составе семьи".encode(), filename="note.txt")
    keys = {
        document_id: db.session.scalars(
            select(DocumentVersion.blob_key).where(DocumentVersion.document_id == document_id)
        ).one()
        for document_id in (scan["id"], note["id"])
    }
    assert keys[scan["id"]] not in opened  # the scan's bytes stay where they are
    assert keys[note["id"]] in opened  # the text file is read for the index (and looked at for a PEM signature)
    assert world["spec1"].get("/api/v1/search?q=справка").get_json()["total"] == 1
