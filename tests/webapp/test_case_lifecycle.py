"""Closing with retention dates, reopening with a reason, legal holds; numbering under concurrency."""

from __future__ import annotations

import datetime as dt
import os
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import World
from tests.webapp.test_pages import login
from webapp.audit.models import AuditEvent
from webapp.cases.lifecycle import retention_until
from webapp.cases.models import CaseEvent
from webapp.extensions import db


@pytest.mark.parametrize(
    ("closed_on", "years", "expected"),
    [
        (dt.date(2026, 3, 15), 5, dt.date(2032, 1, 1)),
        (dt.date(2026, 12, 31), 5, dt.date(2032, 1, 1)),
        (dt.date(2027, 1, 1), 5, dt.date(2033, 1, 1)),
        (dt.date(2026, 6, 1), 75, dt.date(2102, 1, 1)),
        (dt.date(2026, 6, 1), None, None),
    ],
)
def test_retention_counts_from_the_next_january(
    closed_on: dt.date, years: int | None, expected: dt.date | None
) -> None:
    assert retention_until(closed_on, years) == expected


def test_close_sets_retention_and_blocks_new_documents(world: World) -> None:
    case = world.open_case(opened_on="2026-02-01")
    world.upload(case["id"], b"act", date="2026-03-01")
    closed = world["archivist"].post(f"/api/v1/cases/{case['id']}/close", json={"closed_on": "2026-03-10"})
    assert closed.status_code == 200, closed.get_json()
    body = closed.get_json()
    assert (body["status"], body["closed_on"], body["retention_until"]) == ("closed", "2026-03-10", "2102-01-01")
    upload = world["spec1"].upload(f"/api/v1/cases/{case['id']}/documents", b"late")
    assert upload.status_code == 409
    assert upload.get_json()["error"]["code"] == "case_closed"
    again = world["head"].post(f"/api/v1/cases/{case['id']}/close", json={"closed_on": "2026-03-11"})
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("closed_on", "code"),
    [("2026-02-28", "invalid_closed_on"), ("2026-01-15", "invalid_closed_on"), ("2999-01-01", "invalid_closed_on")],
)
def test_bad_closing_dates(world: World, closed_on: str, code: str) -> None:
    case = world.open_case(opened_on="2026-02-01")
    world.upload(case["id"], b"act", date="2026-03-01")
    response = world["archivist"].post(f"/api/v1/cases/{case['id']}/close", json={"closed_on": closed_on})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code
    assert world["head"].get(f"/api/v1/cases/{case['id']}").get_json()["status"] == "open"


def test_only_archivist_or_head_close_and_only_archivist_reopens(world: World) -> None:
    case = world.open_case(opened_on="2026-02-01")
    url = f"/api/v1/cases/{case['id']}"
    assert world["spec1"].post(f"{url}/close", json={"closed_on": "2026-02-02"}).status_code == 403
    assert world["head"].post(f"{url}/close", json={"closed_on": "2026-02-02"}).status_code == 200
    assert world["head"].post(f"{url}/reopen", json={"reason": "ошибочно закрыто"}).status_code == 403
    short = world["archivist"].post(f"{url}/reopen", json={"reason": "да"})
    assert short.status_code == 400
    reopened = world["archivist"].post(f"{url}/reopen", json={"reason": "поступили новые документы"})
    assert reopened.get_json()["status"] == "open"
    assert reopened.get_json()["retention_until"] is None
    assert world.upload(case["id"], b"new")["versions"][0]["number"] == 1
    events = db.session.scalars(db.select(CaseEvent).order_by(CaseEvent.id)).all()
    assert [(e.action, e.reason) for e in events] == [("close", ""), ("reopen", "поступили новые документы")]
    audit = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "case.reopen")).one()
    assert "новые" not in repr(audit.details)  # the reason stays in the case history, not in the audit log


def test_legal_hold(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    url = f"/api/v1/cases/{case['id']}/hold"
    assert world["head"].post(url, json={"reason": "запрос суда"}).status_code == 403
    held = world["archivist"].post(url, json={"reason": "запрос суда № 2-115/2026"})
    assert held.get_json()["legal_hold"] is True
    assert world["archivist"].post(url, json={"reason": "повторно"}).status_code == 409
    listed = world["spec1"].get("/api/v1/cases").get_json()["items"][0]
    assert listed["legal_hold"] is True
    login(client, "spec1")
    assert "Удержание" in client.get("/").get_data(as_text=True)
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Уничтожение и удаление запрещены" in page
    assert "запрос суда № 2-115/2026" in page
    released = world["archivist"].post(f"{url}/release", json={"reason": "производство окончено"})
    assert released.get_json()["legal_hold"] is False


def test_case_runs_over_the_year_end_and_keeps_its_number(world: World) -> None:
    entry = {"index": "04-05", "title": "Личные дела семей", "year": 2025, "retention_years": 75, "epk": True}
    assert world["archivist"].post("/api/v1/nomenclature", json=entry).status_code == 201
    case = world.open_case(year=2025, opened_on="2025-12-20")
    world.upload(case["id"], b"act", date="2026-01-12")
    closed = world["archivist"].post(f"/api/v1/cases/{case['id']}/close", json={"closed_on": "2026-02-01"})
    assert closed.status_code == 200
    assert closed.get_json()["number"] == "04-05/2025/001"
    assert closed.get_json()["retention_until"] == "2102-01-01"


@pytest.mark.skipif(
    not os.environ.get("CASEFILES_TEST_DATABASE_URL"), reason="runs in the PostgreSQL pass of scripts/test.sh"
)
def test_concurrent_openings_get_gapless_unique_numbers(app: Flask, world: World) -> None:
    numbers: list[str] = []
    errors: list[int] = []
    barrier = threading.Barrier(8)

    def open_cases() -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {world['spec1'].token}"}
        body = {"nomenclature_index": "04-05", "year": 2026, "title": "Дело", "district": "u1"}
        barrier.wait()
        for _ in range(5):
            response = client.post("/api/v1/cases", json=body, headers=headers)
            if response.status_code == 201:
                numbers.append(response.get_json()["number"])
            else:
                errors.append(response.status_code)

    threads = [threading.Thread(target=open_cases) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [f"04-05/2026/{n:03d}" for n in range(1, 41)]


def test_archivist_pages_close_hold_reopen(client: FlaskClient, world: World) -> None:
    from tests.webapp.test_pages import _csrf

    case = world.open_case(opened_on="2026-02-01")
    login(client, "spec1")
    assert "Действия архивариуса" not in client.get(f"/cases/{case['id']}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": _csrf(client.get("/").get_data(as_text=True))})
    login(client, "archivist")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    token = _csrf(page)
    url = f"/cases/{case['id']}/lifecycle"
    early = client.post(
        url, data={"csrf_token": token, "action": "close", "closed_on": "2026-01-01"}, follow_redirects=True
    )
    assert "Дата закрытия раньше даты открытия" in early.get_data(as_text=True)
    closed = client.post(
        url, data={"csrf_token": token, "action": "close", "closed_on": "2026-03-01"}, follow_redirects=True
    )
    assert "Дело закрыто" in closed.get_data(as_text=True)
    held = client.post(
        url, data={"csrf_token": token, "action": "hold", "reason": "запрос прокуратуры"}, follow_redirects=True
    )
    assert "Уничтожение и удаление запрещены" in held.get_data(as_text=True)
    reopened = client.post(
        url, data={"csrf_token": token, "action": "reopen", "reason": "новые сведения"}, follow_redirects=True
    )
    assert "Дело открыто повторно" in reopened.get_data(as_text=True)
    body = world["head"].get(f"/api/v1/cases/{case['id']}").get_json()
    assert (body["status"], body["legal_hold"]) == ("open", True)
