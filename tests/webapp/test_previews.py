"""Page images for the viewer (webapp.previews): rendered from a PDF, an image (multi-page TIFF too) or an office
document's PDF copy, page by page in a job; a source that cannot be rendered fails the preview with a message and
its job for good; a rebuild replaces the pages; the images follow a moved document and go with a destroyed case."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import docx
import pytest
from flask import Flask
from fpdf import FPDF
from PIL import Image
from sqlalchemy import select

from document_templates.pdf import soffice_path
from tests.conftest import World
from webapp.archive import destruction
from webapp.auth.models import User
from webapp.blobs.models import StoredFile
from webapp.blobs.services import collect_garbage, run_fixity
from webapp.cli import main
from webapp.documents.models import DocumentVersion
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.services import requeue_waiting_jobs
from webapp.previews import services
from webapp.previews.models import PagePreview, PreviewPage
from webapp.previews.render import PAGE_WIDTH, THUMBNAIL_WIDTH
from webapp.renditions.models import Rendition
from webapp.runtime import blob_store
from webapp.uow import commit

WORDS = ("alpha", "bravo", "charlie", "delta")


def _pdf(words: tuple[str, ...] = WORDS) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=28)
    for number, word in enumerate(words, start=1):
        pdf.add_page()
        pdf.cell(text=f"Page {number}: {word.upper()} Mixed")
        pdf.rect(20 + 30 * number, 60, 40, 40 * number, style="F")  # each page looks different
    return bytes(pdf.output())


def _upload(
    world: World, content: bytes, filename: str, case: dict[str, Any] | None = None, **fields: str
) -> DocumentVersion:
    case = case or world.open_case()
    response = world["spec1"].upload(f"/api/v1/cases/{case['id']}/documents", content, filename=filename, **fields)
    assert response.status_code == 201, response.get_json()
    document_id = response.get_json()["id"]
    return db.session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == document_id)).one()


def _preview(version: DocumentVersion) -> PagePreview:
    db.session.expire_all()
    preview = services.preview_of(version)
    assert preview is not None
    return preview


def _image(file: StoredFile) -> Image.Image:
    with blob_store().open(file.key) as stream:
        data = stream.read()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _jobs(version: DocumentVersion) -> list[Job]:
    jobs = db.session.scalars(select(Job).where(Job.kind == services.JOB_KIND).order_by(Job.id)).all()
    return [job for job in jobs if job.params["version_id"] == version.id]


def _page_files(preview: PagePreview) -> list[StoredFile]:
    return [file for page in preview.pages for file in (page.thumbnail_file, page.image_file)]


@pytest.fixture
def automatic(app: Flask) -> None:
    app.config["AUTO_PREVIEWS"] = True


def test_a_pdf_gets_its_pages_in_order_each_with_its_text(app: Flask, world: World, automatic: None) -> None:
    version = _upload(world, _pdf(), "scan.pdf")

    preview = _preview(version)
    assert (preview.status, preview.page_count, preview.error) == ("ready", 4, "")
    assert [page.number for page in preview.pages] == [1, 2, 3, 4]
    for page, word in zip(preview.pages, WORDS, strict=True):
        assert word.upper() in page.text and f"Page {page.number}" in page.text
        image, thumbnail = _image(page.image_file), _image(page.thumbnail_file)
        # The page is JPEG (decoded and re-encoded with the watermark on every request), one channel for a page in
        # black and white; the thumbnail, served as stored, stays WebP.
        assert (image.format, image.mode, thumbnail.format) == ("JPEG", "L", "WEBP")
        assert image.width == page.width == PAGE_WIDTH and abs(image.height - round(PAGE_WIDTH * 297 / 210)) <= 2
        assert thumbnail.width == THUMBNAIL_WIDTH
        assert page.image_file.kind == page.thumbnail_file.kind == "preview"
        assert (page.image_file.media_type, page.thumbnail_file.media_type) == ("image/jpeg", "image/webp")
        assert page.image_file.key.endswith(f".p{page.number}.page.jpg")
        assert page.thumbnail_file.key.endswith(f".p{page.number}.thumb.webp")
        assert page.image_file.key.startswith(f"{version.blob_key}.")  # under the version's key: moves follow
    images = [_image(page.image_file).tobytes() for page in preview.pages]
    assert len(set(images)) == 4
    (job,) = _jobs(version)
    assert (job.status, job.progress, job.result) == ("done", 1.0, {"document_id": version.document_id, "version": 1})
    assert run_fixity().clean

    assert services.find_page(version, "charlie") == 3
    assert services.find_page(version, "PAGE 4 mixed") == 4
    assert services.find_page(version, "nowhere delta") == 4  # the page with the most of the words
    assert services.find_page(version, "nowhere") is None
    assert services.page_of(version, 2) is preview.pages[1] and services.page_of(version, 5) is None


def test_an_image_becomes_one_page_upright(app: Flask, world: World, automatic: None) -> None:
    photo = Image.new("RGB", (3000, 2000), "white")
    photo.paste((200, 0, 0), (0, 0, 3000, 400))  # a red band along the top as it was taken
    exif = photo.getexif()
    exif[0x0112] = 6  # the camera was turned: show it rotated 90° clockwise
    data = io.BytesIO()
    photo.save(data, "JPEG", exif=exif)

    version = _upload(world, data.getvalue(), "photo.jpg")

    preview = _preview(version)
    assert (preview.status, preview.page_count) == ("ready", 1)
    (page,) = preview.pages
    image = _image(page.image_file).convert("RGB")
    assert (page.width, page.height) == (image.width, image.height) == (1400, 2100)
    assert page.text == ""
    right = image.getpixel((image.width - 20, image.height // 2))  # the band is on the right now
    assert isinstance(right, tuple) and right[0] > 150 and right[1] < 80


def test_a_multi_page_tiff_gives_a_page_per_frame_in_order(app: Flask, world: World, automatic: None) -> None:
    colours = [(220, 30, 30), (30, 220, 30), (30, 30, 220)]
    frames = [Image.new("RGB", (1700, 2200), colour) for colour in colours]
    data = io.BytesIO()
    frames[0].save(data, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate")

    version = _upload(world, data.getvalue(), "scan.tif")

    preview = _preview(version)
    assert (preview.status, preview.page_count) == ("ready", 3)
    for page, colour in zip(preview.pages, colours, strict=True):
        thumbnail = _image(page.thumbnail_file).convert("RGB")
        assert thumbnail.width == THUMBNAIL_WIDTH and page.width == PAGE_WIDTH
        found = thumbnail.getpixel((100, 100))
        assert isinstance(found, tuple) and all(abs(a - b) < 25 for a, b in zip(found, colour, strict=True))


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice is not installed (scripts/test.sh installs it)")
def test_an_office_document_gets_its_pages_from_its_pdf_copy_on_request(app: Flask, world: World) -> None:
    document = docx.Document()
    document.add_paragraph("First page of the agreement")
    document.add_page_break()  # type: ignore[no-untyped-call]
    document.add_paragraph("Second page with signatures")
    data = io.BytesIO()
    document.save(data)
    version = _upload(world, data.getvalue(), "agreement.docx")
    assert services.preview_of(version) is None and _jobs(version) == []  # AUTO_PREVIEWS off: asked on opening

    preview = services.request_preview(version)
    assert preview is not None and preview.status == "pending"
    commit()  # the job runs now (JOBS_IMMEDIATE): the PDF copy is made, then its pages

    preview = _preview(version)
    assert (preview.status, preview.page_count) == ("ready", 2)
    assert "First page" in preview.pages[0].text and "Second page" in preview.pages[1].text
    assert db.session.scalar(select(Rendition).where(Rendition.version_id == version.id)) is not None
    assert len(_jobs(version)) == 1  # the copy's RenditionMade found the job running: no second one
    assert services.request_preview(version) is preview
    commit()
    assert len(_jobs(version)) == 1  # ready: nothing to do
    assert services.find_page(version, "signatures") == 2


def test_opening_asks_once_and_pages_are_ready_after_the_job(app: Flask, world: World) -> None:
    version = _upload(world, _pdf(WORDS[:2]), "scan.pdf")
    assert services.preview_of(version) is None
    first = services.request_preview(version)
    second = services.request_preview(version)  # before the commit: the job is queued already
    assert first is second and first is not None
    assert len(_jobs(version)) == 1
    commit()
    assert _preview(version).status == "ready" and len(_jobs(version)) == 1
    assert services.request_preview(version) is not None
    commit()
    assert len(_jobs(version)) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4\n%not really a PDF at all\n", services.DAMAGED),
        (None, services.ENCRYPTED),
        (b"\xff\xd8\xff\xe0 not a JPEG", services.DAMAGED),
    ],
)
def test_a_source_that_cannot_be_rendered_fails_for_good_with_a_message(
    app: Flask, world: World, automatic: None, content: bytes | None, message: str
) -> None:
    if content is None:
        locked = FPDF()
        locked.set_encryption(owner_password="owner", user_password="secret")
        locked.add_page()
        content = bytes(locked.output())
    version = _upload(world, content, "scan.bin")  # the upload itself answers 201, never 500

    preview = _preview(version)
    assert (preview.status, preview.error, preview.pages) == ("failed", message, [])
    (job,) = _jobs(version)
    assert (job.status, job.attempts, job.error) == ("failed", 1, message)
    requeue_waiting_jobs()
    assert services.request_preview(version) is preview
    commit()
    assert [job.status for job in _jobs(version)] == ["failed"]  # never tried again but by a rebuild
    assert db.session.scalars(select(StoredFile).where(StoredFile.kind == "preview")).all() == []


def test_a_rebuild_replaces_the_pages_and_leaves_nothing_behind(app: Flask, world: World, automatic: None) -> None:
    version = _upload(world, _pdf(WORDS[:3]), "scan.pdf")
    old = _page_files(_preview(version))
    old_ids, old_keys = [file.id for file in old], [file.key for file in old]
    store = blob_store()
    assert len(old) == 6 and all(store.exists(key) for key in old_keys)

    runner = app.test_cli_runner()
    result = runner.invoke(main, ["previews", "rebuild", "--document", str(version.document_id)])
    assert result.exit_code == 0, result.output
    assert "queued 1 of 1 versions" in result.output

    preview = _preview(version)
    assert (preview.status, [page.number for page in preview.pages]) == ("ready", [1, 2, 3])
    new_keys = [file.key for file in _page_files(preview)]
    assert set(new_keys).isdisjoint(old_keys) and all(store.exists(key) for key in new_keys)
    assert not any(store.exists(key) for key in old_keys)
    discarded = db.session.scalars(select(StoredFile).where(StoredFile.id.in_(old_ids))).all()
    assert len(discarded) == 6 and all(file.deleted_at is not None for file in discarded)  # rows kept, marked
    assert db.session.scalar(select(db.func.count(PreviewPage.id))) == 3
    assert collect_garbage(grace=dt.timedelta(0), dry_run=True).removed == []
    assert run_fixity().clean

    now = runner.invoke(main, ["previews", "rebuild", "--all", "--now"])
    assert now.exit_code == 0, now.output
    assert "rendered the pages of 1 of 1 versions, 0 failed" in now.output
    assert "version" in now.output and "3/3 pages" in now.output
    assert runner.invoke(main, ["previews", "rebuild"]).exit_code != 0  # --all or --document


def test_a_failed_preview_is_rendered_again_by_a_rebuild(app: Flask, world: World, automatic: None) -> None:
    version = _upload(world, b"%PDF-1.4\n%broken\n", "scan.pdf")
    assert _preview(version).status == "failed"
    summary = services.rebuild_previews(document_id=version.document_id, now=True)
    assert (summary.versions, summary.ready, summary.failed) == (1, 0, 1)
    assert _preview(version).error == services.DAMAGED


def test_page_images_follow_a_moved_document(app: Flask, world: World, automatic: None) -> None:
    source, target = world.open_case(), world.open_case()
    version = _upload(world, _pdf(WORDS[:2]), "scan.pdf", case=source)
    old_keys = [file.key for file in _page_files(_preview(version))]

    moved = world["spec1"].post(
        f"/api/v1/documents/{version.document_id}/move", json={"case_id": target["id"], "reason": "не то дело"}
    )

    assert moved.status_code == 200, moved.get_json()
    preview = _preview(version)
    sequence = target["number"].split("/")[-1]
    new_keys = [file.key for file in _page_files(preview)]
    assert len(new_keys) == 4
    assert all(key.startswith(f"2026/04-05/{sequence}/{version.document_id}/") for key in new_keys)
    store = blob_store()
    assert all(store.exists(key) for key in new_keys) and not any(store.exists(key) for key in old_keys)
    assert run_fixity().clean


def test_pages_rendered_while_a_moved_documents_files_are_on_their_way_go_to_its_new_case(
    app: Flask, world: World, automatic: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webapp.blobs import relocation

    source, target = world.open_case(), world.open_case()
    version = _upload(world, _pdf(WORDS[:2]), "scan.pdf", case=source)
    monkeypatch.setattr(relocation, "create_job", lambda kind, params: None)  # the relocation job has not run yet
    moved = world["spec1"].post(
        f"/api/v1/documents/{version.document_id}/move", json={"case_id": target["id"], "reason": "не то дело"}
    )
    assert moved.status_code == 200, moved.get_json()

    services.rebuild_previews(document_id=version.document_id, now=True)

    sequence = target["number"].split("/")[-1]
    keys = [file.key for file in _page_files(_preview(version))]
    assert len(keys) == 4 and all(key.startswith(f"2026/04-05/{sequence}/{version.document_id}/") for key in keys)


def test_a_destroyed_cases_page_images_are_deleted(app: Flask, world: World, automatic: None) -> None:
    body = {"index": "04-10", "title": "Дела 04-10", "year": 2018, "article": "ст. 151", "retention_years": 3}
    assert world["archivist"].post("/api/v1/nomenclature", json=body).status_code == 201
    case = world.open_case(nomenclature_index="04-10", year=2018, opened_on="2018-02-01")
    version = _upload(world, _pdf(WORDS[:2]), "scan.pdf", case=case, date="2018-03-01")
    files = _page_files(_preview(version))
    file_ids, keys = [file.id for file in files], [file.key for file in files]
    closed = world["archivist"].post(f"/api/v1/cases/{case['id']}/close", json={"closed_on": "2018-12-01"})
    assert closed.status_code == 200, closed.get_json()
    archivist = db.session.scalars(select(User).where(User.username == "archivist")).one()
    head = db.session.scalars(select(User).where(User.username == "head")).one()
    act = destruction.draft_act(archivist, [case["id"]], today=dt.date.today())
    destruction.approve_act(head, act.id, today=dt.date.today())
    commit()  # the destruction job runs now

    db.session.expire_all()
    store = blob_store()
    assert not any(store.exists(key) for key in keys)
    marked = db.session.scalars(select(StoredFile).where(StoredFile.id.in_(file_ids))).all()
    assert len(marked) == 4 and all(file.deleted_at is not None for file in marked)
    assert services.preview_of(version) is None
    assert db.session.scalar(select(db.func.count(PreviewPage.id))) == 0  # their text went too
    assert services.request_preview(version) is None  # nothing to render any more
    assert services.versions_to_rebuild() == []


class _Killed(BaseException):
    """Stands for the worker's death mid-job: nothing in the job catches it."""


def test_a_job_cut_off_goes_on_after_the_pages_it_has(app: Flask, world: World) -> None:
    version = _upload(world, _pdf(WORDS[:3]), "scan.pdf")

    def die_after_the_first_page(done: int, total: int) -> None:
        if done == 1:
            raise _Killed

    with pytest.raises(_Killed):
        services.render_previews(version, progress=die_after_the_first_page)
    db.session.rollback()
    preview = _preview(version)
    assert (preview.status, preview.page_count, [page.number for page in preview.pages]) == ("pending", 3, [1])
    first_file = preview.pages[0].image_file_id

    seen: list[tuple[int, int]] = []
    preview = services.render_previews(version, progress=lambda done, total: seen.append((done, total)))

    assert (preview.status, [page.number for page in preview.pages]) == ("ready", [1, 2, 3])
    assert preview.pages[0].image_file_id == first_file  # kept, not rendered again
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert "CHARLIE" in preview.pages[2].text


def test_a_pending_preview_whose_job_was_given_up_is_shown_as_failed(app: Flask, world: World) -> None:
    version = _upload(world, _pdf(WORDS[:1]), "scan.pdf")
    preview = services.request_preview(version)
    assert preview is not None
    (job,) = _jobs(version)
    job.status, job.error = "failed", "given up"  # as requeue_expired_jobs does after MAX_ATTEMPTS deaths
    db.session.commit()  # not uow.commit: the job is not handed to the queue

    again = services.request_preview(version)

    assert again is preview and (preview.status, preview.error) == ("failed", services.GIVEN_UP)
    assert len(_jobs(version)) == 1
