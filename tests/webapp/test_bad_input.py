"""Bad input through the API and the pages: path traversal names, script tags, template syntax, huge fields,
broken encodings, a zip-bomb DOCX, a malformed PDF. Every answer is a clear 4xx (or a harmless success), never a
500, and nothing is half-written."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import docx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Rule
from werkzeug.test import encode_multipart

from document_templates import example_values
from tests.conftest import USERS, World
from tests.webapp.test_pages import _csrf, forget_request_state, login
from webapp.documents.models import Document, DocumentVersion
from webapp.extensions import db
from webapp.runtime import blob_store
from webapp.validation import MAX_ID

SCRIPT = "<script>alert('x')</script>"
TEMPLATE_SYNTAX = "{{ 7*7 }} {% for x in y %}{{ config }}{% endfor %}"


def _zip_bomb() -> bytes:
    """A DOCX-looking ZIP whose one part unpacks to 1 GB of zeros from about a megabyte."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(1024):
                part.write(chunk)
    return out.getvalue()


def _multipart(fields: dict[str, Any]) -> dict[str, Any]:
    """A multipart body built in memory: the test client spools large ones to a temporary file it never closes."""
    values = {
        name: FileStorage(stream=value[0], filename=value[1]) if isinstance(value, tuple) else value
        for name, value in fields.items()
    }
    boundary, body = encode_multipart(MultiDict(values))
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def _documents() -> int:
    return db.session.scalar(db.select(db.func.count(Document.id))) or 0


def _assert_clear_4xx(response: Any, *codes: int) -> None:
    assert response.status_code in codes, (response.status_code, response.get_data(as_text=True)[:300])
    if response.is_json:
        error = response.get_json()["error"]
        assert error["code"] and error["message"]


def test_path_traversal_names_go_nowhere(app: Flask, world: World) -> None:
    case = world.open_case()
    for name in ("../../etc/passwd", "..\\..\\boot.ini", "/abs/path.txt", "a\x00b.txt", "имя с пробелами.txt"):
        created = world["spec1"].upload(f"/api/v1/cases/{case['id']}/documents", b"text", filename=name)
        assert created.status_code in (201, 400), name
        if created.status_code == 201:
            version = db.session.scalar(
                db.select(DocumentVersion).where(DocumentVersion.document_id == created.get_json()["id"])
            )
            assert version is not None and ".." not in version.blob_key and version.blob_key.isascii()
            download = world["spec1"].get(f"/api/v1/documents/{created.get_json()['id']}/versions/1/content")
            assert (
                ".." not in download.headers["Content-Disposition"]
                and "/" not in download.headers["Content-Disposition"].split("filename=")[1]
            )
    assert all(".." not in key for key in blob_store().iter_keys())


def test_script_tags_are_shown_as_text_everywhere(app: Flask, world: World, client: FlaskClient) -> None:
    case = world.open_case(title=f"Дело {SCRIPT}")
    world.upload(case["id"], f"акт {SCRIPT}".encode(), title=f"Документ {SCRIPT}")
    login(client, "spec1")
    pages = [client.get("/"), client.get(f"/cases/{case['id']}")]
    for words in (SCRIPT, "акт"):  # kept on the server, then shown from a URL without them
        pages.append(client.get("/search", query_string={"q": words}, follow_redirects=True))
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert SCRIPT not in html  # escaped wherever it is shown


def test_template_syntax_in_values_is_kept_literally(app: Flask, world: World, client: FlaskClient) -> None:
    case = world.open_case(title=TEMPLATE_SYNTAX)
    fields = {**example_values("inspection_act"), "conclusion": TEMPLATE_SYNTAX}
    created = world["spec1"].post(
        f"/api/v1/cases/{case['id']}/documents", json={"template": "inspection_act", "fields": fields}
    )
    assert created.status_code == 201, created.get_json()
    content = world["spec1"].get(f"/api/v1/documents/{created.get_json()['id']}/versions/1/content").data
    text = "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(content)).paragraphs)
    assert TEMPLATE_SYNTAX in text  # printed as typed, not evaluated
    login(client, "spec1")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "{{ 7*7 }}" in html and "SECRET_KEY" not in html


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"nomenclature_index": "04-05", "year": 2026, "title": "x" * 10_000, "district": "u1"}, 400),
        ({"nomenclature_index": "04-05/../..", "year": 2026, "title": "t", "district": "u1"}, 400),
        ({"nomenclature_index": "04-05", "year": "2026; DROP TABLE cases", "title": "t", "district": "u1"}, 400),
        (
            {
                "nomenclature_index": "04-05",
                "year": 2026,
                "title": "t",
                "district": "u1",
                "subject": {"name": "я" * 5000},
            },
            400,
        ),
        ([1, 2, 3], 400),
    ],
)
def test_huge_and_malformed_case_fields_are_400(world: World, body: Any, status: int) -> None:
    _assert_clear_4xx(world["spec1"].post("/api/v1/cases", json=body), status)


def test_huge_form_fields_and_titles_are_refused_whole(app: Flask, world: World) -> None:
    case = world.open_case()
    before = _documents()
    fields = {**example_values("inspection_act"), "conclusion": "я" * 200_000}
    answer = world["spec1"].post(
        f"/api/v1/cases/{case['id']}/documents", json={"template": "inspection_act", "fields": fields}
    )
    _assert_clear_4xx(answer, 400, 422)
    long_title = world["spec1"].post(
        f"/api/v1/cases/{case['id']}/documents",
        json={"template": "inspection_act", "fields": example_values("inspection_act"), "title": "т" * 2000},
    )
    _assert_clear_4xx(long_title, 400, 422)
    upload = world["spec1"].upload(f"/api/v1/cases/{case['id']}/documents", b"text", title="т" * 2000)
    _assert_clear_4xx(upload, 400)
    assert _documents() == before


def test_a_body_over_the_limit_is_413(world: World) -> None:
    case = world.open_case()
    big = b"x" * (5 * 1024 * 1024 + 1)
    api = world["spec1"]
    answer = api.client.post(
        f"/api/v1/cases/{case['id']}/documents", headers=api._headers(), **_multipart({"file": (io.BytesIO(big), "a")})
    )
    _assert_clear_4xx(answer, 413)


def test_broken_encodings(app: Flask, world: World, client: FlaskClient) -> None:
    case = world.open_case()
    bad_json = world["spec1"].client.post(
        "/api/v1/cases",
        data=b'{"title": "\xff\xfe broken"}',
        headers={**world["spec1"]._headers(), "Content-Type": "application/json"},
    )
    _assert_clear_4xx(bad_json, 400)
    latin1 = world["spec1"].upload(f"/api/v1/cases/{case['id']}/documents", "Акт".encode("cp1251"))
    assert latin1.status_code in (201, 415)  # bytes that are not UTF-8 are not text: refused, or kept as they are
    query = world["spec1"].get("/api/v1/search?q=%FF%FE")
    assert query.status_code < 500
    login(client, "archivist")
    page = client.get("/nomenclature").get_data(as_text=True)
    imported = client.post(
        "/nomenclature/import",
        data={
            "csrf_token": _csrf(page),
            "year": "2027",
            "file": (io.BytesIO("индекс;заголовок".encode("cp1251")), "n.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert imported.status_code == 200


def test_a_zip_bomb_docx_is_refused_by_the_api_and_the_page(app: Flask, world: World, client: FlaskClient) -> None:
    case = world.open_case()
    bomb = _zip_bomb()
    assert len(bomb) < 5 * 1024 * 1024
    before = _documents()
    api = world["spec1"]
    url = f"/api/v1/cases/{case['id']}/documents"
    answer = api.client.post(url, headers=api._headers(), **_multipart({"file": (io.BytesIO(bomb), "act.docx")}))
    _assert_clear_4xx(answer, 400)
    assert answer.get_json()["error"]["code"] == "archive_too_large"
    login(client, "spec1")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    from_page = client.post(
        f"/cases/{case['id']}/upload",
        follow_redirects=True,
        **_multipart({"csrf_token": _csrf(page), "file": (io.BytesIO(bomb), "act.docx")}),
    )
    assert from_page.status_code == 200 and "zip-бомб" in from_page.get_data(as_text=True)
    assert _documents() == before


def test_a_malformed_pdf_is_kept_and_nothing_downstream_breaks(app: Flask, world: World) -> None:
    case = world.open_case()
    broken = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ngarbage without xref"
    created = world["spec1"].upload(f"/api/v1/cases/{case['id']}/documents", broken, filename="scan.pdf")
    assert created.status_code == 201
    document_id = created.get_json()["id"]
    assert world["spec1"].get(f"/api/v1/documents/{document_id}/versions/1/pdf").status_code == 200
    assert world["spec1"].get("/api/v1/search?q=garbage").status_code == 200
    export = world["spec1"].post(f"/api/v1/cases/{case['id']}/exports", json={"format": "pdf"})
    assert export.status_code == 202
    job = world["spec1"].get(f"/api/v1/jobs/{export.get_json()['id']}").get_json()
    assert job["status"] == "done", job
    assert world["spec1"].get(job["download_url"]).data.startswith(b"%PDF")


# Ids no row can have: 2^63 is past the largest integer SQLite stores, and both past PostgreSQL's INTEGER.
TOO_LARGE_IDS = (2**64, 2**63, MAX_ID + 1)
ROUTE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _int_routes(app: Flask) -> list[tuple[Rule, list[str]]]:
    routes = []
    for rule in app.url_map.iter_rules():
        arguments = ROUTE_ARGUMENT.findall(rule.rule)
        ints = [name for converter, name in arguments if converter == "int"]
        if ints:
            routes.append((rule, ints))
    return routes


def _url(app: Flask, rule: Rule, values: dict[str, int]) -> str:
    for converter, name in ROUTE_ARGUMENT.findall(rule.rule):
        if converter == "any":
            values = {**values, name: re.search(r"any\((\w+)", rule.rule).group(1)}  # type: ignore[union-attr]
        elif converter != "int":
            values = {**values, name: "inspection_act"}
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def test_every_id_in_a_route_is_an_int_bounded_by_the_converter(app: Flask) -> None:
    routes = _int_routes(app)
    assert len(routes) > 60
    for rule in app.url_map.iter_rules():
        for converter, name in ROUTE_ARGUMENT.findall(rule.rule):
            if name.endswith("_id") or name == "number":
                assert converter == "int", rule.rule  # an id taken as text would reach a query unchecked
    adapter = app.url_map.bind("localhost")
    for rule, ints in routes:
        for name in ints:
            url = _url(app, rule, {**dict.fromkeys(ints, 1), name: MAX_ID + 1})
            with pytest.raises((NotFound, MethodNotAllowed)):  # the URL matches no route
                adapter.match(url, method=sorted(rule.methods - {"HEAD", "OPTIONS"})[0])  # type: ignore[operator]


def _ui_clients(app: Flask) -> dict[str, tuple[FlaskClient, str]]:
    clients = {}
    for username in USERS:
        client = app.test_client()
        forget_request_state()
        login(client, username)
        forget_request_state()
        clients[username] = (client, _csrf(client.get("/account/tokens").get_data(as_text=True)))
    return clients


def test_ids_beyond_the_database_are_404_on_every_route_for_every_actor(app: Flask, world: World) -> None:
    case = world.open_case()
    world.upload(case["id"])
    ui_clients = _ui_clients(app)
    answers = 0
    for rule, ints in _int_routes(app):
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})  # type: ignore[operator]
        for name in ints:
            for value in (*TOO_LARGE_IDS, MAX_ID):
                url = _url(app, rule, {**dict.fromkeys(ints, 1), name: value})
                for username in USERS:
                    for method in methods:
                        forget_request_state()
                        if rule.rule.startswith("/api/"):
                            api = world[username]
                            answer = api.client.open(url, method=method, headers=api._headers(), json={})
                        else:
                            client, token = ui_clients[username]
                            data = {"csrf_token": token} if method != "GET" else None
                            answer = client.open(url, method=method, data=data)
                        answers += 1
                        where = (method, url, username, answer.status_code)
                        assert answer.status_code < 500, where
                        if value > MAX_ID:  # no such row can exist: the URL matches no route (405: werkzeug
                            assert answer.status_code in (404, 405), where  # saw the path under another method)
    assert answers > 1000


@pytest.mark.parametrize(
    ("path", "username", "body", "field"),
    [
        ("/api/v1/exports", "spec1", {"case_ids": [1e30], "format": "zip"}, "case_ids.0"),
        ("/api/v1/exports", "spec1", {"case_ids": [2**100], "format": "zip"}, "case_ids.0"),
        ("/api/v1/exports", "spec1", {"case_ids": [1.0], "format": "zip"}, "case_ids.0"),
        ("/api/v1/exports", "spec1", {"case_ids": [1, 2**63], "format": "zip"}, "case_ids.1"),
        ("/api/v1/archive/destruction-acts", "archivist", {"case_ids": [2**64]}, "case_ids.0"),
        ("/api/v1/archive/destruction-acts", "archivist", {"case_ids": [1e30]}, "case_ids.0"),
        ("/api/v1/cases/{case}/journal", "spec1", {"document_id": 1e30}, "document_id"),
        ("/api/v1/cases/{case}/journal", "spec1", {"document_id": 2**64}, "document_id"),
        ("/api/v1/cases/{case}/journal", "spec1", {"document_id": MAX_ID + 1}, "document_id"),
        ("/api/v1/cases/{case}/journal", "spec1", {"document_id": 1.0}, "document_id"),
        ("/api/v1/documents/{document}/approve", "head", {"version": 2**64}, "version"),
        ("/api/v1/documents/{document}/approve", "head", {"version": 1e30}, "version"),
        ("/api/v1/documents/{document}/versions", "spec1", {"base_version": 2**64, "fields": {}}, "base_version"),
        ("/api/v1/reports/statistical", "head", {"period": "2026-Q1", "case_id": 2**64, "institution": "Ц"}, "case_id"),
    ],
)
def test_ids_in_json_bodies_are_whole_numbers_within_range(
    world: World, path: str, username: str, body: dict[str, Any], field: str
) -> None:
    case = world.open_case()
    document = world["spec1"].post(
        f"/api/v1/cases/{case['id']}/documents",
        json={"template": "inspection_act", "fields": example_values("inspection_act")},
    )
    assert document.status_code == 201, document.get_json()
    url = path.format(case=case["id"], document=document.get_json()["id"])
    journal = {"kind": "visit", "occurred_on": "2026-03-02"} if "journal" in path else {}
    answer = world[username].post(url, json={**journal, **body})
    _assert_clear_4xx(answer, 400)
    messages = {detail["field"]: detail["message"] for detail in answer.get_json()["error"]["details"]}
    assert re.search("[а-я]", messages[field]), messages  # in Russian, not pydantic's English


def test_an_export_from_the_page_with_a_huge_case_id_is_refused(app: Flask, world: World, client: FlaskClient) -> None:
    case = world.open_case()
    login(client, "spec1")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    for case_id, back in ((str(2**64), "case"), ("x", "case"), (str(2**64), "")):
        answer = client.post("/exports", data={"csrf_token": _csrf(page), "case_id": case_id, "back": back})
        assert answer.status_code == 302, (case_id, back, answer.status_code)


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_100k_deep_is_400(world: World, opening: str) -> None:
    closing = "]" if opening == "[" else "}"
    body = opening * 100_000 + "1" + closing * 100_000
    api = world["spec1"]
    for path in ("/api/v1/cases", "/api/v1/exports"):
        answer = api.client.post(path, data=body, headers={**api._headers(), "Content-Type": "application/json"})
        _assert_clear_4xx(answer, 400)
