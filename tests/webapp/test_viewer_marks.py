"""The search's words marked on a viewer's page: `marks.json` says where they are on the page (fractions of its
width and height, origin top-left), from the PDF's text layer, with the permissions of a content read."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from fpdf import FPDF
from sqlalchemy import func, select

from tests.conftest import World
from tests.webapp.test_pages import forget_request_state, login
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.documents.models import DocumentVersion
from webapp.extensions import db
from webapp.previews import highlights, services
from webapp.search.queries import remember_query
from webapp.uow import commit

# A4 in millimetres, fpdf2's default unit: the word is drawn on page 2 only, its cell's top-left corner here.
PAGE_MM = (210.0, 297.0)
WORD_AT_MM = (50.0, 100.0)
WORD = "Zebrafish"


def _pdf() -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=24)
    pdf.add_page()
    pdf.cell(text="Page 1: nothing to see")
    pdf.add_page()
    pdf.cell(text="Page 2")
    pdf.set_xy(*WORD_AT_MM)
    pdf.cell(text=WORD)
    return bytes(pdf.output())


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    forget_request_state()
    login(client, username)
    forget_request_state()
    return client


def _marks(client: FlaskClient, document_id: int, page: int, query_id: str) -> Any:
    forget_request_state()
    answer = client.get(f"/documents/{document_id}/versions/1/pages/{page}/marks.json?query={query_id}")
    forget_request_state()
    return answer


def _kept(username: str, words: str) -> str:
    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None
    return remember_query(user, words)


@pytest.fixture
def scene(app: Flask, world: World) -> dict[str, Any]:
    app.config["AUTO_PREVIEWS"] = False
    case = world.open_case("spec1", "u1")
    doc = world.upload(case["id"], _pdf(), filename="scan.pdf")
    version = db.session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == doc["id"])).one()
    services.request_preview(version)
    commit()  # the job runs: the page images, each with its text
    db.session.expire_all()
    preview = services.preview_of(version)
    assert preview is not None and preview.status == "ready" and len(preview.pages) == 2
    assert WORD in preview.pages[1].text and WORD not in preview.pages[0].text
    return {"doc": doc["id"], "version": version}


def test_the_word_is_marked_where_it_was_drawn_on_its_page_only(app: Flask, scene: dict[str, Any]) -> None:
    client = _client(app, "spec1")
    query_id = _kept("spec1", WORD.lower())  # case-insensitive
    views = db.session.scalar(select(func.count()).select_from(AuditEvent))
    answer = _marks(client, scene["doc"], 2, query_id)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "private, no-store"
    boxes = answer.get_json()["boxes"]
    assert len(boxes) == 1
    x, y, w, h = boxes[0]
    assert all(0 <= value <= 1 for value in (x, y, w, h)) and w > 0 and h > 0
    assert x + w <= 1 and y + h <= 1
    left, top = WORD_AT_MM[0] / PAGE_MM[0], WORD_AT_MM[1] / PAGE_MM[1]
    assert abs(x - left) < 0.03 and abs(y - top) < 0.03, boxes  # the cell's top-left, a little padding aside
    assert 0.1 < w < 0.4 and h < 0.05  # one word of 24 pt, not the line or the page
    assert _marks(client, scene["doc"], 1, query_id).get_json() == {"boxes": []}
    assert _marks(client, scene["doc"], 3, query_id).get_json() == {"boxes": []}  # no such page: nothing to mark
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == views  # the opening was on record


def test_another_districts_specialist_gets_404(app: Flask, scene: dict[str, Any]) -> None:
    answer = _marks(_client(app, "spec2"), scene["doc"], 2, _kept("spec2", WORD))
    assert answer.status_code == 404


def test_an_unknown_or_someone_elses_query_id_marks_nothing(app: Flask, scene: dict[str, Any]) -> None:
    client = _client(app, "spec1")
    assert _marks(client, scene["doc"], 2, "x" * 22).get_json() == {"boxes": []}
    assert _marks(client, scene["doc"], 2, "not-an-id").get_json() == {"boxes": []}
    assert _marks(client, scene["doc"], 2, _kept("spec2", WORD)).get_json() == {"boxes": []}  # not spec1's


def test_the_viewer_gives_its_pages_the_marks_url_only_with_a_query(app: Flask, scene: dict[str, Any]) -> None:
    client = _client(app, "spec1")
    query_id = _kept("spec1", WORD)
    forget_request_state()
    html = client.get(f"/documents/{scene['doc']}/versions/1/view?query={query_id}").get_data(as_text=True)
    plain = client.get(f"/documents/{scene['doc']}/versions/1/view").get_data(as_text=True)
    forget_request_state()
    assert f'data-marks-url="/documents/{scene["doc"]}/versions/1/pages/0/marks.json?query={query_id}"' in html
    assert 'data-start="2"' in html
    assert "data-marks-url" not in plain and WORD not in html


def test_words_are_found_in_any_case_with_yo_as_ye_and_capped(
    app: Flask, scene: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    version = scene["version"]
    assert len(highlights.word_boxes(version, 2, "ZEBRAFISH")) == 1
    assert len(highlights.word_boxes(version, 2, ["zebra", "fish", "nothing"])) == 2  # a box per word matched
    assert highlights.word_boxes(version, 2, "a") == []  # a letter alone is not marked
    assert {"ёлка", "елка", "Ёлка", "Елка", "ЁЛКА"} <= set(highlights._spellings("ёлка"))
    assert {"ёлка", "Ёлка"} <= set(highlights._spellings("елка"))
    assert len(highlights.word_boxes(version, 2, "page zebrafish")) == 2
    monkeypatch.setattr(highlights, "MAX_BOXES", 1)
    assert len(highlights.word_boxes(version, 2, "page zebrafish")) == 1
