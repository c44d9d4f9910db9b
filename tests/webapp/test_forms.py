"""Form documents through the API and the pages: fill, validate, version, diff, PDF."""

from __future__ import annotations

import html as html_module
import io
import re
from typing import Any

import docx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from document_templates import builtin_ids, example_values, load_manifest, validate_values
from tests.conftest import World
from tests.document_templates.test_builtin_forms import printed_values
from tests.webapp.test_pages import _csrf, login
from webapp.audit.models import AuditEvent
from webapp.documents.models import Document, DocumentVersion
from webapp.extensions import db


def fill(world: World, case_id: int, template: str = "inspection_act", **changes: Any) -> Any:
    fields = {**example_values(template), **changes}
    return world["spec1"].post(f"/api/v1/cases/{case_id}/documents", json={"template": template, "fields": fields})


def test_templates_list_fields(world: World) -> None:
    body = world["spec1"].get("/api/v1/templates").get_json()
    assert body["total"] == len(builtin_ids())
    act = next(item for item in body["items"] if item["id"] == "inspection_act")
    assert act["version"] == 1
    assert {"name", "label", "type", "required"} <= set(act["fields"][0])
    manifest = world["spec1"].get("/api/v1/templates/inspection_act").get_json()["manifest"]
    assert manifest["id"] == "inspection_act"


def test_fill_a_form_then_edit_and_diff(world: World) -> None:
    case = world.open_case()
    created = fill(world, case["id"])
    assert created.status_code == 201, created.get_json()
    document = created.get_json()
    [v1] = document["versions"]
    assert v1["media_type"].startswith("application/vnd.openxmlformats")
    assert v1["template"] == {"id": "inspection_act", "version": 1}
    values = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/fields").get_json()["fields"]
    manifest = load_manifest("inspection_act")
    assert values == validate_values(manifest, example_values("inspection_act"))
    text_field = next(spec for spec in manifest.fields if spec.type == "long_text")
    changed = {**example_values("inspection_act"), text_field.name: "Исправленный текст заключения."}
    url = f"/api/v1/documents/{document['id']}/versions"
    second = world["spec1"].post(url, json={"base_version": 1, "fields": changed, "comment": "исправлено"})
    assert second.status_code == 201, second.get_json()
    assert second.get_json()["number"] == 2
    stale = world["spec1"].post(url, json={"base_version": 1, "fields": changed})
    assert stale.status_code == 409
    diff = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/2/diff?against=1").get_json()
    assert [(c["field"], c["after"]) for c in diff["changes"]] == [(text_field.name, "Исправленный текст заключения.")]
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "version.read_fields" in actions
    assert "version.diff" in actions


def test_invalid_form_is_422_with_every_field(world: World) -> None:
    case = world.open_case()
    manifest = load_manifest("inspection_act")
    date_field = next(spec for spec in manifest.fields if spec.type == "date")
    response = fill(world, case["id"], **{date_field.name: "31.02.2026", "no_such_field": "x"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_form"
    assert {d["field"] for d in error["details"]} == {date_field.name, "no_such_field"}
    assert db.session.scalar(db.select(db.func.count(DocumentVersion.id))) == 0


def test_huge_value_is_refused(world: World) -> None:
    case = world.open_case()
    manifest = load_manifest("inspection_act")
    long_field = next(spec for spec in manifest.fields if spec.type == "long_text")
    response = fill(world, case["id"], **{long_field.name: "я" * 1_000_000})
    assert response.status_code == 422
    assert "слишком длинное" in response.get_json()["error"]["details"][0]["message"]


def test_unknown_template_and_upload_edit(world: World) -> None:
    case = world.open_case()
    response = world["spec1"].post(f"/api/v1/cases/{case['id']}/documents", json={"template": "nope", "fields": {}})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unknown_template"
    upload = world.upload(case["id"], b"scan text")
    edit = world["spec1"].post(f"/api/v1/documents/{upload['id']}/versions", json={"base_version": 1, "fields": {}})
    assert edit.status_code == 400
    assert edit.get_json()["error"]["code"] == "not_a_form"


def test_form_text_is_searchable(world: World) -> None:
    case = world.open_case()
    document = fill(world, case["id"]).get_json()
    representative = next(
        v for v in printed_values(load_manifest("inspection_act"), example_values("inspection_act")) if " " in v
    )
    word = representative.split()[0]
    hits = world["spec1"].get("/api/v1/search", query_string={"q": word}).get_json()["items"]
    assert document["id"] in [hit["document_id"] for hit in hits]


def test_admin_uploads_a_checked_template(world: World) -> None:
    from document_templates import template_docx

    url = "/api/v1/templates/inspection_act/docx"
    good = template_docx("inspection_act")
    assert (
        world["spec1"]
        .client.post(
            url,
            headers={"Authorization": f"Bearer {world['spec1'].token}"},
            data={"file": (io.BytesIO(good), "t.docx")},
        )
        .status_code
        == 403
    )
    bad = world["admin"].client.post(
        url, headers={"Authorization": f"Bearer {world['admin'].token}"}, data={"file": (io.BytesIO(b"junk"), "t.docx")}
    )
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "template_mismatch"
    case = world.open_case()
    old_document = fill(world, case["id"]).get_json()
    ok = world["admin"].client.post(
        url, headers={"Authorization": f"Bearer {world['admin'].token}"}, data={"file": (io.BytesIO(good), "t.docx")}
    )
    assert ok.status_code == 201
    assert ok.get_json()["version"] == 2
    new_document = fill(world, case["id"]).get_json()
    assert new_document["versions"][0]["template"]["version"] == 2
    url = f"/api/v1/documents/{old_document['id']}/versions"
    kept = world["spec1"].post(url, json={"base_version": 1, "fields": example_values("inspection_act")})
    assert kept.get_json()["template"]["version"] == 1  # existing documents keep rendering as they were


@pytest.mark.parametrize("form_id", sorted(builtin_ids()))
def test_pdf_rendition_holds_every_value(app: Flask, world: World, form_id: str) -> None:
    case = world.open_case()
    document = fill(world, case["id"], form_id).get_json()
    response = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    squashed, words = _squashed(text), _words(text)
    manifest = load_manifest(form_id)
    values = validate_values(manifest, example_values(form_id))
    missing = [v for v in printed_values(manifest, values) if _squashed(v) not in squashed and not _words(v) <= words]
    assert missing == []
    again = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/pdf")
    assert again.data == response.data  # made once, stored, served again


def _words(text: str) -> set[str]:
    """Words of a text; a PDF table may interleave the lines of neighbouring cells, but keeps the words."""
    return set(text.replace("-", " ").split())


def _squashed(text: str) -> str:
    """Text without spaces and hyphens: a PDF wraps lines in narrow cells, even inside long words."""
    return re.sub(r"[\s\-\u00a0]", "", text)


def test_pdf_of_an_image_is_415(world: World) -> None:
    case = world.open_case()
    document = world.upload(case["id"], b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, filename="scan.png")
    assert world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/pdf").status_code == 415


def test_pdf_without_libreoffice_is_503(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import webapp.renditions.services

    monkeypatch.setattr(webapp.renditions.services, "soffice_path", lambda: None)
    document = fill(world, world.open_case()["id"]).get_json()
    response = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/pdf")
    assert response.status_code == 503
    assert "LibreOffice" in response.get_json()["error"]["message"]


def test_browser_flow_fill_edit_diff(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    login(client, "spec1")
    page = client.get(f"/cases/{case['id']}/forms/inspection_act")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    manifest = load_manifest("inspection_act")
    data = {"csrf_token": _csrf(html), **_form_data(manifest, example_values("inspection_act"))}
    saved = client.post(f"/cases/{case['id']}/forms/inspection_act", data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    document_id = int(re.search(r"document-(\d+)", saved.headers["Location"]).group(1))  # type: ignore[union-attr]
    edit = client.get(f"/documents/{document_id}/edit")
    assert edit.status_code == 200
    text_field = next(spec for spec in manifest.fields if spec.type == "long_text")
    data = {
        "csrf_token": _csrf(edit.get_data(as_text=True)),
        "base_version": "1",
        **_form_data(manifest, {**example_values("inspection_act"), text_field.name: "Новое заключение"}),
    }
    edited = client.post(f"/documents/{document_id}/edit", data=data)
    assert edited.status_code == 302
    diff = client.get(edited.headers["Location"]).get_data(as_text=True)
    assert "Новое заключение" in diff
    assert text_field.label in diff
    assert client.get(f"/documents/{document_id}/versions/2/download").status_code == 200


def test_browser_shows_errors_in_russian(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    login(client, "spec1")
    html = client.get(f"/cases/{case['id']}/forms/inspection_act").get_data(as_text=True)
    response = client.post(f"/cases/{case['id']}/forms/inspection_act", data={"csrf_token": _csrf(html)})
    assert response.status_code == 200
    assert "обязательное поле" in response.get_data(as_text=True)


def _form_data(manifest: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Example values as the browser would post them."""
    data: dict[str, Any] = {}
    for spec in manifest.fields:
        value, key = values.get(spec.name), f"f.{spec.name}"
        if spec.type == "table":
            for index, row in enumerate(value or []):
                for column, cell in row.items():
                    data[f"{key}.{index}.{column}"] = _posted(cell)
        elif spec.type == "diagnostic":
            for stage, cell in (value or {}).items():
                data[f"{key}.{stage}"] = cell or ""
        elif spec.type == "multi_choice":
            data[key] = value or []
        else:
            data[key] = _posted(value)
    return data


def _posted(value: Any) -> str:
    if value is True:
        return "да"
    if value is False:
        return "нет"
    return "" if value is None else str(value)


REFUSED_EXPRESSIONS = ("{{ address.__class__.__mro__ }}", "{{ range(100000000) }}")


def custom_layout(code: str, *paragraphs: str) -> bytes:
    """An administrator's own layout of a built-in form: every field, then the paragraphs."""
    document = docx.Document()
    document.add_paragraph(" ".join(f"{{{{ {spec.name} }}}}" for spec in load_manifest(code).fields))
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload_layout(world: World, data: bytes, code: str = "inspection_act") -> Any:
    admin = world["admin"]
    return admin.client.post(
        f"/api/v1/templates/{code}/docx", headers=admin._headers(), data={"file": (io.BytesIO(data), "t.docx")}
    )


@pytest.mark.parametrize("expression", REFUSED_EXPRESSIONS)
def test_an_upload_the_sandbox_would_refuse_is_refused_naming_the_expression(world: World, expression: str) -> None:
    answer = upload_layout(world, custom_layout("inspection_act", f"Адрес: {expression}"))
    assert answer.status_code == 400, answer.get_json()
    error = answer.get_json()["error"]
    assert error["code"] == "template_mismatch"
    assert f"«{expression}»" in error["message"]
    assert world["spec1"].get("/api/v1/templates/inspection_act").get_json()["version"] == 1
    assert fill(world, world.open_case()["id"]).status_code == 201


def test_a_good_custom_layout_uploads_and_fills(world: World) -> None:
    layout = custom_layout(
        "inspection_act", "СВОЙ МАКЕТ {% for member in family_members %}{{ loop.index }}. {% endfor %}"
    )
    answer = upload_layout(world, layout)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["version"] == 2
    document = fill(world, world.open_case()["id"]).get_json()
    content = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/content").data
    assert "СВОЙ МАКЕТ 1. 2." in "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)


def test_filling_a_stored_template_that_fails_is_a_clear_error(
    app: Flask, world: World, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as unchecked:  # stored before uploads were tried in the sandbox
        unchecked.setattr("document_templates.check_template", lambda *args: None)
        assert upload_layout(world, custom_layout("inspection_act", "{{ range(100000000) }}")).status_code == 201
    case = world.open_case()
    answer = fill(world, case["id"])
    assert answer.status_code == 500
    error = answer.get_json()["error"]
    assert error["code"] == "template_broken"
    assert "«{{ range(100000000) }}» — превышен предел: range больше 10000" in error["message"]
    assert "Сообщите администратору" in error["message"]
    login(client, "spec1")
    html = client.get(f"/cases/{case['id']}/forms/inspection_act").get_data(as_text=True)
    manifest = load_manifest("inspection_act")
    data = {"csrf_token": _csrf(html), **_form_data(manifest, example_values("inspection_act"))}
    page = client.post(f"/cases/{case['id']}/forms/inspection_act", data=data)
    assert page.status_code == 200
    text = html_module.unescape(page.get_data(as_text=True))
    assert "не удаётся заполнить" in text
    representative = example_values("inspection_act")["representative"]
    assert representative in text  # what was typed is still in the form
    assert db.session.scalar(db.select(db.func.count(Document.id)).where(Document.case_id == case["id"])) == 0
