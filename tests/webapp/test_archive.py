"""Inventories of files handed to the archive, expert review (ЭПК), destruction lists and approved acts."""

from __future__ import annotations

import io
import re
from typing import Any

import docx
import pytest
from flask.testing import FlaskClient

from document_templates.registry import example_values
from tests.conftest import World
from tests.webapp.test_pages import _csrf, login
from webapp.archive import destruction
from webapp.archive.models import DestructionAct
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.documents.models import DocumentVersion, PaperSignature
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.services import execute_job
from webapp.runtime import blob_store


def _entry(world: World, index: str, year: int, **retention: Any) -> None:
    body = {"index": index, "title": f"Дела {index}", "year": year, "article": "ст. 151", **retention}
    assert world["archivist"].post("/api/v1/nomenclature", json=body).status_code == 201


def _closed_case(world: World, index: str, year: int, closed_on: str, content: bytes = b"Act text") -> dict[str, Any]:
    case = world.open_case(nomenclature_index=index, year=year, opened_on=f"{year}-02-01")
    world.upload(case["id"], content, date=f"{year}-03-01")
    closed = world["archivist"].post(f"/api/v1/cases/{case['id']}/close", json={"closed_on": closed_on})
    assert closed.status_code == 200, closed.get_json()
    return closed.get_json()  # type: ignore[no-any-return]


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


# --- inventories ---------------------------------------------------------------------------------------------


def test_inventory_lists_the_closed_cases_of_its_year_and_class_and_transfers_them(world: World) -> None:
    _entry(world, "04-01", 2026, permanent=True)
    _entry(world, "04-01", 2025, permanent=True)
    permanent = _closed_case(world, "04-01", 2026, "2026-04-01")
    rolled_over = _closed_case(world, "04-01", 2025, "2026-05-01")  # a "переходящее" case: closed in 2026
    long_term = _closed_case(world, "04-05", 2026, "2026-04-01")  # 75 years: another class
    still_open = world.open_case(nomenclature_index="04-01", year=2026)

    response = world["archivist"].post(
        "/api/v1/archive/inventories", json={"year": 2026, "retention_class": "permanent"}
    )
    assert response.status_code == 201, response.get_json()
    inventory = response.get_json()
    assert (inventory["number"], inventory["case_count"]) == (1, 2)
    assert [c["number"] for c in inventory["cases"]] == [rolled_over["number"], permanent["number"]]
    assert all(c["status"] == "transferred" and c["inventory_id"] == inventory["id"] for c in inventory["cases"])
    assert world["head"].get(f"/api/v1/cases/{long_term['id']}").get_json()["status"] == "closed"
    assert world["head"].get(f"/api/v1/cases/{still_open['id']}").get_json()["status"] == "open"

    docx_response = world["archivist"].get(f"/api/v1/archive/inventories/{inventory['id']}/docx")
    assert docx_response.status_code == 200
    text = _docx_text(docx_response.data)
    assert "ОПИСЬ № 1" in text and "постоянного хранения" in text and "за 2026 год" in text
    assert permanent["number"] in text and rolled_over["number"] in text and long_term["number"] not in text
    assert "Тестовый центр" in text

    again = world["archivist"].post("/api/v1/archive/inventories", json={"year": 2026, "retention_class": "permanent"})
    assert again.status_code == 400
    assert again.get_json()["error"]["code"] == "nothing_to_inventory"
    long = world["archivist"].post("/api/v1/archive/inventories", json={"year": 2026, "retention_class": "long"})
    assert long.get_json()["number"] == 2


def test_inventory_pdf_is_made_once_and_kept(world: World) -> None:
    _closed_case(world, "04-05", 2026, "2026-04-01")
    inventory = world["archivist"].post("/api/v1/archive/inventories", json={"year": 2026, "retention_class": "long"})
    url = f"/api/v1/archive/inventories/{inventory.get_json()['id']}/pdf"
    first = world["archivist"].get(url)
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    assert world["archivist"].get(url).data == first.data


def test_a_transferred_case_cannot_be_reopened_but_can_be_held(world: World) -> None:
    case = _closed_case(world, "04-05", 2026, "2026-04-01")
    world["archivist"].post("/api/v1/archive/inventories", json={"year": 2026, "retention_class": "long"})
    reopen = world["archivist"].post(f"/api/v1/cases/{case['id']}/reopen", json={"reason": "новые документы"})
    assert reopen.status_code == 409 and reopen.get_json()["error"]["code"] == "case_transferred"
    hold = world["archivist"].post(f"/api/v1/cases/{case['id']}/hold", json={"reason": "запрос суда"})
    assert hold.status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"year": 2026, "retention_class": "forever"}, 400),
        ({"year": 1800, "retention_class": "permanent"}, 400),
        ({"year": 2026}, 400),
        ({"year": 2026, "retention_class": "permanent", "extra": 1}, 400),
    ],
)
def test_bad_inventory_requests(world: World, body: dict[str, Any], status: int) -> None:
    _closed_case(world, "04-05", 2026, "2026-04-01")
    assert world["archivist"].post("/api/v1/archive/inventories", json=body).status_code == status
    assert db.session.scalar(db.select(db.func.count(Case.id)).where(Case.status == "transferred")) == 0


@pytest.mark.parametrize("user", ["spec1", "head", "admin"])
def test_only_the_archivist_keeps_inventories(world: World, user: str) -> None:
    _closed_case(world, "04-05", 2026, "2026-04-01")
    response = world[user].post("/api/v1/archive/inventories", json={"year": 2026, "retention_class": "long"})
    assert response.status_code == 403
    assert response.get_json()["error"]["message"]
    assert world[user].get("/api/v1/archive/inventories").status_code == 403


# --- destruction list and expert review ----------------------------------------------------------------------


@pytest.fixture
def expired(world: World) -> dict[str, dict[str, Any]]:
    """Cases of 2018 whose retention expired on 1 January 2022 (3 years) — plain, ЭПК, held — and one not yet."""
    _entry(world, "04-10", 2018, retention_years=3)
    _entry(world, "04-11", 2018, retention_years=3, epk=True)
    _entry(world, "04-12", 2018, retention_years=10)
    cases = {
        "plain": _closed_case(world, "04-10", 2018, "2018-12-01", b"plain act about Petrovy"),
        "epk": _closed_case(world, "04-11", 2018, "2018-12-01"),
        "held": _closed_case(world, "04-10", 2018, "2018-12-02"),
        "running": _closed_case(world, "04-12", 2018, "2018-12-01"),  # kept until 2029
    }
    world["archivist"].post(f"/api/v1/cases/{cases['held']['id']}/hold", json={"reason": "запрос прокуратуры"})
    return cases


def _numbers(items: list[dict[str, Any]]) -> list[str]:
    return [item["number"] for item in items]


def test_destruction_list_excludes_held_and_waits_for_expert_review(world: World, expired: Any) -> None:
    listed = world["archivist"].get("/api/v1/archive/destruction-list").get_json()
    assert _numbers(listed["ready"]) == [expired["plain"]["number"]]
    assert _numbers(listed["awaiting_review"]) == [expired["epk"]["number"]]
    assert _numbers(listed["held"]) == [expired["held"]["number"]]
    assert world["spec1"].get("/api/v1/archive/destruction-list").status_code == 403


def test_expert_review_destroy_or_extend(world: World, expired: Any) -> None:
    url = f"/api/v1/cases/{expired['epk']['id']}/expert-review"
    assert world["spec1"].post(url, json={"decision": "destroy", "protocol": "Протокол ЭК № 3"}).status_code == 403
    assert world["archivist"].post(url, json={"decision": "extend", "protocol": "Протокол ЭК № 3"}).status_code == 400
    extended = world["archivist"].post(url, json={"decision": "extend", "extend_years": 10, "protocol": "Протокол № 3"})
    assert extended.get_json()["retention_until"] == "2032-01-01"
    listed = world["archivist"].get("/api/v1/archive/destruction-list").get_json()
    assert expired["epk"]["number"] not in _numbers(listed["ready"] + listed["awaiting_review"])

    url = f"/api/v1/cases/{expired['plain']['id']}/expert-review"
    reviewed = world["archivist"].post(url, json={"decision": "destroy", "protocol": "Протокол ЭК № 4"})
    assert reviewed.status_code == 200 and reviewed.get_json()["expert_review_on"] is not None
    open_case = world.open_case()
    not_closed = world["archivist"].post(
        f"/api/v1/cases/{open_case['id']}/expert-review", json={"decision": "destroy", "protocol": "Протокол № 5"}
    )
    assert not_closed.status_code == 409


# --- destruction acts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("which", "reason"), [("held", "удержании"), ("epk", "ЭПК"), ("running", "истекает"), ("open", "не закрыто")]
)
def test_an_act_refuses_cases_that_may_not_be_destroyed(world: World, expired: Any, which: str, reason: str) -> None:
    case_id = world.open_case()["id"] if which == "open" else expired[which]["id"]
    response = world["archivist"].post(
        "/api/v1/archive/destruction-acts", json={"case_ids": [expired["plain"]["id"], case_id]}
    )
    assert response.status_code == 409
    assert reason in response.get_json()["error"]["message"]
    assert db.session.scalar(db.select(db.func.count(DestructionAct.id))) == 0
    assert db.session.get(Case, expired["plain"]["id"]).destruction_act_id is None  # type: ignore[union-attr]


def test_only_the_archivist_drafts_and_only_the_head_approves(world: World, expired: Any) -> None:
    for user in ("spec1", "head"):
        assert world[user].post("/api/v1/archive/destruction-acts", json={}).status_code == 403
    act = world["archivist"].post("/api/v1/archive/destruction-acts", json={}).get_json()
    assert _numbers(act["cases"]) == [expired["plain"]["number"]]
    assert act["status"] == "draft"
    for user in ("spec1", "archivist", "admin"):
        response = world[user].post(f"/api/v1/archive/destruction-acts/{act['id']}/approve")
        assert response.status_code == 403
    assert blob_store().exists(_blob_keys(expired["plain"]["id"])[0])


def _blob_keys(case_id: int) -> list[str]:
    versions = db.session.scalars(
        db.select(DocumentVersion).join(DocumentVersion.document).where(db.text("documents.case_id = :c")),
        {"c": case_id},
    ).all()
    return [version.blob_key for version in versions]


def test_approved_act_destroys_content_keeps_metadata(world: World, expired: Any) -> None:
    plain = expired["plain"]
    form = world["spec1"].post(
        f"/api/v1/cases/{plain['id']}/documents",
        json={"template": "inspection_act", "fields": example_values("inspection_act")},
    )
    assert form.status_code == 409  # closed: no new documents, so reopen, add, close again
    world["archivist"].post(f"/api/v1/cases/{plain['id']}/reopen", json={"reason": "досылка акта"})
    form = world["spec1"].post(
        f"/api/v1/cases/{plain['id']}/documents",
        json={"template": "inspection_act", "fields": example_values("inspection_act"), "date": "2018-04-01"},
    )
    assert form.status_code == 201, form.get_json()
    signers = '[{"name": "Петрова Анна Ивановна", "role": "представитель семьи"}]'
    scan = world["spec1"].upload(
        f"/api/v1/documents/{form.get_json()['id']}/versions",
        b"%PDF-1.4\n%scan",
        base_version="1",
        paper_signers=signers,
    )
    assert scan.status_code == 201, scan.get_json()
    closed = world["archivist"].post(f"/api/v1/cases/{plain['id']}/close", json={"closed_on": "2018-12-01"})
    assert closed.status_code == 200, closed.get_json()
    document_id = world["head"].get(f"/api/v1/cases/{plain['id']}").get_json()["documents"][0]["id"]
    assert world["head"].get("/api/v1/search?q=Petrovy").get_json()["total"] == 1
    keys = _blob_keys(plain["id"])

    act = world["archivist"].post("/api/v1/archive/destruction-acts", json={"case_ids": [plain["id"]]}).get_json()
    assert "id" in act, act
    draft = world["head"].get(f"/api/v1/archive/destruction-acts/{act['id']}/docx")
    assert "ПРОЕКТ" in _docx_text(draft.data)
    approved = world["head"].post(f"/api/v1/archive/destruction-acts/{act['id']}/approve")
    assert approved.status_code == 202, approved.get_json()
    assert approved.get_json()["job"]["status"] == "done"
    assert world["head"].post(f"/api/v1/archive/destruction-acts/{act['id']}/approve").status_code == 409

    assert not any(blob_store().exists(key) for key in keys)
    case = world["head"].get(f"/api/v1/cases/{plain['id']}").get_json()
    assert case["status"] == "destroyed" and case["destroyed_on"] and case["title"] == plain["title"]
    assert case["subject"] == {} and len(case["documents"]) == 2
    gone = world["head"].get(f"/api/v1/documents/{document_id}/versions/1/content")
    assert gone.status_code == 410
    assert world["head"].get("/api/v1/search?q=Petrovy").get_json()["total"] == 0
    versions = db.session.scalars(db.select(DocumentVersion)).all()
    assert all(v.form_data is None for v in versions if v.blob_key in keys)
    assert db.session.scalar(db.select(db.func.count(PaperSignature.id))) == 0  # hand signers' names go too
    executed = world["head"].get(f"/api/v1/archive/destruction-acts/{act['id']}").get_json()
    assert executed["status"] == "executed" and executed["approved_by"] == "head"
    text = _docx_text(world["archivist"].get(f"/api/v1/archive/destruction-acts/{act['id']}/docx").data)
    assert plain["number"] in text and "ПРОЕКТ" not in text and "Тест head" in text
    other = expired["held"]
    assert all(blob_store().exists(key) for key in _blob_keys(other["id"]))


def test_a_hold_set_after_drafting_blocks_approval(world: World, expired: Any) -> None:
    plain = expired["plain"]
    act = world["archivist"].post("/api/v1/archive/destruction-acts", json={}).get_json()
    world["archivist"].post(f"/api/v1/cases/{plain['id']}/hold", json={"reason": "запрос суда"})
    refused = world["head"].post(f"/api/v1/archive/destruction-acts/{act['id']}/approve")
    assert refused.status_code == 409 and "удержании" in refused.get_json()["error"]["message"]
    assert all(blob_store().exists(key) for key in _blob_keys(plain["id"]))
    cancelled = world["archivist"].post(f"/api/v1/archive/destruction-acts/{act['id']}/cancel")
    assert cancelled.get_json()["status"] == "cancelled" and cancelled.get_json()["cases"] == []
    world["archivist"].post(f"/api/v1/cases/{plain['id']}/hold/release", json={"reason": "дело рассмотрено"})
    listed = world["archivist"].get("/api/v1/archive/destruction-list").get_json()
    assert plain["number"] in _numbers(listed["ready"])


def test_a_hold_set_after_approval_still_saves_the_case(world: World, expired: Any) -> None:
    import datetime as dt

    plain = expired["plain"]
    archivist = db.session.scalars(db.select(User).where(User.username == "archivist")).one()
    head = db.session.scalars(db.select(User).where(User.username == "head")).one()
    act = destruction.draft_act(archivist, None, today=dt.date.today())
    _, job = destruction.approve_act(head, act.id, today=dt.date.today())
    db.session.get(Case, plain["id"]).legal_hold_since = dt.datetime.now(dt.UTC)  # type: ignore[union-attr]
    db.session.commit()  # not uow.commit: the job is not handed to the queue yet
    execute_job(job.id)
    assert db.session.get(Job, job.id).result == {"act_id": act.id, "destroyed": 0, "kept_on_hold": 1}  # type: ignore[union-attr]
    assert all(blob_store().exists(key) for key in _blob_keys(plain["id"]))
    assert db.session.get(Case, plain["id"]).status == "closed"  # type: ignore[union-attr]


def test_nothing_is_destroyed_without_an_approved_act(world: World, expired: Any) -> None:
    import datetime as dt

    from webapp.jobs.services import create_job

    archivist = db.session.scalars(db.select(User).where(User.username == "archivist")).one()
    act = destruction.draft_act(archivist, None, today=dt.date.today())
    job = create_job(destruction.JOB_KIND, {"act_id": act.id}, archivist)
    db.session.commit()
    execute_job(job.id)
    assert db.session.get(Job, job.id).status == "failed"  # type: ignore[union-attr]
    assert all(blob_store().exists(key) for key in _blob_keys(expired["plain"]["id"]))


# --- pages ---------------------------------------------------------------------------------------------------


def test_archivist_and_head_run_a_destruction_round_in_the_browser(
    client: FlaskClient, world: World, expired: Any
) -> None:
    login(client, "archivist")
    page = client.get("/archive/destruction").get_data(as_text=True)
    assert expired["plain"]["number"] in page and "Нужна экспертиза ценности" in page
    token = _csrf(page)
    reviewed = client.post(
        f"/archive/destruction/review/{expired['epk']['id']}",
        data={"csrf_token": token, "decision": "destroy", "protocol": "Протокол ЭК от 20.11.2026 № 4"},
        follow_redirects=True,
    )
    assert "Отметка экспертной комиссии внесена" in reviewed.get_data(as_text=True)
    empty = client.post("/archive/acts", data={"csrf_token": token}, follow_redirects=True)
    assert "Отметьте дела" in empty.get_data(as_text=True)
    drafted = client.post(
        "/archive/acts",
        data={"csrf_token": token, "case_id": [str(expired["plain"]["id"]), str(expired["epk"]["id"])]},
        follow_redirects=True,
    )
    html = drafted.get_data(as_text=True)
    assert "Проект акта № 1" in html and "Утвердить акт" not in html  # the archivist does not approve
    act_id = db.session.scalars(db.select(DestructionAct.id)).one()
    client.post("/logout", data={"csrf_token": _csrf(html)})

    login(client, "head")
    page = client.get(f"/archive/acts/{act_id}").get_data(as_text=True)
    assert "Утвердить акт и уничтожить" in page
    done = client.post(f"/archive/acts/{act_id}/approve", data={"csrf_token": _csrf(page)}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Акт утверждён" in html and "уничтожено дел: 2" in html
    case_page = client.get(f"/cases/{expired['plain']['id']}").get_data(as_text=True)
    assert "Содержимое документов уничтожено" in case_page


def test_archivist_prints_an_inventory_in_the_browser(client: FlaskClient, world: World) -> None:
    case = _closed_case(world, "04-05", 2026, "2026-04-01")
    login(client, "archivist")
    page = client.get("/archive?year=2026").get_data(as_text=True)
    assert case["number"] in page
    response = client.post(
        "/archive/inventories",
        data={"csrf_token": _csrf(page), "year": "2026", "retention_class": "long"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Опись № 1 за 2026 год составлена" in html and case["number"] in html
    docx_link = re.search(r'href="(/archive/inventories/\d+/docx)"', html)
    assert docx_link is not None
    assert "ОПИСЬ № 1" in _docx_text(client.get(docx_link.group(1)).data)
    bad = client.post("/archive/inventories", data={"csrf_token": _csrf(page), "year": "2026", "retention_class": "x"})
    assert bad.status_code == 302  # back to the page with the message, nothing compiled


@pytest.mark.parametrize("path", ["/archive", "/archive/destruction", "/archive/acts"])
def test_specialists_do_not_see_the_archive(client: FlaskClient, world: World, path: str) -> None:
    login(client, "spec1")
    response = client.get(path)
    assert response.status_code == 403
    assert "архив" in response.get_data(as_text=True).lower()
    assert 'href="/archive"' not in client.get("/").get_data(as_text=True)
