"""The viewer and its page images: permissions of a content read, the watermark of who is looking, no file handed
over (inline, no-store), one audit event per opening, the page list's statuses, the viewer and compare pages."""

from __future__ import annotations

import io
import re
import secrets
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from fpdf import FPDF
from PIL import Image, ImageChops
from sqlalchemy import func, select

from storage import BlobNotFound
from tests.conftest import World
from tests.webapp.test_pages import forget_request_state, login
from webapp.audit.models import AuditEvent
from webapp.blobs.models import StoredFile
from webapp.documents.models import DocumentVersion
from webapp.exceptions import Forbidden
from webapp.extensions import db
from webapp.previews import delivery
from webapp.previews.models import PagePreview, PreviewPage
from webapp.previews.services import page_of
from webapp.runtime import blob_store

PAGE_SIZE = (700, 990)


def _webp(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "WEBP", quality=90)
    return out.getvalue()


def _jpeg(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=85)
    return out.getvalue()


def _stored(version: DocumentVersion, name: str, data: bytes) -> StoredFile:
    kind = Image.open(io.BytesIO(data)).format
    extension, media_type = ("jpg", "image/jpeg") if kind == "JPEG" else ("webp", "image/webp")
    stored = blob_store().put(f"{version.blob_key}.test-{secrets.token_hex(4)}.{name}.{extension}", io.BytesIO(data))
    return StoredFile.of(stored, "preview", media_type)


def make_preview(
    document_id: int,
    number: int = 1,
    *,
    pages: int = 2,
    status: str = "ready",
    count: int | None = None,
    error: str = "",
    page_format: str = "JPEG",
) -> PagePreview:
    """Page images as the rendering job leaves them (page JPEG, thumbnail WebP), written here with plain colours (the
    job is tested apart); `page_format="WEBP"` as page images made before pages were JPEG."""
    version = db.session.scalar(
        select(DocumentVersion).where(DocumentVersion.document_id == document_id, DocumentVersion.number == number)
    )
    assert version is not None
    preview = db.session.scalar(select(PagePreview).where(PagePreview.version_id == version.id))
    if preview is None:
        preview = PagePreview(version_id=version.id)
        db.session.add(preview)
    preview.pages.clear()
    db.session.flush()
    preview.status, preview.error = status, error
    preview.page_count = count if count is not None else (pages if status == "ready" else None)
    for page in range(1, pages + 1):
        shade = 255 - 20 * page
        preview.pages.append(
            PreviewPage(
                number=page,
                thumbnail_file=_stored(version, f"p{page}.thumb", _webp((shade, shade, 255), (100, 141))),
                image_file=_stored(version, f"p{page}.page", _page((shade, 255, shade), page_format)),
                width=PAGE_SIZE[0],
                height=PAGE_SIZE[1],
                text=f"страница {page} Иванов" if page == 2 else f"страница {page}",
            )
        )
    db.session.commit()
    return preview


def _page(colour: tuple[int, int, int], page_format: str = "JPEG") -> bytes:
    return _jpeg(colour, PAGE_SIZE) if page_format == "JPEG" else _webp(colour, PAGE_SIZE)


def _pdf(pages: int = 2) -> bytes:
    pdf = FPDF()
    for page in range(pages):
        pdf.add_page()
        pdf.set_font("helvetica", size=24)
        pdf.cell(text=f"Page {page + 1}")
    return bytes(pdf.output())


@pytest.fixture
def scene(app: Flask, world: World) -> dict[str, Any]:
    app.config["AUTO_PREVIEWS"] = False  # the pages come from make_preview
    case = world.open_case("spec1", "u1")
    doc = world.upload(case["id"], _pdf(), filename="scan.pdf")
    return {"case": case["id"], "doc": doc["id"]}


def page_client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    forget_request_state()
    login(client, username)
    forget_request_state()
    return client


def _get(client: FlaskClient, path: str) -> Any:
    forget_request_state()
    answer = client.get(path)
    forget_request_state()
    return answer


def _views(document_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "version.view", AuditEvent.object_id == document_id)
        )
        or 0
    )


def _last_view() -> int:
    """The id of the latest opening on record: the viewing session its page URLs carry."""
    return int(db.session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.action == "version.view")) or 0)


def _differing(one: Image.Image, other: Image.Image, threshold: int = 30) -> int:
    """How many pixels of the two images differ by more than `threshold` (of 255)."""
    difference = ImageChops.difference(one, other).convert("L")
    return int(difference.point(lambda value: 255 if value > threshold else 0).histogram()[255])


def _pixels(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


# --- Image endpoints ----------------------------------------------------------------------------------------


def test_page_images_are_inline_never_cached_and_watermarked_per_viewer(
    app: Flask, world: World, scene: dict[str, Any]
) -> None:
    make_preview(scene["doc"])
    api_path = f"/api/v1/documents/{scene['doc']}/versions/1/pages/1.webp"
    page_path = f"/documents/{scene['doc']}/versions/1/pages/1.webp"
    seen = {}
    for username in ("spec1", "head"):
        answer = world[username].get(api_path)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "image/webp"
        assert Image.open(io.BytesIO(answer.data)).format == "WEBP"
        assert answer.headers["Content-Disposition"] == "inline"
        assert "no-store" in answer.headers["Cache-Control"]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        seen[username] = _pixels(answer.data)
    assert seen["spec1"].size == PAGE_SIZE
    clean = _pixels(_page((235, 255, 235)))
    for username, image in seen.items():  # the mark is visible: many pixels well away from the clean page
        assert _differing(image, clean) > 2000, username
    assert _differing(seen["spec1"], seen["head"]) > 1000  # each carries its own viewer's name
    # The stored page stays clean.
    version = db.session.get(DocumentVersion, _version_id(scene["doc"]))
    assert version is not None
    row = page_of(version, 1)
    assert row is not None
    with blob_store().open(row.image_file.key) as stream:
        stored = _pixels(stream.read())
    assert _differing(stored, clean) == 0

    client = page_client(app, "spec1")
    answer = _get(client, page_path)
    assert answer.status_code == 200 and answer.headers["Content-Disposition"] == "inline"
    assert "no-store" in answer.headers["Cache-Control"]


def test_a_page_image_stored_as_webp_before_is_served_with_its_mark(world: World, scene: dict[str, Any]) -> None:
    make_preview(scene["doc"], page_format="WEBP")
    seen = {}
    for username in ("spec1", "head"):
        answer = world[username].get(f"/api/v1/documents/{scene['doc']}/versions/1/pages/1.webp")
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/webp"
        assert Image.open(io.BytesIO(answer.data)).format == "WEBP"
        seen[username] = _pixels(answer.data)
    clean = _pixels(_page((235, 255, 235), "WEBP"))
    assert seen["spec1"].size == PAGE_SIZE and _differing(seen["spec1"], clean) > 2000
    assert _differing(seen["spec1"], seen["head"]) > 1000


def test_watermark_names_the_viewer_and_the_time_in_the_institutions_zone(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses
    import datetime as dt

    from webapp.auth.models import User

    user = db.session.scalar(select(User).where(User.username == "spec1"))
    assert user is not None
    monkeypatch.setitem(app.config, "CASEFILES", dataclasses.replace(app.config["CASEFILES"], timezone="Europe/Moscow"))
    text = delivery.mark_text(user, dt.datetime(2026, 3, 1, 21, 30, tzinfo=dt.UTC))
    assert text == "Тест spec1 · 02.03.2026 00:30"


def test_a_page_requested_again_within_the_minute_is_not_marked_again(
    world: World, scene: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a viewing session a page is marked with the current minute; the same viewer's next request in that
    minute gets the image marked before, after the same read permission and the same read of the stored page."""
    import datetime as dt

    from webapp.auth.models import User

    make_preview(scene["doc"])
    wanted = select(User).where(User.username.in_(["spec1", "head", "archivist"]))
    users = {user.username: user for user in db.session.scalars(wanted)}
    now = dt.datetime(2026, 3, 2, 9, 15, 7, tzinfo=dt.UTC)  # a minute no other test marks a page with
    first = delivery.page_image(users["spec1"], scene["doc"], 1, 1, now=now)
    marked: list[str] = []
    original = delivery.marked_page

    def counted(clean: bytes, text: str) -> tuple[bytes, str]:
        marked.append(text)
        return original(clean, text)

    monkeypatch.setattr(delivery, "marked_page", counted)
    assert delivery.page_image(users["spec1"], scene["doc"], 1, 1, now=now + dt.timedelta(seconds=50)) == first
    assert marked == []
    other = delivery.page_image(users["head"], scene["doc"], 1, 1, now=now)  # another viewer: their own mark
    later = delivery.page_image(users["spec1"], scene["doc"], 1, 1, now=now + dt.timedelta(minutes=1))
    assert len(marked) == 2 and other.data != first.data and later.data != first.data
    assert _differing(_pixels(other.data), _pixels(first.data)) > 1000
    assert delivery.page_image(users["spec1"], scene["doc"], 1, 2, now=now).data != first.data  # another page
    version = db.session.get(DocumentVersion, _version_id(scene["doc"]))
    assert version is not None
    row = page_of(version, 1)
    assert row is not None
    blob_store().delete(row.image_file.key)  # the stored page is still read on every request
    with pytest.raises(BlobNotFound):
        delivery.page_image(users["spec1"], scene["doc"], 1, 1, now=now)
    with pytest.raises(Forbidden):  # and the permission of a content read still checked
        delivery.page_image(users["archivist"], scene["doc"], 1, 1, now=now)


def test_thumbnails_are_served_as_stored(world: World, scene: dict[str, Any]) -> None:
    make_preview(scene["doc"])
    answer = world["spec1"].get(f"/api/v1/documents/{scene['doc']}/versions/1/pages/2/thumbnail.webp")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == "inline" and "no-store" in answer.headers["Cache-Control"]
    assert answer.data == _webp((215, 215, 255), (100, 141))


@pytest.mark.parametrize(
    ("username", "status", "code"),
    [("spec2", 404, "not_found"), ("archivist", 403, "no_content_access"), ("admin", 404, "not_found")],
)
def test_page_images_follow_content_reads(
    app: Flask, world: World, scene: dict[str, Any], username: str, status: int, code: str
) -> None:
    make_preview(scene["doc"])
    for path in (
        f"/api/v1/documents/{scene['doc']}/versions/1/pages/1.webp",
        f"/api/v1/documents/{scene['doc']}/versions/1/pages/1/thumbnail.webp",
        f"/api/v1/documents/{scene['doc']}/versions/1/pages",
    ):
        answer = world[username].get(path)
        assert answer.status_code == status, path
        assert answer.get_json()["error"]["code"] == code
    client = page_client(app, username)
    for path in (
        f"/documents/{scene['doc']}/versions/1/pages/1.webp",
        f"/documents/{scene['doc']}/versions/1/pages/1/thumbnail.webp",
        f"/documents/{scene['doc']}/versions/1/view",
        f"/documents/{scene['doc']}/compare?left=1&right=1",
    ):
        assert _get(client, path).status_code == status, path
    assert _views(scene["doc"]) == 0


def test_a_page_not_ready_is_404_in_the_api_and_a_placeholder_on_pages(
    app: Flask, world: World, scene: dict[str, Any]
) -> None:
    make_preview(scene["doc"], pages=1, status="pending", count=3)
    answer = world["spec1"].get(f"/api/v1/documents/{scene['doc']}/versions/1/pages/2.webp")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "page_not_ready"
    beyond = world["spec1"].get(f"/api/v1/documents/{scene['doc']}/versions/1/pages/4.webp")
    assert beyond.status_code == 404 and beyond.get_json()["error"]["code"] == "no_such_page"
    client = page_client(app, "spec1")
    placeholder = _get(client, f"/documents/{scene['doc']}/versions/1/pages/2.webp")
    assert placeholder.status_code == 200 and placeholder.headers["Content-Type"] == "image/png"
    assert placeholder.data == delivery.placeholder().data
    assert "no-store" in placeholder.headers["Cache-Control"]


def test_a_destroyed_case_has_no_page_images(world: World, scene: dict[str, Any]) -> None:
    from webapp.cases.models import Case

    make_preview(scene["doc"])
    case = db.session.get(Case, scene["case"])
    assert case is not None
    case.status = "destroyed"
    db.session.commit()
    answer = world["spec1"].get(f"/api/v1/documents/{scene['doc']}/versions/1/pages/1.webp")
    assert answer.status_code == 410


# --- The page list ------------------------------------------------------------------------------------------


def _version_id(document_id: int, number: int = 1) -> int:
    version_id = db.session.scalar(
        select(DocumentVersion.id).where(DocumentVersion.document_id == document_id, DocumentVersion.number == number)
    )
    assert version_id is not None
    return int(version_id)


def test_the_page_list_asks_for_pages_and_answers_pending_then_ready(
    world: World, scene: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []
    monkeypatch.setattr(delivery, "request_preview", lambda version, actor_id=None: asked.append(version.id))
    path = f"/api/v1/documents/{scene['doc']}/versions/1/pages"
    answer = world["spec1"].get(path)
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "pending", "count": None, "error": "", "pages": []}
    assert answer.headers["Retry-After"] == "2"
    assert asked == [_version_id(scene["doc"])]

    make_preview(scene["doc"], pages=1, status="pending", count=2)
    partial = world["spec1"].get(path).get_json()
    assert (partial["status"], partial["count"], [page["number"] for page in partial["pages"]]) == ("pending", 2, [1])

    make_preview(scene["doc"], pages=2)
    ready = world["spec1"].get(path)
    assert "Retry-After" not in ready.headers
    record = ready.get_json()
    assert record["status"] == "ready" and record["count"] == 2 and record["error"] == ""
    assert record["pages"][1] == {
        "number": 2,
        "width": PAGE_SIZE[0],
        "height": PAGE_SIZE[1],
        "thumbnail_url": f"/api/v1/documents/{scene['doc']}/versions/1/pages/2/thumbnail.webp",
        "image_url": f"/api/v1/documents/{scene['doc']}/versions/1/pages/2.webp?view={_last_view()}",
    }
    assert world["spec1"].get(record["pages"][1]["image_url"]).status_code == 200


def test_a_failed_preview_says_why(app: Flask, world: World, scene: dict[str, Any]) -> None:
    make_preview(scene["doc"], pages=0, status="failed", error="Файл повреждён или не читается")
    record = world["spec1"].get(f"/api/v1/documents/{scene['doc']}/versions/1/pages").get_json()
    assert record == {"status": "failed", "count": None, "error": "Файл повреждён или не читается", "pages": []}
    image = world["spec1"].get(f"/api/v1/documents/{scene['doc']}/versions/1/pages/1.webp")
    assert image.status_code == 404
    assert image.get_json()["error"] == {"code": "preview_failed", "message": "Файл повреждён или не читается"}
    client = page_client(app, "spec1")
    viewer = _get(client, f"/documents/{scene['doc']}/versions/1/view")
    html = viewer.get_data(as_text=True)
    assert viewer.status_code == 200 and "Файл повреждён или не читается" in html and "data-pending" not in html
    placeholder = _get(client, f"/documents/{scene['doc']}/versions/1/pages/1.webp")
    assert placeholder.status_code == 200 and placeholder.data == delivery.placeholder("Страница не подготовлена").data


def test_no_answer_of_the_viewer_is_a_file_to_save(app: Flask, world: World, scene: dict[str, Any]) -> None:
    path = f"/api/v1/documents/{scene['doc']}/versions/1"
    world["spec1"].upload(path.replace("/versions/1", "/versions"), _pdf(1), filename="scan.pdf", base_version="1")
    make_preview(scene["doc"], 1, pages=1)
    make_preview(scene["doc"], 2, pages=1)
    client = page_client(app, "spec1")
    page = f"/documents/{scene['doc']}/versions/1"
    answers = [_get(client, url) for url in (f"{page}/view", f"{page}/pages.json", f"{page}/pages/1.webp")]
    answers += [_get(client, f"{page}/pages/1/thumbnail.webp"), _get(client, f"{page}/pages/9.webp")]
    answers.append(_get(client, f"/documents/{scene['doc']}/compare?left=1&right=2"))
    answers += [world["spec1"].get(url) for url in (f"{path}/pages", f"{path}/pages/1.webp")]
    answers.append(world["spec1"].get(f"{path}/pages/1/thumbnail.webp"))
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 404, 200, 200, 200, 200]
    for answer in answers:
        assert "attachment" not in answer.headers.get("Content-Disposition", "")
        assert "no-store" in answer.headers["Cache-Control"]


def test_a_real_pdf_is_rendered_when_first_opened(app: Flask, world: World, scene: dict[str, Any]) -> None:
    """The rendering job (webapp.previews.services) asked for by the opening; jobs run at once in the tests."""
    path = f"/api/v1/documents/{scene['doc']}/versions/1/pages"
    world["spec1"].get(path)
    record = world["spec1"].get(path).get_json()
    assert record["status"] == "ready" and record["count"] == 2
    image = world["spec1"].get(record["pages"][0]["image_url"])
    assert image.status_code == 200 and _pixels(image.data).width == record["pages"][0]["width"]


# --- Audit --------------------------------------------------------------------------------------------------


def test_one_view_event_per_opening_not_per_image(app: Flask, world: World, scene: dict[str, Any]) -> None:
    make_preview(scene["doc"], pages=3)
    client = page_client(app, "spec1")
    assert _get(client, f"/documents/{scene['doc']}/versions/1/view").status_code == 200
    for page in (1, 2, 3):
        assert _get(client, f"/documents/{scene['doc']}/versions/1/pages/{page}.webp").status_code == 200
        assert _get(client, f"/documents/{scene['doc']}/versions/1/pages/{page}/thumbnail.webp").status_code == 200
    assert _get(client, f"/documents/{scene['doc']}/versions/1/pages.json").status_code == 200  # the poll
    assert _views(scene["doc"]) == 1
    world["spec1"].get(f"/api/v1/documents/{scene['doc']}/versions/1/pages")
    for page in (1, 2):
        world["spec1"].get(f"/api/v1/documents/{scene['doc']}/versions/1/pages/{page}.webp")
    assert _views(scene["doc"]) == 2
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "version.view")).first()
    assert event is not None and event.details == {"version": 1} and event.object_type == "document"


# --- Pages --------------------------------------------------------------------------------------------------


def test_the_viewer_shows_pages_thumbnails_and_never_the_file(app: Flask, scene: dict[str, Any]) -> None:
    make_preview(scene["doc"], pages=3)
    client = page_client(app, "spec1")
    answer = _get(client, f"/documents/{scene['doc']}/versions/1/view")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Content-Disposition" not in answer.headers
    for page in (1, 2, 3):
        assert f'id="page-{page}"' in html
        image = rf'src="/documents/{scene["doc"]}/versions/1/pages/{page}\.webp\?view=\d+" alt="Страница {page}"'
        assert re.search(image, html), page
        assert f'src="/documents/{scene["doc"]}/versions/1/pages/{page}/thumbnail.webp"' in html
    assert html.count('loading="lazy"') == 6
    assert "/download" not in html and "/content" not in html  # the original file is never offered here
    assert "previews.js" in html and "<script>" not in html
    assert 'data-start="1"' in html
    assert 'data-start="3"' in _get(client, f"/documents/{scene['doc']}/versions/1/view?page=3").get_data(as_text=True)
    bad = _get(client, f"/documents/{scene['doc']}/versions/1/view?page=abc")
    assert bad.status_code == 400


def test_the_viewer_shows_placeholders_while_pages_are_made(
    app: Flask, scene: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "request_preview", lambda version, actor_id=None: None)  # its job still working
    make_preview(scene["doc"], pages=1, status="pending", count=3)
    client = page_client(app, "spec1")
    html = _get(client, f"/documents/{scene['doc']}/versions/1/view").get_data(as_text=True)
    assert html.count('data-pending="image"') == 2 and html.count('data-pending="thumbnail"') == 2
    found = re.search(rf'data-poll-url="(/documents/{scene["doc"]}/versions/1/pages\.json\?view=(\d+))"', html)
    assert found is not None
    poll = _get(client, found.group(1)).get_json()
    assert poll["status"] == "pending" and poll["count"] == 3
    view = found.group(2)  # the session's id goes on into the pages' URLs
    assert poll["pages"][0]["image_url"] == f"/documents/{scene['doc']}/versions/1/pages/1.webp?view={view}"
    plain = _get(client, f"/documents/{scene['doc']}/versions/1/pages.json").get_json()
    assert plain["pages"][0]["image_url"] == f"/documents/{scene['doc']}/versions/1/pages/1.webp"


def test_a_search_hit_opens_at_the_page_that_matched(app: Flask, scene: dict[str, Any]) -> None:
    make_preview(scene["doc"], pages=3)
    client = page_client(app, "spec1")
    forget_request_state()
    found = client.post("/search", data={"q": "Иванов", "csrf_token": _token(client)})
    forget_request_state()
    query_id = re.search(r"query=([A-Za-z0-9_-]{22})", found.headers["Location"])
    assert query_id is not None
    html = _get(client, f"/documents/{scene['doc']}/versions/1/view?query={query_id.group(1)}").get_data(as_text=True)
    assert 'data-start="2"' in html
    expired = _get(client, f"/documents/{scene['doc']}/versions/1/view?query={'x' * 22}")
    assert expired.status_code == 200 and 'data-start="1"' in expired.get_data(as_text=True)


def _token(client: FlaskClient) -> str:
    from tests.webapp.test_pages import _csrf

    forget_request_state()
    token = _csrf(client.get("/").get_data(as_text=True))
    forget_request_state()
    return token


def test_compare_shows_two_versions_page_by_page(app: Flask, world: World, scene: dict[str, Any]) -> None:
    path = f"/api/v1/documents/{scene['doc']}/versions"
    answer = world["spec1"].upload(path, _pdf(3), filename="scan.pdf", base_version="1")
    assert answer.status_code == 201, answer.get_json()
    make_preview(scene["doc"], 1, pages=2)
    make_preview(scene["doc"], 2, pages=3)
    client = page_client(app, "spec1")
    before = _views(scene["doc"])
    answer = _get(client, f"/documents/{scene['doc']}/compare?left=1&right=2")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    for number, pages in ((1, 2), (2, 3)):
        for page in range(1, pages + 1):
            assert f'id="v{number}-page-{page}"' in html
            assert f"/documents/{scene['doc']}/versions/{number}/pages/{page}.webp" in html
    assert "Страницы 3 в этой версии нет" in html
    assert _views(scene["doc"]) == before + 2  # each version shown is an opening
    viewer = _get(client, f"/documents/{scene['doc']}/versions/2/view").get_data(as_text=True)
    assert f"/documents/{scene['doc']}/compare?left=1&amp;right=2" in viewer


def test_the_case_page_shows_first_page_thumbnails_and_links_to_the_viewer(
    app: Flask, world: World, scene: dict[str, Any]
) -> None:
    other = world.upload(scene["case"], _pdf(), filename="other.pdf")
    make_preview(scene["doc"], pages=1)
    client = page_client(app, "spec1")
    html = _get(client, f"/cases/{scene['case']}").get_data(as_text=True)
    assert f'<img src="/documents/{scene["doc"]}/versions/1/pages/1/thumbnail.webp"' in html
    assert f'href="/documents/{scene["doc"]}/versions/1/view"' in html
    assert f'data-poll-url="/documents/{other["id"]}/versions/1/pages.json"' in html  # not ready: a placeholder
    assert html.count(">Просмотр</a>") == 2
    archivist = _get(page_client(app, "archivist"), f"/cases/{scene['case']}").get_data(as_text=True)
    assert "thumbnail.webp" not in archivist and ">Просмотр</a>" not in archivist


def test_search_results_show_thumbnails_linking_to_the_viewer(app: Flask, scene: dict[str, Any]) -> None:
    make_preview(scene["doc"], pages=1)
    client = page_client(app, "spec1")
    forget_request_state()
    found = client.post("/search", data={"q": "Page", "csrf_token": _token(client)})
    forget_request_state()
    html = _get(client, found.headers["Location"]).get_data(as_text=True)
    assert f'src="/documents/{scene["doc"]}/versions/1/pages/1/thumbnail.webp"' in html
    assert re.search(rf'href="/documents/{scene["doc"]}/versions/1/view\?query=[A-Za-z0-9_-]{{22}}"', html)
