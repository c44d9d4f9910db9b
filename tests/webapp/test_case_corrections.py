"""Correcting a case's details with a reason and a trace (webapp.cases.corrections): every field through the API
and the page, who may change what, revisions, the case's state, transfers, renumbering and its former numbers,
the history cut per viewer, the audit log's field names, and the head's bulk change of the responsible."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import PIN, World
from tests.webapp.test_forms import fill
from tests.webapp.test_pages import _csrf, login
from webapp.audit.models import AuditEvent
from webapp.cases.models import Case, CaseEvent, FormerNumber
from webapp.extensions import db
from webapp.search.services import drain_outbox

REASON = "ошибка при регистрации"


def patch(world: World, username: str, case_id: int, body: dict[str, Any], revision: int | None = None) -> Any:
    api = world[username]
    headers = api._headers()
    if revision is not None:
        headers["If-Match"] = f'"{revision}"'
    return api.client.patch(f"/api/v1/cases/{case_id}", headers=headers, json=body)


def revision_of(world: World, case_id: int) -> int:
    answer = world["head"].get(f"/api/v1/cases/{case_id}")
    assert answer.headers["ETag"] == f'"{answer.get_json()["revision"]}"'
    revision: int = answer.get_json()["revision"]
    return revision


def error(answer: Any) -> dict[str, Any]:
    body: dict[str, Any] = answer.get_json()["error"]
    return body


@pytest.fixture
def second_entry(world: World) -> str:
    entry = {"index": "04-06", "title": "Личные дела граждан", "year": 2026, "retention_years": 5}
    assert world["archivist"].post("/api/v1/nomenclature", json=entry).status_code == 201
    return "04-06"


def test_the_writer_corrects_the_heading_and_subject(world: World) -> None:
    case = world.open_case(subject={"kind": "family", "name": "Семья Ивановых", "address": "ул. Ленина, 1"})
    answer = patch(
        world,
        "spec1",
        case["id"],
        {"title": "Личное дело семьи", "subject": {"name": "Семья Иваненко"}, "reason": REASON},
        revision=case["revision"],
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["title"] == "Личное дело семьи"
    assert body["subject"]["name"] == "Семья Иваненко"
    assert body["subject"]["address"] == "ул. Ленина, 1"  # not given: kept
    assert body["subject"]["kind"] == "family"
    assert body["revision"] == case["revision"] + 1
    assert answer.headers["ETag"] == f'"{body["revision"]}"'
    history = world["spec1"].get(f"/api/v1/cases/{case['id']}/history").get_json()["items"]
    assert history[-1]["action"] == "edit"
    assert history[-1]["reason"] == REASON
    assert history[-1]["actor"] == "spec1"
    assert history[-1]["changes"] == [
        {"field": "title", "old": "Личное дело", "new": "Личное дело семьи"},
        {"field": "subject.name", "old": "Семья Ивановых", "new": "Семья Иваненко"},
    ]


def test_revision_in_the_body_and_the_stale_second_edit(world: World) -> None:
    case = world.open_case()
    first = patch(
        world, "spec1", case["id"], {"title": "Первая правка", "reason": REASON, "revision": case["revision"]}
    )
    assert first.status_code == 200, first.get_json()
    second = patch(world, "head", case["id"], {"title": "Вторая правка", "reason": REASON}, revision=case["revision"])
    assert second.status_code == 409
    assert error(second)["code"] == "changed_meanwhile"
    assert error(second)["details"][0]["current"] == first.get_json()["revision"]
    assert world["head"].get(f"/api/v1/cases/{case['id']}").get_json()["title"] == "Первая правка"


def test_missing_revision_unknown_field_and_empty_reason(world: World) -> None:
    case = world.open_case()
    missing = patch(world, "spec1", case["id"], {"title": "Новое", "reason": REASON})
    assert missing.status_code == 428
    assert error(missing)["code"] == "revision_required"
    unknown = patch(world, "spec1", case["id"], {"title": "Новое", "reason": REASON, "status": "closed"}, 1)
    assert unknown.status_code == 400
    assert "status" in error(unknown)["message"]
    empty = patch(world, "spec1", case["id"], {"title": "Новое", "reason": "  "}, case["revision"])
    assert empty.status_code == 400
    assert error(empty)["message"].startswith("reason")
    no_reason = patch(world, "spec1", case["id"], {"title": "Новое"}, case["revision"])
    assert no_reason.status_code == 400
    kind = patch(world, "spec1", case["id"], {"subject": {"kind": "citizen"}, "reason": REASON}, case["revision"])
    assert kind.status_code == 400
    assert "subject.kind" in error(kind)["message"]
    bad_header = world["spec1"].client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**world["spec1"]._headers(), "If-Match": "*"},
        json={"title": "Новое", "reason": REASON},
    )
    assert bad_header.status_code == 400
    assert world["spec1"].get(f"/api/v1/cases/{case['id']}").get_json()["title"] == "Личное дело"


def test_fields_the_actor_may_not_change_are_403_naming_them_and_nothing_applies(world: World) -> None:
    case = world.open_case()
    revision = case["revision"]
    for field, value in (("district", "u2"), ("responsible", None)):
        answer = patch(world, "spec1", case["id"], {"title": "Новое", field: value, "reason": REASON}, revision)
        assert answer.status_code == 403, answer.get_json()
        assert error(answer)["code"] == "field_forbidden"
        assert error(answer)["details"][0]["field"] == field
        assert error(answer)["message"].startswith(field)
    archivist = patch(world, "archivist", case["id"], {"title": "Новое", "reason": REASON}, revision)
    assert archivist.status_code == 403
    assert error(archivist)["details"][0]["field"] == "title"
    assert patch(world, "spec2", case["id"], {"title": "Новое", "reason": REASON}, revision).status_code == 404
    assert patch(world, "admin", case["id"], {"title": "Новое", "reason": REASON}, revision).status_code == 404
    after = world["head"].get(f"/api/v1/cases/{case['id']}").get_json()
    assert (after["title"], after["district"], after["responsible"], after["revision"]) == (
        "Личное дело",
        "u1",
        "spec1",
        revision,
    )


def test_the_head_assigns_and_clears_the_responsible(world: World) -> None:
    from webapp.auth.services import create_user

    create_user("spec3", role="specialist", password="correct-horse-42", full_name="Тест spec3", district_codes=["u1"])
    db.session.commit()
    case = world.open_case()
    wrong = patch(world, "head", case["id"], {"responsible": "spec2", "reason": REASON}, case["revision"])
    assert wrong.status_code == 400
    assert error(wrong)["message"].startswith("responsible")
    answer = patch(world, "head", case["id"], {"responsible": "spec3", "reason": REASON}, case["revision"])
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["responsible"] == "spec3"
    cleared = patch(world, "head", case["id"], {"responsible": None, "reason": REASON}, answer.get_json()["revision"])
    assert cleared.get_json()["responsible"] is None
    changes = [step["changes"] for step in world["head"].get(f"/api/v1/cases/{case['id']}/history").get_json()["items"]]
    assert changes[-2:] == [
        [{"field": "responsible", "old": "Тест spec1", "new": "Тест spec3"}],
        [{"field": "responsible", "old": "Тест spec3", "new": None}],
    ]


def test_a_transfer_changes_who_sees_the_case(world: World) -> None:
    case = world.open_case()
    world.upload(case["id"], b"Act of the transferred family")
    assert world["spec2"].get(f"/api/v1/cases/{case['id']}").status_code == 404
    answer = patch(world, "head", case["id"], {"district": "u2", "reason": "семья переехала"}, case["revision"])
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["district"] == "u2"
    assert body["responsible"] is None  # spec1 does not work in u2
    assert world["spec1"].get(f"/api/v1/cases/{case['id']}").status_code == 404
    assert world["spec2"].get(f"/api/v1/cases/{case['id']}").status_code == 200
    history = world["head"].get(f"/api/v1/cases/{case['id']}/history").get_json()["items"]
    assert history[-1]["changes"] == [
        {"field": "district", "old": "u1", "new": "u2"},
        {"field": "responsible", "old": "Тест spec1", "new": None},
    ]
    drain_outbox()  # the index follows: spec2 finds the document, spec1 no longer
    assert world["spec2"].get("/api/v1/search?q=transferred").get_json()["total"] == 1
    assert world["spec1"].get("/api/v1/search?q=transferred").get_json()["total"] == 0


def test_a_transfer_with_the_new_responsible(world: World) -> None:
    case = world.open_case()
    body = {"district": "u2", "responsible": "spec2", "reason": "семья переехала"}
    answer = patch(world, "head", case["id"], body, case["revision"])
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["district"], answer.get_json()["responsible"]) == ("u2", "spec2")
    unknown = patch(world, "head", case["id"], {"district": "u9", "reason": REASON}, answer.get_json()["revision"])
    assert unknown.status_code == 400
    assert error(unknown)["message"].startswith("district")


def test_renumbering_keeps_the_former_number_for_lookups_and_search(world: World, second_entry: str) -> None:
    world.open_case()  # 04-05/2026/001
    case = world.open_case()  # 04-05/2026/002
    world.upload(case["id"], b"Renumbered act")
    old_number = case["number"]
    answer = patch(world, "spec1", case["id"], {"nomenclature_index": second_entry, "reason": REASON}, 1)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["number"] == "04-06/2026/001"
    assert body["nomenclature_index"] == "04-06"
    assert body["former_numbers"] == [old_number]
    assert db.session.scalar(db.select(FormerNumber.case_id).where(FormerNumber.number == old_number)) == case["id"]
    history = world["spec1"].get(f"/api/v1/cases/{case['id']}/history").get_json()["items"]
    assert history[-1]["changes"] == [
        {"field": "nomenclature_index", "old": "04-05", "new": "04-06"},
        {"field": "number", "old": old_number, "new": "04-06/2026/001"},
    ]
    for number in (old_number, body["number"]):
        found = world["spec1"].get("/api/v1/cases", query_string={"number": number}).get_json()
        assert [item["id"] for item in found["items"]] == [case["id"]], number
    assert world["spec2"].get("/api/v1/cases", query_string={"number": old_number}).get_json()["total"] == 0
    drain_outbox()
    for number in (old_number, body["number"]):
        hits = world["spec1"].get("/api/v1/search", query_string={"q": f'"{number}"'}).get_json()
        assert [hit["case_id"] for hit in hits["items"]] == [case["id"]], number
        assert hits["items"][0]["case_number"] == "04-06/2026/001"
    # the next new case of the old entry does not take a number that was issued
    assert world.open_case()["number"] == "04-05/2026/003"


def test_the_facts_published_and_who_hears_them(world: World, second_entry: str) -> None:
    from webapp.cases.events import CaseEdited, CaseRenumbered
    from webapp.events import subscribe, subscribers_of, unsubscribe
    from webapp.search.services import reindex_case

    assert reindex_case in subscribers_of(CaseEdited)
    heard: list[object] = []
    subscribe(CaseEdited, heard.append)
    subscribe(CaseRenumbered, heard.append)
    try:
        case = world.open_case()
        body = {"title": "Новое", "nomenclature_index": second_entry, "reason": REASON}
        assert patch(world, "spec1", case["id"], body, case["revision"]).status_code == 200
    finally:
        unsubscribe(CaseEdited, heard.append)
        unsubscribe(CaseRenumbered, heard.append)
    actor_id = db.session.scalar(db.select(CaseEvent.actor_id).where(CaseEvent.case_id == case["id"]))
    assert heard == [
        CaseEdited(case["id"], actor_id, ("title", "nomenclature_index", "number")),
        CaseRenumbered(case["id"], actor_id, case["number"]),
    ]


def test_export_lookup_by_a_former_number(world: World, second_entry: str) -> None:
    from webapp.exports.services import cases_by_number
    from webapp.policy import SYSTEM

    case = world.open_case()
    patch(world, "spec1", case["id"], {"nomenclature_index": second_entry, "reason": REASON}, case["revision"])
    assert [found.id for found in cases_by_number(SYSTEM, [case["number"]])] == [case["id"]]


def test_renumbering_refused_once_a_document_is_signed_or_the_entry_is_of_another_year(
    world: World, second_entry: str
) -> None:
    case = world.open_case()
    other_year = {"index": "04-07", "title": "Прочие", "year": 2027, "retention_years": 5}
    assert world["archivist"].post("/api/v1/nomenclature", json=other_year).status_code == 201
    wrong_year = patch(world, "spec1", case["id"], {"nomenclature_index": "04-07", "reason": REASON}, 1)
    assert wrong_year.status_code == 400
    assert error(wrong_year)["message"].startswith("nomenclature_index")
    form = fill(world, case["id"]).get_json()
    signed = world["spec1"].post(
        f"/api/v1/documents/{form['id']}/versions/1/signatures", json={"role": "составил", "pin": PIN}
    )
    assert signed.status_code == 201, signed.get_json()
    refused = patch(world, "spec1", case["id"], {"nomenclature_index": second_entry, "reason": REASON}, 1)
    assert refused.status_code == 409
    assert error(refused)["code"] == "case_has_signed_documents"
    assert world["spec1"].get(f"/api/v1/cases/{case['id']}").get_json()["number"] == case["number"]


def test_closed_and_held_cases_refuse_but_the_archivist_fixes_the_heading(world: World) -> None:
    case = world.open_case(opened_on="2026-02-01")
    closed = world["head"].post(f"/api/v1/cases/{case['id']}/close", json={"closed_on": "2026-03-01"}).get_json()
    refused = patch(world, "spec1", case["id"], {"title": "Новое", "reason": REASON}, closed["revision"])
    assert refused.status_code == 409
    assert error(refused)["code"] == "case_closed"
    fixed = patch(
        world, "archivist", case["id"], {"title": "Исправленный заголовок", "reason": REASON}, closed["revision"]
    )
    assert fixed.status_code == 200, fixed.get_json()
    subject = patch(
        world, "archivist", case["id"], {"subject": {"name": "X"}, "reason": REASON}, fixed.get_json()["revision"]
    )
    assert subject.status_code == 403
    held = world["archivist"].post(f"/api/v1/cases/{case['id']}/hold", json={"reason": "запрос прокуратуры"}).get_json()
    on_hold = patch(world, "head", case["id"], {"responsible": None, "reason": REASON}, held["revision"])
    assert on_hold.status_code == 409
    assert error(on_hold)["code"] == "case_on_hold"


def test_an_open_case_on_hold_refuses_but_the_archivist_fixes_the_heading(world: World) -> None:
    case = world.open_case()
    held = world["archivist"].post(f"/api/v1/cases/{case['id']}/hold", json={"reason": "запрос прокуратуры"})
    revision = held.get_json()["revision"]
    refused = patch(world, "spec1", case["id"], {"title": "Новое", "reason": REASON}, revision)
    assert refused.status_code == 409
    assert error(refused)["code"] == "case_on_hold"
    fixed = patch(world, "archivist", case["id"], {"title": "Исправленный заголовок", "reason": REASON}, revision)
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["title"] == "Исправленный заголовок"


def test_a_destroyed_case_never_changes(world: World) -> None:
    case = world.open_case()
    row = db.session.get(Case, case["id"])
    assert row is not None
    row.status = "destroyed"
    db.session.commit()
    answer = patch(world, "archivist", case["id"], {"title": "Новое", "reason": REASON}, row.revision)
    assert answer.status_code == 409
    assert error(answer)["code"] == "case_destroyed"


def test_the_history_is_cut_for_the_archivist_and_the_audit_keeps_field_names(world: World) -> None:
    case = world.open_case()
    patch(world, "spec1", case["id"], {"title": "Секретный заголовок", "reason": "по заявлению Петровой"}, 1)
    items = world["archivist"].get(f"/api/v1/cases/{case['id']}/history").get_json()["items"]
    assert items == [
        {"action": "edit", "actor": "spec1", "at": items[0]["at"], "document_id": None, "changes": [{"field": "title"}]}
    ]
    assert world["spec2"].get(f"/api/v1/cases/{case['id']}/history").status_code == 404
    assert world["archivist"].get(f"/api/v1/cases/{case['id']}").get_json()["former_numbers"] == []
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "case.edit")).one()
    assert event.details["fields"] == ["title"]
    dumped = json.dumps(event.details, ensure_ascii=False)
    assert "Секретный" not in dumped and "Петровой" not in dumped and "Личное дело" not in dumped


# Pages


def _case_page(client: FlaskClient, case_id: int) -> str:
    return client.get(f"/cases/{case_id}").get_data(as_text=True)


def test_the_case_page_edits_with_a_reason_and_shows_the_history(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    login(client, "head")
    page = _case_page(client, case["id"])
    assert "Изменить" in page and 'name="revision"' in page
    form = {"csrf_token": _csrf(page), "revision": str(case["revision"]), "title": "Заголовок со страницы"}
    form |= {"subject_name": "", "subject_address": "", "subject_note": "", "district": "u1", "responsible": "spec1"}
    form |= {"nomenclature_index": "04-05"}
    no_reason = client.post(f"/cases/{case['id']}/edit", data={**form, "reason": ""}, follow_redirects=True)
    assert "Причина" in no_reason.get_data(as_text=True)
    assert world["head"].get(f"/api/v1/cases/{case['id']}").get_json()["title"] == "Личное дело"
    done = client.post(f"/cases/{case['id']}/edit", data={**form, "reason": REASON}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Сведения о деле изменены" in text
    assert "Заголовок со страницы" in text
    assert "Личное дело → Заголовок со страницы" in text
    stale = client.post(
        f"/cases/{case['id']}/edit", data={**form, "reason": REASON, "title": "Ещё"}, follow_redirects=True
    )
    assert "изменил другой пользователь (сейчас версия 2)" in stale.get_data(as_text=True)


def test_the_page_renumbers_and_shows_the_former_number(client: FlaskClient, world: World, second_entry: str) -> None:
    case = world.open_case()
    login(client, "spec1")
    page = _case_page(client, case["id"])
    assert 'name="district"' not in page  # a specialist does not transfer
    form = {"csrf_token": _csrf(page), "revision": "1", "title": "Личное дело", "nomenclature_index": second_entry}
    done = client.post(f"/cases/{case['id']}/edit", data={**form, "reason": REASON}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Дело № 04-06/2026/001" in text
    assert f"прежний номер {case['number']}" in text


def test_the_page_refuses_a_field_the_user_may_not_change(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    login(client, "spec1")
    page = _case_page(client, case["id"])
    form = {"csrf_token": _csrf(page), "revision": "1", "district": "u2", "reason": REASON}
    assert client.post(f"/cases/{case['id']}/edit", data=form).status_code == 403
    form = {"csrf_token": _csrf(page), "revision": "1", "title": "", "reason": REASON}
    empty = client.post(f"/cases/{case['id']}/edit", data=form, follow_redirects=True)
    assert "Заголовок" in empty.get_data(as_text=True)
    assert world["spec1"].get(f"/api/v1/cases/{case['id']}").get_json()["title"] == "Личное дело"


def test_bulk_responsible_change_with_one_failing_case(client: FlaskClient, world: World) -> None:
    from webapp.auth.services import create_user

    create_user("spec3", role="specialist", password="correct-horse-42", full_name="Тест spec3", district_codes=["u1"])
    db.session.commit()
    first, second = world.open_case(), world.open_case()
    other = world.open_case("spec2", "u2")  # spec3 does not work in u2: this one fails
    login(client, "head")
    page = client.get("/").get_data(as_text=True)
    assert "Сменить ответственного" in page
    form = {"csrf_token": _csrf(page), "responsible": "spec3", "reason": "перераспределение нагрузки"}
    answer = client.post(
        "/cases/responsible",
        data={**form, "case_id": [str(first["id"]), str(second["id"]), str(other["id"])]},
        follow_redirects=True,
    )
    text = answer.get_data(as_text=True)
    assert "Изменено дел: 2" in text
    assert other["number"] in text
    for case_id, expected in ((first["id"], "spec3"), (second["id"], "spec3"), (other["id"], "spec2")):
        assert world["head"].get(f"/api/v1/cases/{case_id}").get_json()["responsible"] == expected
    steps = db.session.scalars(db.select(CaseEvent).where(CaseEvent.action == "edit")).all()
    assert sorted(step.case_id for step in steps) == sorted([first["id"], second["id"]])
    assert {step.reason for step in steps} == {"перераспределение нагрузки"}


def test_bulk_is_the_heads(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    login(client, "spec1")
    page = client.get("/").get_data(as_text=True)
    assert "Сменить ответственного" not in page
    form = {"csrf_token": _csrf(page), "responsible": "spec1", "reason": REASON, "case_id": str(case["id"])}
    assert client.post("/cases/responsible", data=form).status_code == 403
