"""Each role's first screen: what waits for them now, above the case list."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from document_templates import example_values
from tests.conftest import World
from tests.webapp.test_pages import _csrf, forget_request_state, login


def _act(world: World, case_id: int, title: str) -> dict[str, Any]:
    body = {"template": "inspection_act", "fields": example_values("inspection_act"), "title": title}
    answer = world["spec1"].post(f"/api/v1/cases/{case_id}/documents", json=body)
    assert answer.status_code == 201, answer.get_json()
    document: dict[str, Any] = answer.get_json()
    return document


def _home(client: FlaskClient, username: str) -> str:
    forget_request_state()
    login(client, username)
    page = client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": _csrf(page)})
    return page


def test_each_role_sees_what_waits_for_them(app: Flask, world: World, client: FlaskClient) -> None:
    case = world.open_case("spec1", "u1", title="Дело семьи Ждановых")
    submitted, returned = (_act(world, case["id"], title) for title in ("Акт на утверждение", "Акт на доработку"))
    draft = world.upload(case["id"], b"draft text", title="Черновик справки")
    for document in (submitted, returned):
        assert world["spec1"].post(f"/api/v1/documents/{document['id']}/submit").status_code == 200
    assert (
        world["head"].post(f"/api/v1/documents/{returned['id']}/return", json={"comment": "уточнить"}).status_code
        == 200
    )

    specialist = _home(client, "spec1")
    assert "Мои открытые дела" in specialist and "Дело семьи Ждановых" in specialist
    returned_block = specialist.split("Возвращены на доработку")[1].split("Мои черновики")[0]
    assert "Акт на доработку" in returned_block and "Черновик справки" not in returned_block
    assert "Черновик справки" in specialist.split("Мои черновики")[1].split("</div>")[0]
    assert "Дело семьи Ждановых" not in _home(client, "spec2")  # another district

    head = _home(client, "head")
    assert "Акт на утверждение" in head.split("Ждут утверждения")[1].split("</div>")[0]
    assert "Недавние документы" in head
    archivist = _home(client, "archivist")
    assert "Закрытых дел, ещё не переданных по описи" in archivist
    admin = _home(client, "admin")
    assert "Файлов с нарушенной целостностью" in admin and "Черновик справки" not in admin
    assert draft["title"] == "Черновик справки"
