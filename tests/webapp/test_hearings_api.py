"""The hearings API (webapp/hearings/api.py): commissions, questions, agendas and decisions, who may build and who
sees what, the members' access windows, and refusals that leave nothing behind. The authorization matrix has
every endpoint for every role."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tests.conftest import World
from webapp.audit.models import AuditEvent
from webapp.cases.models import CaseGrant
from webapp.dbtypes import utcnow
from webapp.extensions import db
from webapp.hearings.models import Commission, CommissionMember, Hearing, HearingItem

EXTERNAL = {"name": "Петрова Анна Ивановна", "position": "инспектор ПДН", "organization": "ОМВД"}


def _commission(world: World, *members: dict[str, Any], access_days: int = 14) -> dict[str, Any]:
    body = {"name": "Совет профилактики", "kind": "council", "access_days": access_days, "members": list(members)}
    answer = world["head"].post("/api/v1/commissions", json=body)
    assert answer.status_code == 201, answer.get_json()
    result: dict[str, Any] = answer.get_json()
    return result


def _hearing(world: World, commission_id: int, *, by: str = "head", days: float = 7) -> dict[str, Any]:
    starts_at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).replace(microsecond=0)
    body = {"commission_id": commission_id, "starts_at": starts_at.isoformat(), "place": "каб. 12"}
    answer = world[by].post("/api/v1/hearings", json=body)
    assert answer.status_code == 201, answer.get_json()
    result: dict[str, Any] = answer.get_json()
    return result


def _item(world: World, hearing_id: int, case_id: int, *, by: str = "head", **extra: Any) -> Any:
    body = {"case_id": case_id, "question": "Оценка положения семьи", **extra}
    return world[by].post(f"/api/v1/hearings/{hearing_id}/items", json=body)


def _count(model: Any) -> int:
    return db.session.scalar(db.select(db.func.count(model.id))) or 0


def _audit_text() -> str:
    events = db.session.scalars(db.select(AuditEvent)).all()
    return json.dumps([event.details for event in events], ensure_ascii=False)


def test_the_head_keeps_commissions_and_everyone_reads_them(world: World) -> None:
    commission = _commission(
        world, {"username": "head", "role": "chair"}, {"username": "spec1", "role": "secretary"}, EXTERNAL
    )
    assert [(m["username"], m["role"], m["external"]) for m in commission["members"]] == [
        ("head", "chair", False),
        ("spec1", "secretary", False),
        (None, "member", True),
    ]
    assert commission["members"][2]["name"] == EXTERNAL["name"]
    listed = world["spec2"].get("/api/v1/commissions").get_json()
    assert [c["id"] for c in listed["items"]] == [commission["id"]] and listed["total"] == 1
    assert listed["items"][0]["can_manage"] is False
    assert world["spec1"].get(f"/api/v1/commissions/{commission['id']}").get_json()["can_manage"] is True

    added = world["head"].post(f"/api/v1/commissions/{commission['id']}/members", json={"username": "spec2"})
    assert added.status_code == 201 and added.get_json()["role"] == "member"
    member_id = added.get_json()["id"]
    assert world["head"].delete(f"/api/v1/commissions/{commission['id']}/members/{member_id}").status_code == 204
    again = world["head"].delete(f"/api/v1/commissions/{commission['id']}/members/{member_id}")
    assert again.status_code == 404
    names = [m["username"] for m in world["head"].get(f"/api/v1/commissions/{commission['id']}").get_json()["members"]]
    assert names == ["head", "spec1", None]

    # The secretary builds agendas, not commissions.
    assert world["spec1"].post("/api/v1/commissions", json={"name": "Своя"}).status_code == 403
    refused = world["spec1"].post(f"/api/v1/commissions/{commission['id']}/members", json=EXTERNAL)
    assert refused.status_code == 403
    assert world["head"].get("/api/v1/commissions/999").status_code == 404


def test_a_refused_commission_leaves_nothing_behind(world: World) -> None:
    two_chairs = [{"username": "head", "role": "chair"}, {**EXTERNAL, "role": "chair"}]
    answer = world["head"].post("/api/v1/commissions", json={"name": "Совет", "members": two_chairs})
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "invalid_members"
    assert (_count(Commission), _count(CommissionMember)) == (0, 0)
    nobody = world["head"].post("/api/v1/commissions", json={"name": "Совет", "members": [{"username": "ghost"}]})
    assert nobody.status_code == 404
    assert (_count(Commission), _count(CommissionMember)) == (0, 0)


def test_questions_the_head_keeps(world: World) -> None:
    before = world["spec1"].get("/api/v1/hearing-questions").get_json()
    assert before["total"] == 4  # what a new installation starts with
    added = world["head"].post("/api/v1/hearing-questions", json={"title": "Продление программы"})
    assert added.status_code == 201
    question = added.get_json()
    assert question["active"] is True
    assert world["spec1"].post("/api/v1/hearing-questions", json={"title": "Своё"}).status_code == 403
    assert world["spec1"].delete(f"/api/v1/hearing-questions/{question['id']}").status_code == 403
    assert world["head"].delete(f"/api/v1/hearing-questions/{question['id']}").status_code == 204
    titles = [q["title"] for q in world["spec1"].get("/api/v1/hearing-questions").get_json()["items"]]
    assert "Продление программы" not in titles and len(titles) == 4
    every = world["head"].get("/api/v1/hearing-questions?all=1").get_json()
    assert every["total"] == 5
    assert world["head"].delete("/api/v1/hearing-questions/999").status_code == 404
    # A retired question is not offered for new items.
    hearing = _hearing(world, _commission(world)["id"])
    case = world.open_case("spec1", "u1")
    retired = _item(world, hearing["id"], case["id"], question="", question_id=question["id"])
    assert retired.status_code == 400 and retired.get_json()["error"]["code"] == "unknown_question"


def test_only_the_head_and_the_secretary_build_agendas(world: World) -> None:
    council = _commission(world, {"username": "spec1", "role": "secretary"})
    other = _commission(world)
    own = world.open_case("spec1", "u1")
    foreign = world.open_case("spec2", "u2")

    hearing = _hearing(world, council["id"], by="spec1")  # the secretary
    assert hearing["can_manage"] is True
    added = _item(world, hearing["id"], own["id"], by="spec1")
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["speaker"] == "spec1"  # the case's responsible specialist, by default

    # A case the secretary may not see does not exist for them; the head puts it on the agenda.
    unseen = _item(world, hearing["id"], foreign["id"], by="spec1")
    assert unseen.status_code == 404
    assert foreign["number"] not in unseen.get_data(as_text=True)
    assert _item(world, hearing["id"], foreign["id"]).status_code == 201

    # A specialist who is not the secretary: 403 where they see the hearing, 404 where they do not.
    starts_at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
    body = {"commission_id": other["id"], "starts_at": starts_at}
    assert world["spec1"].post("/api/v1/hearings", json=body).status_code == 403
    assert world["spec2"].post("/api/v1/hearings", json={**body, "commission_id": council["id"]}).status_code == 403
    assert _item(world, hearing["id"], foreign["id"], by="spec2").status_code == 403  # sees it: their case is on it
    other_hearing = _hearing(world, other["id"])
    assert _item(world, other_hearing["id"], own["id"], by="spec1").status_code == 404
    assert world["archivist"].post(f"/api/v1/hearings/{hearing['id']}/send-agenda", json={}).status_code == 403

    assert [i["case"]["id"] for i in world["head"].get(f"/api/v1/hearings/{hearing['id']}").get_json()["items"]] == [
        own["id"],
        foreign["id"],
    ]


def test_specialists_see_the_hearings_of_their_cases_and_no_item_of_others(world: World) -> None:
    own = world.open_case("spec1", "u1", title="Семья Ивановых")
    foreign = world.open_case("spec2", "u2", title="Семья Сидоровых")
    hearing = _hearing(world, _commission(world)["id"])
    first = _item(world, hearing["id"], own["id"], question="Снятие Ивановых с сопровождения").get_json()
    second = _item(world, hearing["id"], foreign["id"], question="Вопрос о Сидоровых").get_json()
    only_foreign = _hearing(world, _commission(world)["id"], days=8)
    _item(world, only_foreign["id"], foreign["id"])

    answer = world["spec1"].get(f"/api/v1/hearings/{hearing['id']}")
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    assert items[0]["case"] == {"id": own["id"], "number": own["number"], "title": "Семья Ивановых"}
    assert items[0]["question"] == "Снятие Ивановых с сопровождения"
    assert items[1] == {"id": second["id"], "position": 2, "hidden": True}
    text = answer.get_data(as_text=True)
    assert "Сидоров" not in text and foreign["number"] not in text
    assert world["spec2"].get(f"/api/v1/hearings/{hearing['id']}").get_json()["items"][0] == {
        "id": first["id"],
        "position": 1,
        "hidden": True,
    }

    assert world["spec1"].get(f"/api/v1/hearings/{only_foreign['id']}").status_code == 404
    assert world["admin"].get(f"/api/v1/hearings/{hearing['id']}").status_code == 404
    listed = world["spec1"].get("/api/v1/hearings").get_json()
    assert [h["id"] for h in listed["items"]] == [hearing["id"]] and listed["total"] == 1
    assert [h["id"] for h in world["spec2"].get("/api/v1/hearings").get_json()["items"]] == [
        only_foreign["id"],
        hearing["id"],
    ]
    assert world["admin"].get("/api/v1/hearings").get_json() == {"items": [], "total": 0}

    # The archivist sees which cases are heard, not the questions or decisions.
    shown = world["archivist"].get(f"/api/v1/hearings/{hearing['id']}").get_json()["items"][0]
    assert shown["case"]["id"] == own["id"] and "question" not in shown and "decision" not in shown

    # The case's hearings.
    of_case = world["spec1"].get(f"/api/v1/cases/{own['id']}/hearings").get_json()
    assert of_case["total"] == 1
    assert of_case["items"][0]["hearing"]["id"] == hearing["id"] and of_case["items"][0]["item"]["id"] == first["id"]
    assert world["spec1"].get(f"/api/v1/cases/{foreign['id']}/hearings").status_code == 404


def test_the_hearing_list_is_paged_and_limited_to_a_period(world: World) -> None:
    commission = _commission(world)["id"]
    body = {"commission_id": commission}
    for moment in ("2026-03-02T10:00:00+03:00", "2026-03-31T23:30:00+03:00", "2026-04-01T00:30:00+03:00"):
        assert world["head"].post("/api/v1/hearings", json={**body, "starts_at": moment}).status_code == 201
    march = world["head"].get("/api/v1/hearings?from=2026-03-01&to=2026-03-31").get_json()
    assert [h["starts_at"] for h in march["items"]] == ["2026-03-31T20:30:00+00:00", "2026-03-02T07:00:00+00:00"]
    assert [h["number"] for h in march["items"]] == ["2", "1"]
    page = world["head"].get("/api/v1/hearings?per_page=1&page=2").get_json()
    assert page["total"] == 3 and [h["starts_at"] for h in page["items"]] == ["2026-03-31T20:30:00+00:00"]
    for query, field in (("from=2026-13-01", "from"), ("to=вчера", "to"), ("from=2026-04-02&to=2026-04-01", "to")):
        answer = world["head"].get(f"/api/v1/hearings?{query}")
        assert answer.status_code == 400 and answer.get_json()["error"]["message"].startswith(f"{field}:")


def test_internal_members_read_the_cases_from_the_agenda_until_the_window_ends(world: World) -> None:
    case = world.open_case("spec1", "u1")
    document = world.upload(case["id"], b"Act of the inspection")
    content = f"/api/v1/documents/{document['id']}/versions/1/content"
    commission = _commission(world, {"username": "head", "role": "chair"}, {"username": "spec2"})
    hearing = _hearing(world, commission["id"])
    item = _item(world, hearing["id"], case["id"]).get_json()
    assert [d["document_id"] for d in item["documents"]] == [document["id"]]
    assert item["documents"][0]["is_new"] is True  # never heard before

    # Before: spec2 (a specialist of another district) sees that the hearing has an item, nothing of it.
    assert world["spec2"].get(content).status_code == 404
    seen = world["spec2"].get(f"/api/v1/hearings/{hearing['id']}").get_json()
    assert seen["items"] == [{"id": item["id"], "position": 1, "hidden": True}]

    sent = world["head"].post(f"/api/v1/hearings/{hearing['id']}/send-agenda", json={})
    assert sent.status_code == 200
    assert sent.get_json()["status"] == "agenda_sent"
    until = dt.datetime.fromisoformat(sent.get_json()["access_until"])
    assert until == dt.datetime.fromisoformat(hearing["starts_at"]) + dt.timedelta(days=14)

    # During: they read, they do not write.
    answer = world["spec2"].get(content)
    assert answer.status_code == 200 and answer.data == b"Act of the inspection"
    assert world["spec2"].upload(f"/api/v1/cases/{case['id']}/documents", b"note").status_code == 403
    assert world["spec2"].get(f"/api/v1/hearings/{hearing['id']}").get_json()["items"][0]["question"]
    grant = db.session.scalar(db.select(CaseGrant).where(CaseGrant.hearing_id == hearing["id"]))
    assert grant is not None and grant.expires_at == until

    # After: the grant has ended by itself (the window's end, moved to a moment past).
    grant.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert world["spec2"].get(content).status_code == 404
    after = world["spec2"].get(f"/api/v1/hearings/{hearing['id']}").get_json()["items"][0]
    assert "question" not in after  # the case is no longer read: its metadata only


def test_a_hearing_already_past_opens_nothing(world: World) -> None:
    """access_days 0 and a hearing yesterday: the window has closed before the agenda goes out."""
    case = world.open_case("spec1", "u1")
    document = world.upload(case["id"])
    commission = _commission(world, {"username": "spec2"}, access_days=0)
    hearing = _hearing(world, commission["id"], days=-1)
    _item(world, hearing["id"], case["id"])
    assert world["head"].post(f"/api/v1/hearings/{hearing['id']}/send-agenda", json={}).status_code == 200
    assert world["spec2"].get(f"/api/v1/documents/{document['id']}/versions/1/content").status_code == 404


def test_an_empty_agenda_is_neither_sent_nor_held(world: World) -> None:
    hearing = _hearing(world, _commission(world)["id"])
    for action in ("send-agenda", "held"):
        answer = world["head"].post(f"/api/v1/hearings/{hearing['id']}/{action}", json={})
        assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "empty_agenda"
    assert db.session.get(Hearing, hearing["id"]).status == "planned"  # type: ignore[union-attr]


def test_decisions_belong_to_a_held_hearing_and_stay_out_of_the_audit_log(world: World) -> None:
    case = world.open_case("spec1", "u1", title="Семья Кузнецовых")
    commission = _commission(world)["id"]
    hearing = _hearing(world, commission)
    other = _hearing(world, commission, days=9)
    item = _item(world, hearing["id"], case["id"]).get_json()
    _item(world, other["id"], case["id"])
    decision = {"kind": "programme_approved", "decision": "Утвердить программу Кузнецовых", "heard": "Соколову"}
    path = f"/api/v1/hearings/{hearing['id']}/items/{item['id']}/decision"

    early = world["head"].put(path, json=decision)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "hearing_status"
    held = world["head"].post(f"/api/v1/hearings/{hearing['id']}/held", json={})
    assert held.status_code == 200 and held.get_json()["status"] == "held"
    assert world["head"].post(f"/api/v1/hearings/{hearing['id']}/held", json={}).status_code == 409
    elsewhere = world["head"].put(f"/api/v1/hearings/{other['id']}/items/{item['id']}/decision", json=decision)
    assert elsewhere.status_code == 404
    assert world["spec1"].put(path, json=decision).status_code == 403

    answer = world["head"].put(path, json=decision)
    assert answer.status_code == 200
    recorded = answer.get_json()["decision"]
    assert (recorded["kind"], recorded["decision"], recorded["heard"]) == (
        "programme_approved",
        "Утвердить программу Кузнецовых",
        "Соколову",
    )
    assert world["spec1"].get(f"/api/v1/hearings/{hearing['id']}").get_json()["items"][0]["decided"] is True
    assert "Кузнецов" not in _audit_text()
    # The held agenda is fixed.
    assert _item(world, hearing["id"], case["id"]).status_code == 409
    assert world["head"].delete(f"/api/v1/hearings/{hearing['id']}/items/{item['id']}").status_code == 409


def test_item_documents_are_chosen_from_the_case(world: World) -> None:
    case = world.open_case("spec1", "u1")
    first = world.upload(case["id"], b"one")
    second = world.upload(case["id"], b"two")
    stranger = world.upload(world.open_case("spec1", "u1")["id"], b"three")
    hearing = _hearing(world, _commission(world)["id"])
    item = _item(world, hearing["id"], case["id"], document_ids=[second["id"]]).get_json()
    assert [d["document_id"] for d in item["documents"]] == [second["id"]]
    path = f"/api/v1/hearings/{hearing['id']}/items/{item['id']}/documents"

    chosen = world["head"].put(path, json={"document_ids": [first["id"], second["id"]]})
    assert chosen.status_code == 200
    assert [d["document_id"] for d in chosen.get_json()["documents"]] == [first["id"], second["id"]]
    foreign = _item(world, hearing["id"], case["id"], document_ids=[stranger["id"]])
    assert foreign.status_code == 400 and foreign.get_json()["error"]["code"] == "unknown_document"
    assert _count(HearingItem) == 1  # the refused item is not half-kept
    refused = world["head"].put(path, json={"document_ids": [stranger["id"]]})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "unknown_document"
    shown = world["head"].get(f"/api/v1/hearings/{hearing['id']}").get_json()["items"][0]["documents"]
    assert [d["document_id"] for d in shown] == [first["id"], second["id"]]  # nothing half-written

    assert world["head"].delete(f"/api/v1/hearings/{hearing['id']}/items/{item['id']}").status_code == 204
    assert world["head"].get(f"/api/v1/hearings/{hearing['id']}").get_json()["items"] == []


def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(world: World) -> None:
    case = world.open_case("spec1", "u1")
    commission = _commission(world)["id"]
    hearing = _hearing(world, commission)
    items = f"/api/v1/hearings/{hearing['id']}/items"
    refusals = [
        ("/api/v1/commissions", {"name": "Совет", "colour": "red"}, "colour: неизвестное поле"),
        ("/api/v1/commissions", {"name": "Совет", "access_days": 400}, "access_days:"),
        ("/api/v1/commissions", {"name": "Совет", "members": [{"name": ""}]}, "members.0: укажите либо username"),
        ("/api/v1/hearing-questions", {"title": "   "}, "title: пустое значение"),
        ("/api/v1/hearings", {"commission_id": 2**31, "starts_at": "2026-05-01T10:00"}, "commission_id:"),
        ("/api/v1/hearings", {"commission_id": commission, "starts_at": "завтра"}, "starts_at: ожидались дата и время"),
        ("/api/v1/hearings", {"commission_id": commission, "starts_at": "9999-12-31T23:00+00:00"}, "starts_at: год"),
        ("/api/v1/commissions", {"name": "Совет", "kind": "court"}, "kind: недопустимое значение"),
        (items, {"case_id": case["id"]}, "body: укажите вопрос: question_id из списка или текст question"),
        (items, {"case_id": 2**31, "question": "Вопрос"}, "case_id:"),
        (items, {"case_id": case["id"], "question": "Вопрос", "document_ids": [2**31]}, "document_ids.0:"),
        (items, {"case_id": case["id"], "question": "Вопрос", "priority": 1}, "priority: неизвестное поле"),
    ]
    for path, body, message in refusals:
        answer = world["head"].post(path, json=body)
        assert answer.status_code == 400, (path, body, answer.get_json())
        assert answer.get_json()["error"]["message"].startswith(message), answer.get_json()
    assert world["head"].post(items, json=[1]).status_code == 400
    assert (_count(Commission), _count(Hearing), _count(HearingItem)) == (1, 1, 0)

    item = _item(world, hearing["id"], case["id"]).get_json()
    world["head"].post(f"/api/v1/hearings/{hearing['id']}/held", json={})
    decision = f"/api/v1/hearings/{hearing['id']}/items/{item['id']}/decision"
    for body, message in (
        ({"kind": "repeat_hearing", "decision": "Повторно"}, "body: для повторного рассмотрения укажите repeat_on"),
        ({"kind": "approve", "decision": "Да"}, "kind: недопустимое значение"),
        ({"kind": "other", "decision": ""}, "decision: пустое значение"),
        ({"kind": "other", "decision": "Да", "repeat_on": "1 мая"}, "repeat_on:"),
    ):
        answer = world["head"].put(decision, json=body)
        assert answer.status_code == 400 and answer.get_json()["error"]["message"].startswith(message), body
    documents = f"/api/v1/hearings/{hearing['id']}/items/{item['id']}/documents"
    assert (
        world["head"]
        .put(documents, json={"document_ids": [0]})
        .get_json()["error"]["message"]
        .startswith("document_ids.0:")
    )
    assert world["head"].get(f"/api/v1/hearings/{hearing['id']}").get_json()["items"][0]["decided"] is False
    assert world["head"].get(f"/api/v1/hearings/{2**31}").status_code == 404


def test_an_item_planned_by_a_repeat_decision_goes_on_a_later_agenda(world: World) -> None:
    case = world.open_case("spec1", "u1")
    commission = _commission(world, {"username": "spec1", "role": "secretary"})["id"]
    earlier = _hearing(world, commission)
    origin = _item(world, earlier["id"], case["id"]).get_json()
    # As approving the protocol files a repeat decision back (webapp.hearings' protocol module).
    planned = HearingItem(
        commission_id=commission,
        case_id=case["id"],
        question="Повторное рассмотрение",
        planned_on=dt.date(2026, 12, 1),
        origin_item_id=origin["id"],
    )
    db.session.add(planned)
    db.session.commit()

    waiting = world["spec1"].get(f"/api/v1/commissions/{commission}/planned").get_json()
    assert [(i["id"], i["planned_on"], i["hearing_id"]) for i in waiting["items"]] == [(planned.id, "2026-12-01", None)]
    assert world["spec2"].get(f"/api/v1/commissions/{commission}/planned").status_code == 403
    later = _hearing(world, commission, days=30)
    assert world["head"].post(f"/api/v1/hearings/{later['id']}/planned/{origin['id']}").status_code == 404
    put = world["spec1"].post(f"/api/v1/hearings/{later['id']}/planned/{planned.id}")
    assert put.status_code == 200
    assert (put.get_json()["hearing_id"], put.get_json()["position"]) == (later["id"], 1)
    assert world["head"].get(f"/api/v1/commissions/{commission}/planned").get_json()["total"] == 0
    # Taken off the agenda, it waits again.
    assert world["head"].delete(f"/api/v1/hearings/{later['id']}/items/{planned.id}").status_code == 204
    assert world["head"].get(f"/api/v1/commissions/{commission}/planned").get_json()["total"] == 1
