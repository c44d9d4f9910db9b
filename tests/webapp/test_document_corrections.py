"""Correcting a document's details (title, type, date) with a reason, and restoring an earlier version, through the
API and the case page."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import ApiClient, World
from tests.webapp.test_forms import fill
from tests.webapp.test_pages import _csrf, forget_request_state, login
from webapp.audit.models import AuditEvent
from webapp.cases.models import CaseEvent
from webapp.extensions import db


def patch(api: ApiClient, document_id: int, body: dict[str, Any], **headers: str) -> Any:
    return api.client.patch(f"/api/v1/documents/{document_id}", headers={**api._headers(), **headers}, json=body)


def _document(world: World, case_id: int, content: bytes = b"Act text", **fields: str) -> dict[str, Any]:
    return world.upload(case_id, content, filename="act.txt", **fields)  # type: ignore[no-any-return]


def test_correcting_title_type_and_date_with_a_reason(world: World) -> None:
    case = world.open_case()
    doc = _document(world, case["id"], title="Акт обследования", type="scan")
    got = world["spec1"].get(f"/api/v1/documents/{doc['id']}")
    assert got.headers["ETag"] == f'"{doc["revision"]}"'
    body = {"title": "Акт обследования ЖБУ", "type": "inspection_act", "date": "2026-03-02", "reason": "опечатка"}
    answer = patch(world["spec1"], doc["id"], body, **{"If-Match": got.headers["ETag"]})
    assert answer.status_code == 200, answer.get_json()
    record = answer.get_json()
    assert (record["title"], record["type"], record["date"]) == ("Акт обследования ЖБУ", "inspection_act", "2026-03-02")
    assert record["revision"] == doc["revision"] + 1
    assert answer.headers["ETag"] == f'"{record["revision"]}"'
    assert [v["sha256"] for v in record["versions"]] == [v["sha256"] for v in doc["versions"]]  # content unchanged

    event = db.session.scalars(db.select(CaseEvent).where(CaseEvent.action == "document_edit")).one()
    assert (event.case_id, event.document_id, event.reason) == (case["id"], doc["id"], "опечатка")
    assert [change["field"] for change in event.changes or []] == ["title", "type", "date"]
    first = {"field": "title", "old": "Акт обследования", "new": "Акт обследования ЖБУ"}
    assert event.changes and event.changes[0] == first
    audit = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "case.document_edit")).one()
    assert audit.details["fields"] == ["title", "type", "date"]
    assert "Акт" not in str(audit.details) and "опечатка" not in str(audit.details)  # ids and field names only
    # Re-indexed under the new title
    found = world["spec1"].get("/api/v1/search?q=ЖБУ").get_json()
    assert [item["document_id"] for item in found["items"]] == [doc["id"]]


def test_revision_in_the_body_and_its_refusals(world: World) -> None:
    case = world.open_case()
    doc = _document(world, case["id"])
    url_doc = doc["id"]
    missing = patch(world["spec1"], url_doc, {"title": "Новое", "reason": "опечатка"})
    assert missing.status_code == 428
    assert missing.get_json()["error"]["code"] == "revision_required"
    stale = patch(world["spec1"], url_doc, {"title": "Новое", "reason": "опечатка", "revision": doc["revision"] + 5})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "changed_meanwhile"
    disagree = patch(world["spec1"], url_doc, {"title": "Новое", "reason": "x", "revision": 1}, **{"If-Match": '"2"'})
    assert disagree.status_code == 400
    ok = patch(world["spec1"], url_doc, {"title": "Новое", "reason": "опечатка", "revision": doc["revision"]})
    assert ok.status_code == 200
    again = patch(world["spec1"], url_doc, {"title": "Ещё новее", "reason": "опечатка", "revision": doc["revision"]})
    assert again.status_code == 409  # the revision seen before the first change
    assert world["spec1"].get(f"/api/v1/documents/{url_doc}").get_json()["title"] == "Новое"


def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(world: World) -> None:
    case = world.open_case()
    doc = _document(world, case["id"], title="Прежнее")
    rev = doc["revision"]
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"title": "Новое", "reason": "опечатка", "content": "x"}, "content"),
        ({"title": "Новое", "reason": ""}, "reason"),
        ({"title": "Новое", "reason": "   "}, "reason"),
        ({"title": "Новое"}, "reason"),
        ({"type": "letter", "reason": "опечатка"}, "type"),
        ({"date": "02.03.2026", "reason": "опечатка"}, "date"),
        ({"title": None, "reason": "опечатка"}, "title"),
        ({"title": "", "reason": "опечатка"}, "title"),
        ({"reason": "опечатка"}, None),
    ]
    for body, field in cases:
        answer = patch(world["spec1"], doc["id"], body, **{"If-Match": f'"{rev}"'})
        assert answer.status_code == 400, (body, answer.get_json())
        if field:
            assert answer.get_json()["error"]["message"].startswith(f"{field}:"), answer.get_json()
    assert world["spec1"].get(f"/api/v1/documents/{doc['id']}").get_json()["title"] == "Прежнее"
    assert db.session.scalar(db.select(db.func.count()).select_from(CaseEvent)) == 0


def test_who_may_correct(world: World) -> None:
    case = world.open_case()
    doc = _document(world, case["id"])
    body = {"title": "Новое", "reason": "опечатка", "revision": doc["revision"]}
    assert patch(world["spec2"], doc["id"], body).status_code == 404
    assert patch(world["admin"], doc["id"], body).status_code == 404
    refused = patch(world["archivist"], doc["id"], body)  # sees it, does not read an open case's content
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    assert patch(world["head"], doc["id"], body).status_code == 200


def test_a_form_document_keeps_its_type(world: World) -> None:
    case = world.open_case()
    form = fill(world, case["id"]).get_json()
    answer = patch(world["spec1"], form["id"], {"type": "other", "reason": "не тот тип", "revision": form["revision"]})
    assert answer.status_code == 409
    assert answer.get_json()["error"]["message"].startswith("type:")
    renamed = patch(world["spec1"], form["id"], {"title": "Акт", "reason": "короче", "revision": form["revision"]})
    assert renamed.status_code == 200


def _close(world: World, case_id: int) -> None:
    closed = world["archivist"].post(f"/api/v1/cases/{case_id}/close", json={"closed_on": dt.date.today().isoformat()})
    assert closed.status_code == 200, closed.get_json()


def test_a_closed_case_refuses_but_the_archivist_fixes_a_title(world: World) -> None:
    case = world.open_case()
    doc = _document(world, case["id"], title="Акт с ошибкой")
    _close(world, case["id"])
    rev = doc["revision"]
    refused = patch(world["spec1"], doc["id"], {"title": "Акт", "reason": "опечатка", "revision": rev})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "case_closed"
    assert "закрыто" in refused.get_json()["error"]["message"]
    assert patch(world["head"], doc["id"], {"title": "Акт", "reason": "опечатка", "revision": rev}).status_code == 409
    type_change = patch(world["archivist"], doc["id"], {"type": "other", "reason": "опечатка", "revision": rev})
    assert type_change.status_code == 409  # the archivist corrects titles only
    no_reason = patch(world["archivist"], doc["id"], {"title": "Акт", "reason": "", "revision": rev})
    assert no_reason.status_code == 400
    fixed = patch(world["archivist"], doc["id"], {"title": "Акт обследования", "reason": "опечатка", "revision": rev})
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["title"] == "Акт обследования"


def test_restore_an_earlier_version(world: World) -> None:
    case = world.open_case()
    doc = _document(world, case["id"], b"first text")
    second = world["spec1"].upload(f"/api/v1/documents/{doc['id']}/versions", b"second text", base_version="1")
    assert second.status_code == 201
    url = f"/api/v1/documents/{doc['id']}/versions/1/restore"
    stale = world["spec1"].post(url, json={"base_version": 1})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale_base_version"
    missing = world["spec1"].post(f"/api/v1/documents/{doc['id']}/versions/7/restore", json={"base_version": 2})
    assert missing.status_code == 404
    assert world["spec1"].post(url, json={}).status_code == 400
    restored = world["spec1"].post(url, json={"base_version": 2})
    assert restored.status_code == 201, restored.get_json()
    version = restored.get_json()
    assert version["number"] == 3
    assert version["sha256"] == hashlib.sha256(b"first text").hexdigest() == doc["versions"][0]["sha256"]
    assert version["comment"] == "Восстановлена из версии 1"
    content = world["spec1"].get(f"/api/v1/documents/{doc['id']}/versions/3/content")
    assert content.data == b"first text"
    created = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "version.create")).all()
    assert [event.details.get("version") for event in created] == [2, 3]  # the path every new version takes
    assert world["spec2"].post(url, json={"base_version": 3}).status_code == 404
    assert world["archivist"].post(url, json={"base_version": 3}).status_code == 403


def test_restore_of_a_form_keeps_its_values_and_a_closed_case_refuses(world: World) -> None:
    case = world.open_case()
    form = fill(world, case["id"]).get_json()
    fields = world["spec1"].get(f"/api/v1/documents/{form['id']}/versions/1/fields").get_json()["fields"]
    changed = world["spec1"].post(
        f"/api/v1/documents/{form['id']}/versions", json={"base_version": 1, "fields": {**fields, "address": "Другой"}}
    )
    assert changed.status_code == 201, changed.get_json()
    restored = world["spec1"].post(f"/api/v1/documents/{form['id']}/versions/1/restore", json={"base_version": 2})
    assert restored.status_code == 201, restored.get_json()
    assert restored.get_json()["template"] == form["versions"][0]["template"]
    assert restored.get_json()["sha256"] == form["versions"][0]["sha256"]
    again = world["spec1"].get(f"/api/v1/documents/{form['id']}/versions/3/fields").get_json()["fields"]
    assert again == fields
    _close(world, case["id"])
    closed = world["spec1"].post(f"/api/v1/documents/{form['id']}/versions/2/restore", json={"base_version": 3})
    assert closed.status_code == 409


# --- pages


def _page_client(app_client: FlaskClient, username: str) -> FlaskClient:
    forget_request_state()
    login(app_client, username)
    forget_request_state()
    return app_client


def _token(client: FlaskClient, case_id: int) -> str:
    forget_request_state()
    token = _csrf(client.get(f"/cases/{case_id}").get_data(as_text=True))
    forget_request_state()
    return token


def test_correct_and_restore_from_the_case_page(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    doc = _document(world, case["id"], b"first text", title="Акт с ошибкой")
    world["spec1"].upload(f"/api/v1/documents/{doc['id']}/versions", b"second text", base_version="1")
    _page_client(client, "spec1")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Изменить сведения" in page and "Восстановить" in page
    assert f'name="revision" value="{doc["revision"]}"' in page
    token = _token(client, case["id"])
    form = {
        "csrf_token": token,
        "title": "Акт обследования",
        "type": "scan",
        "date": "2026-03-02",
        "reason": "опечатка",
    }
    answer = client.post(f"/documents/{doc['id']}/details", data={**form, "revision": str(doc["revision"])})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/cases/{case['id']}#document-{doc['id']}")
    forget_request_state()
    record = world["spec1"].get(f"/api/v1/documents/{doc['id']}").get_json()
    assert (record["title"], record["date"]) == ("Акт обследования", "2026-03-02")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Документ исправлен" in page
    forget_request_state()

    stale = client.post(f"/documents/{doc['id']}/details", data={**form, "revision": str(doc["revision"])})
    assert stale.status_code == 302
    forget_request_state()
    stale_page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "изменил другой пользователь" in stale_page, re.findall(r"role=\"alert\">[^<]*", stale_page)
    forget_request_state()

    token = _token(client, case["id"])
    restored = client.post(
        f"/documents/{doc['id']}/versions/1/restore", data={"csrf_token": token, "base_version": "2"}
    )
    assert restored.status_code == 302
    forget_request_state()
    record = world["spec1"].get(f"/api/v1/documents/{doc['id']}").get_json()
    assert [v["number"] for v in record["versions"]] == [1, 2, 3]
    assert record["versions"][2]["comment"] == "Восстановлена из версии 1"
