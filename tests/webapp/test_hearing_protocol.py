"""The protocol of a hearing (webapp/hearings/protocol.py, api_protocol.py) and the decisions filed back when it is
approved (webapp/hearings/filing.py): through the API, as the head and the commission's secretary do it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.conftest import PIN, World
from webapp.auth.models import User
from webapp.documents.models import Document
from webapp.extensions import db
from webapp.hearings.filing import close_proposals, filing_note
from webapp.hearings.models import Hearing, HearingItem
from webapp.runtime import local_time

PROGRAMME = {"kind": "programme_approved", "heard": "Доклад о проекте программы", "decision": "Утвердить программу"}
REMOVAL = {"kind": "remove_from_support", "heard": "Программа выполнена", "decision": "Снять с сопровождения"}


def _setup(world: World, *, cases: int = 3, protocols_case: bool = True) -> dict[str, Any]:
    """A commission (chair: the head, secretary: spec1, an external member) whose protocols are filed in a case of
    district u1, a hearing held yesterday with `cases` families of u1 on its agenda."""
    protocols = world.open_case(title="Протоколы заседаний совета профилактики") if protocols_case else None
    opened_on = max(dt.date.today() - dt.timedelta(days=10), dt.date(world.year, 1, 1))  # before the hearing
    families = [world.open_case(title=f"Семья {n}", opened_on=str(opened_on)) for n in range(1, cases + 1)]
    members = [
        {"username": "head", "role": "chair"},
        {"username": "spec1", "role": "secretary"},
        {"name": "Петрова Анна Ивановна", "position": "инспектор ПДН", "organization": "ОМВД"},
    ]
    body = {"name": "Совет профилактики", "members": members}
    if protocols is not None:
        body["protocols_case_id"] = protocols["id"]
    commission = world["head"].post("/api/v1/commissions", json=body)
    assert commission.status_code == 201, commission.get_json()
    starts_at = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).replace(microsecond=0)
    hearing = (
        world["head"]
        .post(
            "/api/v1/hearings",
            json={
                "commission_id": commission.get_json()["id"],
                "starts_at": starts_at.isoformat(),
                "place": "каб. 204",
            },
        )
        .get_json()
    )
    items = []
    for family in families:
        item = world["head"].post(
            f"/api/v1/hearings/{hearing['id']}/items", json={"case_id": family["id"], "question": "Вопрос о семье"}
        )
        assert item.status_code == 201, item.get_json()
        items.append(item.get_json())
    assert world["head"].post(f"/api/v1/hearings/{hearing['id']}/send-agenda").status_code == 200
    assert world["head"].post(f"/api/v1/hearings/{hearing['id']}/held").status_code == 200
    return {
        "commission": commission.get_json(),
        "hearing": hearing,
        "protocols": protocols,
        "cases": families,
        "items": items,
    }


def _decide(world: World, scene: dict[str, Any], index: int, decision: dict[str, Any], by: str = "head") -> None:
    hearing, item = scene["hearing"]["id"], scene["items"][index]["id"]
    answer = world[by].put(f"/api/v1/hearings/{hearing}/items/{item}/decision", json=decision)
    assert answer.status_code == 200, answer.get_json()


def _render(world: World, scene: dict[str, Any], by: str = "spec1") -> Any:
    return world[by].post(f"/api/v1/hearings/{scene['hearing']['id']}/protocol")


def _approve(world: World, document_id: int, version: int) -> Any:
    assert world["spec1"].post(f"/api/v1/documents/{document_id}/submit").status_code == 200
    # The approval signs the extracts «утверждаю»: with the head's PIN.
    return world["head"].post(f"/api/v1/documents/{document_id}/approve", json={"version": version, "pin": PIN})


def _documents_of(case_id: int, kind: str) -> list[Document]:
    return list(db.session.scalars(db.select(Document).where(Document.case_id == case_id, Document.type == kind)))


def test_a_hearing_from_decisions_to_extracts_journal_deadlines_and_a_planned_item(world: World) -> None:
    scene = _setup(world)
    hearing_id = scene["hearing"]["id"]
    programme, removal, repeat = scene["cases"]
    repeat_on = dt.date.today() + dt.timedelta(days=30)

    # Not before every item is decided: the refusal names the first undecided one.
    _decide(world, scene, 0, PROGRAMME)
    refused = _render(world, scene)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "undecided_item"
    assert "№ 2" in refused.get_json()["error"]["message"]
    assert _documents_of(scene["protocols"]["id"], "hearing_protocol") == []
    _decide(world, scene, 1, REMOVAL, by="spec1")  # the secretary enters decisions too
    _decide(
        world, scene, 2, {"kind": "repeat_hearing", "decision": "Рассмотреть повторно", "repeat_on": str(repeat_on)}
    )

    # The secretary renders the protocol into the commission's protocols case; rendered again, a new version.
    first = _render(world, scene)
    assert first.status_code == 201, first.get_json()
    document = first.get_json()["document"]
    assert (document["case_id"], document["type"], len(document["versions"])) == (
        scene["protocols"]["id"],
        "hearing_protocol",
        1,
    )
    assert first.get_json()["hearing"]["protocol_document_id"] == document["id"]
    second = _render(world, scene, by="head")
    assert second.status_code == 201
    assert second.get_json()["document"]["id"] == document["id"]
    assert [v["number"] for v in second.get_json()["document"]["versions"]] == [1, 2]
    values = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/2/fields").get_json()["fields"]
    assert [row["decided"] for row in values["items"]] == [
        "Утвердить программу",
        "Снять с сопровождения",
        "Рассмотреть повторно",
    ]
    assert values["chair_signature"] == "Тест head" and values["secretary_signature"] == "Тест spec1"
    assert values["members"] == "Петрова Анна Ивановна, инспектор ПДН, ОМВД"
    assert values["invited"] is None  # the speaker of each item, spec1, is a member

    # The secretary and the chair sign their roles; a specialist who is not the chair cannot take the chair's.
    signed = f"/api/v1/documents/{document['id']}/versions/2/signatures"
    assert world["spec1"].post(signed, json={"role": "председатель", "pin": PIN}).status_code == 403
    assert world["spec1"].post(signed, json={"role": "секретарь", "pin": PIN}).status_code == 201
    assert world["head"].post(signed, json={"role": "председатель", "pin": PIN}).status_code == 201

    approved = _approve(world, document["id"], 2)
    assert approved.status_code == 200, approved.get_json()
    assert world["head"].post(signed, json={"role": "утверждаю", "pin": PIN}).status_code == 201
    verdicts = world["head"].get(signed).get_json()["items"]
    assert sorted((s["role"], s["valid"]) for s in verdicts) == [
        ("председатель", True),
        ("секретарь", True),
        ("утверждаю", True),
    ]

    hearing = db.session.get(Hearing, hearing_id)
    assert hearing is not None and hearing.status == "protocol_approved" and hearing.protocol_approved_at is not None
    day = local_time(hearing.starts_at).date()

    # Each case has its extract, approved and signed «утверждаю» by the head, and the signature verifies.
    head = db.session.scalar(db.select(User).where(User.username == "head"))
    for case, item in zip(scene["cases"], hearing.items, strict=True):
        (extract,) = _documents_of(case["id"], "protocol_extract")
        assert item.extract_document_id == extract.id and extract.status == "approved"
        assert extract.dated_on == day
        checked = world["spec1"].get(f"/api/v1/documents/{extract.id}/versions/1/signatures").get_json()["items"]
        assert [(s["role"], s["signer_username"], s["valid"]) for s in checked] == [("утверждаю", "head", True)]
        assert extract.latest_version is not None and extract.latest_version.signatures[0].signer_id == head.id
        extract_values = world["spec1"].get(f"/api/v1/documents/{extract.id}/versions/1/fields").get_json()["fields"]
        assert extract_values["case_number"] == case["number"]
        assert extract_values["decided"] == item.decision
        assert filing_note(item) == ""

    # programme approved: the journal entry on the hearing's date, and the programme's start deadline from it.
    journal = world["spec1"].get(f"/api/v1/cases/{programme['id']}/journal").get_json()["items"]
    assert [(e["kind"], e["occurred_on"], e["document_id"]) for e in journal] == [
        ("ippsu_approved", day.isoformat(), hearing.items[0].extract_document_id)
    ]
    assert hearing.items[0].support_event_id == journal[0]["id"]
    deadlines = world["spec1"].get(f"/api/v1/deadlines?case_id={programme['id']}").get_json()["items"]
    start = [d for d in deadlines if d["kind"] == "ippsu_start"]
    assert len(start) == 1 and start[0]["starts_on"] == day.isoformat() and start[0]["status"] == "open"

    # removal from support: the entry, and the case proposed to close to the head and its responsible specialist.
    journal = world["spec1"].get(f"/api/v1/cases/{removal['id']}/journal").get_json()["items"]
    assert [(e["kind"], e["detail"]) for e in journal] == [("service_ended", "support")]
    spec1, spec2 = (db.session.scalar(db.select(User).where(User.username == name)) for name in ("spec1", "spec2"))
    assert [p.case.id for p in close_proposals(head)] == [removal["id"]]
    assert [p.case.id for p in close_proposals(spec1)] == [removal["id"]]
    assert close_proposals(spec2) == []
    assert world["spec1"].get(f"/api/v1/cases/{repeat['id']}/journal").get_json()["items"] == []

    # repeat hearing: an item planned for a later hearing of the commission.
    planned = db.session.scalars(db.select(HearingItem).where(HearingItem.hearing_id.is_(None))).all()
    assert [(p.case_id, p.planned_on, p.origin_item_id, p.question) for p in planned] == [
        (repeat["id"], repeat_on, scene["items"][2]["id"], "Вопрос о семье")
    ]

    # Approved once: the protocol is not rendered again, and nothing is filed twice.
    again = _render(world, scene, by="head")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "hearing_status"
    assert len(_documents_of(programme["id"], "protocol_extract")) == 1


def test_a_decision_changed_after_rendering_stops_the_approval_until_rendered_again(world: World) -> None:
    scene = _setup(world, cases=2)
    _decide(world, scene, 0, PROGRAMME)
    _decide(world, scene, 1, REMOVAL)
    document = _render(world, scene).get_json()["document"]
    _decide(world, scene, 1, {**REMOVAL, "decision": "Снять с сопровождения с 1 числа"})
    refused = _approve(world, document["id"], 1)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "protocol_outdated"
    assert "№ 2" in refused.get_json()["error"]["message"]
    assert _documents_of(scene["cases"][0]["id"], "protocol_extract") == []
    assert db.session.get(Hearing, scene["hearing"]["id"]).status == "held"  # type: ignore[union-attr]

    assert _render(world, scene).status_code == 201  # version 2 resets the document to draft
    assert _approve(world, document["id"], 2).status_code == 200
    (extract,) = _documents_of(scene["cases"][1]["id"], "protocol_extract")
    assert extract.latest_version is not None
    assert extract.latest_version.form_data is not None
    assert extract.latest_version.form_data["decided"] == "Снять с сопровождения с 1 числа"


def test_a_closed_case_gets_no_extract_and_the_hearing_says_so(world: World) -> None:
    scene = _setup(world, cases=2)
    _decide(world, scene, 0, PROGRAMME)
    _decide(world, scene, 1, REMOVAL)
    closed = scene["cases"][1]
    today = str(dt.date.today())
    assert world["archivist"].post(f"/api/v1/cases/{closed['id']}/close", json={"closed_on": today}).status_code == 200
    document = _render(world, scene).get_json()["document"]
    assert _approve(world, document["id"], 1).status_code == 200

    hearing = db.session.get(Hearing, scene["hearing"]["id"])
    assert hearing is not None and hearing.status == "protocol_approved"
    kept, skipped = hearing.items
    assert kept.extract_document_id is not None and filing_note(kept) == ""
    assert skipped.extract_document_id is None and skipped.support_event_id is None
    assert (
        filing_note(skipped)
        == f"Выписка не подшита: дело {closed['number']} на момент утверждения протокола было закрыто"
    )
    assert _documents_of(closed["id"], "protocol_extract") == []


def test_the_protocol_needs_a_held_hearing_a_manager_and_an_open_protocols_case(world: World) -> None:
    scene = _setup(world, cases=1, protocols_case=False)
    _decide(world, scene, 0, PROGRAMME)
    assert _render(world, scene, by="spec2").status_code == 404  # does not see the hearing
    missing = _render(world, scene, by="head")
    assert missing.status_code == 409 and missing.get_json()["error"]["code"] == "no_protocols_case"
    assert "дело для протоколов" in missing.get_json()["error"]["message"]
    assert world["head"].post("/api/v1/hearings/999/protocol").status_code == 404

    planned = (
        world["head"]
        .post(
            "/api/v1/hearings",
            json={"commission_id": scene["commission"]["id"], "starts_at": "2026-12-20T10:00:00"},
        )
        .get_json()
    )
    early = world["head"].post(f"/api/v1/hearings/{planned['id']}/protocol")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "hearing_status"
