"""Opening a case and uploading a document from the pages (the browser suite drives the same pages with
JavaScript: tests/browser)."""

from __future__ import annotations

import io

from flask.testing import FlaskClient

from tests.conftest import World
from tests.webapp.test_pages import _csrf, login
from webapp.cases.models import Case
from webapp.extensions import db


def test_a_specialist_opens_a_case_of_their_district(world: World, client: FlaskClient) -> None:
    login(client, "spec1")
    page = client.get("/cases/new").get_data(as_text=True)
    assert "04-05" in page and "Участок № 1" in page and "Участок № 2" not in page
    answer = client.post(
        "/cases/new",
        data={
            "csrf_token": _csrf(page),
            "nomenclature_index": "04-05",
            "title": "Личное дело: семья Новиковых",
            "district": "u1",
            "subject_kind": "family",
            "subject_name": "Новикова Ольга Петровна",
        },
    )
    assert answer.status_code == 302
    case = db.session.scalar(db.select(Case).where(Case.title == "Личное дело: семья Новиковых"))
    assert case is not None and case.subject["name"] == "Новикова Ольга Петровна"
    assert answer.headers["Location"].endswith(f"/cases/{case.id}")
    refused = client.post(
        "/cases/new",
        data={"csrf_token": _csrf(page), "nomenclature_index": "04-05", "title": "Чужое", "district": "u2"},
        follow_redirects=True,
    )
    assert refused.status_code == 403  # the form offers only their districts; a forged one is refused
    assert db.session.scalar(db.select(Case).where(Case.title == "Чужое")) is None
    empty = client.post("/cases/new", data={"csrf_token": _csrf(page), "nomenclature_index": "", "title": ""})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 200 and "Проверьте поля: Статья номенклатуры — неверный формат" in html


def test_upload_from_the_case_page_with_and_without_javascript(world: World, client: FlaskClient) -> None:
    case = world.open_case()
    login(client, "spec1")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "data-upload" in page and "upload.js" in page
    token = _csrf(page)
    plain = client.post(
        f"/cases/{case['id']}/upload",
        data={"csrf_token": token, "file": (io.BytesIO(b"act text"), "act.txt"), "title": "Акт", "type": "other"},
        content_type="multipart/form-data",
    )
    assert plain.status_code == 302 and "#document-" in plain.headers["Location"]
    background = client.post(
        f"/cases/{case['id']}/upload",
        data={"csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4 scan"), "scan.pdf")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert background.status_code == 200 and "#document-" in background.get_json()["redirect"]
    refused = client.post(
        f"/cases/{case['id']}/upload",
        data={"csrf_token": token, "file": (io.BytesIO(b"PK\x03\x04 not really"), "x.zip")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 415 and refused.get_json()["error"]["message"]
    missing = client.post(
        f"/cases/{case['id']}/upload", data={"csrf_token": token}, headers={"Accept": "application/json"}
    )
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "missing_file"
    titles = [
        document["title"] for document in world["spec1"].get(f"/api/v1/cases/{case['id']}").get_json()["documents"]
    ]
    assert sorted(titles) == ["scan", "Акт"]
