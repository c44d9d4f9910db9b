"""Opening and reading cases, with district permissions."""

from __future__ import annotations

import pytest

from tests.conftest import World
from webapp.audit.models import AuditEvent
from webapp.cases.models import Case
from webapp.extensions import db


def test_case_numbers_follow_the_nomenclature(world: World) -> None:
    first = world.open_case(subject={"kind": "family", "name": "Семья Петровых", "address": "ул. Лесная, 1"})
    second = world.open_case("head", district="u2")
    assert first["number"] == "04-05/2026/001"
    assert second["number"] == "04-05/2026/002"
    assert first["status"] == "open"
    assert first["subject"] == {
        "kind": "family",
        "name": "Семья Петровых",
        "address": "ул. Лесная, 1",
        "note": "",
        "categories": [],
    }
    assert first["district"] == "u1"


def test_opening_is_audited_without_personal_data(world: World) -> None:
    case = world.open_case(subject={"name": "Семья Петровых"})
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "case.open")).one()
    assert event.object_id == case["id"]
    assert "Петров" not in repr(event.details)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"nomenclature_index": "09-99"}, 400, "unknown_nomenclature"),
        ({"year": 2025}, 400, "unknown_nomenclature"),
        ({"district": "nowhere"}, 400, "unknown_district"),
        ({"district": "u2"}, 403, "district_forbidden"),
        ({"title": ""}, 400, "invalid"),
        ({"extra": 1}, 400, "invalid"),
        ({"subject": {"kind": "alien"}}, 400, "invalid"),
        ({"subject": {"passport": "1234"}}, 400, "invalid"),
        ({"subject": "Семья"}, 400, "invalid"),
    ],
)
def test_bad_case_input(world: World, change: dict[str, object], status: int, code: str) -> None:
    body = {"nomenclature_index": "04-05", "year": 2026, "title": "Дело", "district": "u1", **change}
    response = world["spec1"].post("/api/v1/cases", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_missing_field_is_named(world: World) -> None:
    response = world["spec1"].post("/api/v1/cases", json={"year": 2026, "title": "Дело", "district": "u1"})
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "nomenclature_index"


def test_admin_cannot_open_cases(world: World) -> None:
    body = {"nomenclature_index": "04-05", "year": 2026, "title": "Дело", "district": "u1"}
    assert world["admin"].post("/api/v1/cases", json=body).status_code == 403


def test_specialist_sees_only_own_district(world: World) -> None:
    own = world.open_case("spec1", "u1")
    other = world.open_case("spec2", "u2")
    listed = world["spec1"].get("/api/v1/cases").get_json()
    assert [item["id"] for item in listed["items"]] == [own["id"]]
    assert listed["total"] == 1
    response = world["spec1"].get(f"/api/v1/cases/{other['id']}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert world["spec1"].get("/api/v1/cases/999999").get_json() == response.get_json()


@pytest.mark.parametrize("role", ["head", "archivist"])
def test_department_roles_see_every_case(world: World, role: str) -> None:
    world.open_case("spec1", "u1")
    world.open_case("spec2", "u2")
    assert world[role].get("/api/v1/cases").get_json()["total"] == 2


def test_administrators_see_no_case_unless_granted(world: World) -> None:
    case = world.open_case("spec1", "u1")
    world.open_case("spec2", "u2")
    assert world["admin"].get("/api/v1/cases").get_json()["total"] == 0
    assert world["admin"].get(f"/api/v1/cases/{case['id']}").status_code == 404


def test_case_list_filters(world: World) -> None:
    world.open_case("spec1", "u1")
    world.open_case("spec2", "u2")
    head = world["head"]
    assert head.get("/api/v1/cases?district=u2").get_json()["items"][0]["district"] == "u2"
    assert head.get("/api/v1/cases?status=open").get_json()["total"] == 2
    assert head.get("/api/v1/cases?status=closed").get_json()["total"] == 0
    assert head.get("/api/v1/cases?year=2025").get_json()["total"] == 0
    assert head.get("/api/v1/cases?nomenclature=04-05").get_json()["total"] == 2
    assert head.get("/api/v1/cases?status=lost").status_code == 400
    assert head.get("/api/v1/cases?year=soon").status_code == 400
    page = head.get("/api/v1/cases?per_page=1&page=2").get_json()
    assert page["total"] == 2
    assert [item["number"] for item in page["items"]] == ["04-05/2026/002"]


def test_get_case_lists_documents(world: World) -> None:
    case = world.open_case()
    document = world.upload(case["id"], b"text", title="Акт")
    body = world["spec1"].get(f"/api/v1/cases/{case['id']}").get_json()
    assert body["number"] == case["number"]
    assert [d["id"] for d in body["documents"]] == [document["id"]]
