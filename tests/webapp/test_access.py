"""Who reads what: archivists see every case's metadata but not its content, administrators see no case unless
granted, and the head opens one case to one more person (and closes it again)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import World
from tests.webapp.test_pages import _csrf, login
from webapp.audit.models import AuditEvent
from webapp.extensions import db


def _case_with_act(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    case = world.open_case("spec1", "u1")
    document = world.upload(case["id"], "Акт обследования: печь дымит, нужен ремонт".encode())
    return case, document


def _content_urls(document_id: int) -> list[str]:
    return [
        f"/api/v1/documents/{document_id}/versions/1/content",
        f"/api/v1/documents/{document_id}/versions/1/pdf",
        f"/api/v1/documents/{document_id}/versions/1/fields",
        f"/api/v1/documents/{document_id}/versions/1/signatures",
        f"/api/v1/documents/{document_id}/similar",
    ]


def test_archivists_see_metadata_of_every_case_but_no_content(world: World) -> None:
    case, document = _case_with_act(world)
    archivist = world["archivist"]
    assert archivist.get(f"/api/v1/cases/{case['id']}").status_code == 200
    assert archivist.get(f"/api/v1/documents/{document['id']}").get_json()["title"] == document["title"]
    for url in _content_urls(document["id"]):
        answer = archivist.get(url)
        assert answer.status_code == 403, url
        assert answer.get_json()["error"]["code"] == "no_content_access", url
    exported = archivist.post(f"/api/v1/cases/{case['id']}/exports", json={"format": "pdf"})
    assert exported.status_code == 403
    assert archivist.get("/api/v1/search?q=печь").get_json()["total"] == 0
    assert world["head"].get("/api/v1/search?q=печь").get_json()["total"] == 1


def test_the_head_opens_a_case_to_one_more_person_and_closes_it(world: World) -> None:
    case, document = _case_with_act(world)
    other = world["spec2"]
    assert other.get(f"/api/v1/cases/{case['id']}").status_code == 404
    granted = world["head"].post(
        f"/api/v1/cases/{case['id']}/grants", json={"username": "spec2", "reason": "психолог подключён к семье"}
    )
    assert granted.status_code == 201, granted.get_json()
    grant = granted.get_json()
    assert (grant["username"], grant["granted_by"]) == ("spec2", "head")
    assert other.get(f"/api/v1/cases/{case['id']}").status_code == 200
    assert other.get(f"/api/v1/documents/{document['id']}/versions/1/content").status_code == 200
    assert [item["id"] for item in other.get("/api/v1/cases").get_json()["items"]] == [case["id"]]
    assert other.get("/api/v1/search?q=печь").get_json()["total"] == 1
    assert other.upload(f"/api/v1/cases/{case['id']}/documents", b"conclusion of the psychologist").status_code == 201
    listed = world["head"].get(f"/api/v1/cases/{case['id']}/grants").get_json()
    assert [item["username"] for item in listed["items"]] == ["spec2"]

    revoked = world["head"].delete(f"/api/v1/cases/{case['id']}/grants/{grant['id']}")
    assert revoked.status_code == 204
    assert other.get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert other.get(f"/api/v1/documents/{document['id']}/versions/1/content").status_code == 404
    assert other.get("/api/v1/search?q=печь").get_json()["total"] == 0
    actions = [
        (event.action, event.details.get("user"))
        for event in db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.like("case.%grant")))
    ]
    assert [action for action, _ in actions] == ["case.grant", "case.revoke_grant"]


def test_a_granted_administrator_reads_but_does_not_write(world: World) -> None:
    case, document = _case_with_act(world)
    admin = world["admin"]
    assert admin.get(f"/api/v1/documents/{document['id']}/versions/1/content").status_code == 404
    world["head"].post(f"/api/v1/cases/{case['id']}/grants", json={"username": "admin", "reason": "проверка файла"})
    assert admin.get(f"/api/v1/documents/{document['id']}/versions/1/content").status_code == 200
    assert admin.upload(f"/api/v1/cases/{case['id']}/documents", b"x").status_code == 403


def test_only_the_head_grants_and_bad_grants_are_refused(world: World) -> None:
    case, _ = _case_with_act(world)
    url = f"/api/v1/cases/{case['id']}/grants"
    body = {"username": "spec2", "reason": "психолог подключён"}
    for username in ("spec1", "archivist", "admin"):
        assert world[username].post(url, json=body).status_code in (403, 404), username
    head = world["head"]
    assert head.post(url, json={"username": "nobody", "reason": "причина указана"}).status_code == 404
    assert head.post(url, json={"username": "spec2", "reason": "да"}).status_code == 400
    assert head.post(url, json={"username": "spec2"}).status_code == 400
    assert head.post(url, json=body).status_code == 201
    again = head.post(url, json=body)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_granted"
    assert head.delete(f"{url}/999").status_code == 404
    assert head.post("/api/v1/cases/999999/grants", json=body).status_code == 404


def test_the_case_page_offers_access_to_the_head_and_hides_content_from_the_archivist(
    world: World, client: FlaskClient
) -> None:
    case, document = _case_with_act(world)
    login(client, "head")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Доступ к делу" in page and "Скачать" in page
    answer = client.post(
        f"/cases/{case['id']}/grants",
        data={"csrf_token": _csrf(page), "username": "spec2", "reason": "психолог подключён"},
    )
    assert answer.status_code == 302
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Доступ к делу открыт" in page and "Закрыть доступ" in page
    client.post("/logout", data={"csrf_token": _csrf(page)})
    login(client, "archivist")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert document["title"] in page
    assert "Скачать" not in page and "содержимое документов открывает заведующий" in page
    assert "Доступ к делу" not in page
    assert client.get(f"/documents/{document['id']}/versions/1/download").status_code == 403
