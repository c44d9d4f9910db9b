"""Tasks: giving one (working days on the production calendar, or a working day given), the validation errors, who
sees and closes them, the list's filters, the notifications (assigned, closed, due, overdue, escalated to the head,
each told once) and the pages (the case page's panel, the dashboard's «Мои задачи», the deadlines page)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, ApiClient, World
from tests.webapp.test_pages import _csrf, forget_request_state, login
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.auth.services import create_api_token, create_user
from webapp.extensions import db
from webapp.notifications.models import DailyMark, Notification
from webapp.tasks import services
from webapp.tasks.models import Task
from webapp.tasks.notices import scan_tasks
from webapp.tasks.schemas import TaskInput

WEDNESDAY = dt.date(2026, 6, 10)  # Friday 12 June is Russia Day, a public holiday


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """The institution's date the API counts from."""
    monkeypatch.setattr("webapp.tasks.api.local_today", lambda: WEDNESDAY)
    return WEDNESDAY


@pytest.fixture
def colleague(world: World) -> ApiClient:
    """A second specialist of district u1, who sees spec1's cases."""
    user = create_user("spec3", role="specialist", password=PASSWORD, full_name="Тест spec3", district_codes=("u1",))
    token = create_api_token(user)
    db.session.commit()
    world.clients["spec3"] = ApiClient(world["spec1"].client, token)
    return world.clients["spec3"]


def _user(username: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == username))


def _give(world: World, case_id: int, by: str = "spec1", **fields: Any) -> Any:
    body = {"case_id": case_id, "title": "Подготовить выписку", "assignee": "spec3", "working_days": 2, **fields}
    return world[by].post("/api/v1/tasks", json=body)


def _patch(world: World, username: str, task_id: int, body: dict[str, Any]) -> Any:
    client = world[username]
    return client.client.patch(f"/api/v1/tasks/{task_id}", headers=client._headers(), json=body)


def _notifications(username: str, kind: str | None = None) -> list[Notification]:
    query = db.select(Notification).where(Notification.user_id == _user(username).id).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


# --- giving ---------------------------------------------------------------------------------------------


def test_due_in_working_days_skips_the_weekend_and_the_holiday(
    world: World, colleague: ApiClient, today: dt.date
) -> None:
    case = world.open_case()
    response = _give(world, case["id"], note="До заседания")
    assert response.status_code == 201, response.get_json()
    task = response.get_json()
    # Thursday 11 June is the first working day, Friday 12 June (a holiday) and the weekend are not: Monday 15.
    assert task["due_on"] == "2026-06-15"
    assert task["working_days"] == 2
    assert task["status"] == "open" and task["status_label"] == "В работе"
    assert task["assignee"]["username"] == "spec3" and task["given_by"]["username"] == "spec1"
    assert task["case_number"] == case["number"] and task["is_overdue"] is False
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "task.give"))
    assert event.object_id == task["id"]
    assert "Подготовить" not in str(event.details) and "заседания" not in str(event.details)  # ids only


def test_a_due_date_given_must_be_a_working_day_not_in_the_past(
    world: World, colleague: ApiClient, today: dt.date
) -> None:
    case = world.open_case()
    holiday = _give(world, case["id"], working_days=None, due_on="2026-06-12")
    assert holiday.status_code == 400
    assert holiday.get_json()["error"]["message"] == (
        "due_on: 12.06.2026 — нерабочий день (выходной или праздник); ближайший рабочий день — 15.06.2026"
    )
    past = _give(world, case["id"], working_days=None, due_on="2026-06-09")
    assert past.status_code == 400
    assert "срок 09.06.2026 уже прошёл" in past.get_json()["error"]["message"]
    given = _give(world, case["id"], working_days=None, due_on="2026-06-16")
    assert given.status_code == 201
    assert given.get_json()["due_on"] == "2026-06-16"
    assert given.get_json()["working_days"] == 3  # 11, 15, 16 June
    assert db.session.scalar(db.select(db.func.count()).select_from(Task)) == 1  # nothing of the refused ones


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "title: пустое значение"),
        ({"title": "x" * 201}, "title: слишком длинное значение"),
        ({"working_days": None}, "body: укажите срок: либо working_days — число рабочих дней, либо due_on — дату"),
        ({"due_on": "2026-06-16"}, "body: укажите срок: либо working_days — число рабочих дней, либо due_on — дату"),
        ({"working_days": 0}, "working_days: слишком маленькое значение"),
        ({"working_days": "2"}, "working_days: ожидалось целое число"),
        ({"due_on": "16.06.2026", "working_days": None}, "due_on: ожидалась дата ГГГГ-ММ-ДД"),
        ({"assignee": "nobody"}, "assignee: пользователь не найден"),
        ({"assignee": "spec1"}, "assignee: задачу поручают коллеге, не себе"),
        ({"colour": "red"}, "colour: неизвестное поле"),
    ],
)
def test_bad_input_is_400_in_russian(
    world: World, colleague: ApiClient, today: dt.date, fields: dict[str, Any], message: str
) -> None:
    case = world.open_case()
    response = _give(world, case["id"], **fields)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["message"] == message
    assert db.session.scalar(db.select(db.func.count()).select_from(Task)) == 0


def test_the_assignee_must_see_the_case_and_the_giver_too(world: World, today: dt.date) -> None:
    case = world.open_case()  # district u1: spec2 works u2
    refused = _give(world, case["id"], assignee="spec2")
    assert refused.status_code == 400
    message = f"assignee: у пользователя spec2 нет доступа к делу {case['number']}"
    assert refused.get_json()["error"]["message"] == message
    assert _give(world, case["id"], by="spec2", assignee="spec1").status_code == 404  # a case one may not see
    assert _give(world, 999999, assignee="head").status_code == 404


def test_the_document_must_be_the_cases_own_and_the_case_open(
    world: World, colleague: ApiClient, today: dt.date
) -> None:
    case, other = world.open_case(), world.open_case()
    document = world.upload(other["id"])
    wrong = _give(world, case["id"], document_id=document["id"])
    assert wrong.status_code == 400
    assert wrong.get_json()["error"]["message"] == "document_id: в этом деле нет такого документа"
    right = _give(world, other["id"], document_id=document["id"])
    assert right.status_code == 201 and right.get_json()["document_id"] == document["id"]
    db.session.get(Task, right.get_json()["id"]).case.status = "closed"
    db.session.commit()
    closed = _give(world, other["id"])
    assert closed.status_code == 409
    assert closed.get_json()["error"]["code"] == "case_not_open"


# --- closing and changing -------------------------------------------------------------------------------


def test_the_assignee_marks_it_done_and_the_giver_is_told(world: World, colleague: ApiClient, today: dt.date) -> None:
    case = world.open_case()
    task = _give(world, case["id"]).get_json()
    assert _patch(world, "spec1", task["id"], {"status": "done"}).status_code == 403  # only the assignee
    assert _patch(world, "head", task["id"], {"status": "done"}).status_code == 403  # sees it, no party to it
    done = _patch(world, "spec3", task["id"], {"status": "done"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "done" and done.get_json()["closed_by"] == "spec3"
    told = _notifications("spec1", "task_closed")
    assert [(n.task_id, n.params) for n in told] == [(task["id"], {"status": "Выполнена"})]
    assert _notifications("spec3", "task_closed") == []  # not of one's own act
    again = _patch(world, "spec3", task["id"], {"status": "declined", "reason": "передумал"})
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == "Задача уже закрыта: выполнена"


def test_declining_needs_a_reason(world: World, colleague: ApiClient, today: dt.date) -> None:
    task = _give(world, world.open_case()["id"]).get_json()
    no_reason = _patch(world, "spec3", task["id"], {"status": "declined"})
    assert no_reason.status_code == 400
    assert no_reason.get_json()["error"]["message"] == "body: reason: укажите причину отказа"
    declined = _patch(world, "spec3", task["id"], {"status": "declined", "reason": "Семья переехала"})
    assert declined.get_json()["status_label"] == "Отклонена"
    assert declined.get_json()["decline_reason"] == "Семья переехала"
    assert _notifications("spec1", "task_closed")[0].params == {"status": "Отклонена"}


def test_the_giver_cancels_and_the_assignee_is_told(world: World, colleague: ApiClient, today: dt.date) -> None:
    task = _give(world, world.open_case()["id"]).get_json()
    cancelled = _patch(world, "spec1", task["id"], {"status": "declined", "reason": "Уже не нужно"})
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status_label"] == "Отменена поручившим"
    assert cancelled.get_json()["closed_by"] == "spec1"
    assert [n.params for n in _notifications("spec3", "task_closed")] == [{"status": "Отменена поручившим"}]
    assert _notifications("spec1", "task_closed") == []


def test_the_giver_moves_the_date_and_gives_it_to_another(world: World, colleague: ApiClient, today: dt.date) -> None:
    task = _give(world, world.open_case()["id"]).get_json()
    assert _patch(world, "spec3", task["id"], {"due_on": "2026-06-17"}).status_code == 403
    weekend = _patch(world, "spec1", task["id"], {"due_on": "2026-06-13"})
    assert weekend.status_code == 400 and "нерабочий день" in weekend.get_json()["error"]["message"]
    moved = _patch(world, "spec1", task["id"], {"due_on": "2026-06-17", "assignee": "head"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["due_on"] == "2026-06-17" and moved.get_json()["assignee"]["username"] == "head"
    assert [n.params for n in _notifications("head", "task_assigned")] == [{"due": "17.06.2026"}]
    both = _patch(world, "spec1", task["id"], {"status": "done", "due_on": "2026-06-18"})
    assert both.status_code == 400


def test_tasks_of_a_case_one_may_not_see_are_not_found(world: World, colleague: ApiClient, today: dt.date) -> None:
    task = _give(world, world.open_case()["id"]).get_json()
    assert world["spec2"].get(f"/api/v1/tasks/{task['id']}").status_code == 404
    assert _patch(world, "spec2", task["id"], {"status": "done"}).status_code == 404
    assert world["head"].get(f"/api/v1/tasks/{task['id']}").status_code == 200
    assert _patch(world, "spec3", 999999, {"status": "done"}).status_code == 404


# --- the list -------------------------------------------------------------------------------------------


def test_the_list_is_mine_by_default_given_or_a_cases(world: World, colleague: ApiClient, today: dt.date) -> None:
    case, other = world.open_case(), world.open_case()
    first = _give(world, case["id"], working_days=5).get_json()
    second = _give(world, other["id"], working_days=1).get_json()
    third = _give(world, case["id"], by="spec3", assignee="spec1").get_json()
    _patch(world, "spec3", second["id"], {"status": "done"})
    mine = world["spec3"].get("/api/v1/tasks").get_json()
    assert [item["id"] for item in mine["items"]] == [first["id"], second["id"]]  # open first
    assert mine["total"] == 2
    given = world["spec3"].get("/api/v1/tasks?scope=given").get_json()
    assert [item["id"] for item in given["items"]] == [third["id"]]
    of_case = world["head"].get(f"/api/v1/tasks?scope=case&case_id={case['id']}").get_json()
    assert sorted(item["id"] for item in of_case["items"]) == sorted([first["id"], third["id"]])
    done = world["spec3"].get("/api/v1/tasks?status=done").get_json()
    assert [item["id"] for item in done["items"]] == [second["id"]]
    narrowed = world["spec3"].get(f"/api/v1/tasks?case_id={other['id']}").get_json()
    assert [item["id"] for item in narrowed["items"]] == [second["id"]]
    paged = world["spec3"].get("/api/v1/tasks?per_page=1&page=2").get_json()
    assert [item["id"] for item in paged["items"]] == [second["id"]] and paged["total"] == 2
    assert world["spec2"].get(f"/api/v1/tasks?scope=case&case_id={case['id']}").status_code == 404
    for query, message in (
        ("scope=all", "scope: допустимо assigned, given, case"),
        ("status=closed", "status: допустимо open, done, declined"),
        ("scope=case", "case_id: укажите дело, чьи задачи показать"),
        ("case_id=x", "case_id: ожидалось целое число"),
    ):
        response = world["spec3"].get(f"/api/v1/tasks?{query}")
        assert response.status_code == 400 and response.get_json()["error"]["message"] == message


# --- notifications --------------------------------------------------------------------------------------


def test_the_assignee_is_told_without_the_title(world: World, colleague: ApiClient, today: dt.date) -> None:
    case = world.open_case()
    task = _give(world, case["id"]).get_json()
    [told] = _notifications("spec3")
    assert (told.kind, told.task_id, told.case_id, told.actor_id) == (
        "task_assigned",
        task["id"],
        case["id"],
        _user("spec1").id,
    )
    assert told.params == {"due": "15.06.2026"}
    assert _notifications("spec1") == []


def test_the_daily_scan_tells_due_overdue_and_escalates_once(world: World, colleague: ApiClient, app: Flask) -> None:
    case = world.open_case()
    spec1 = _user("spec1")
    give_task = functools.partial(services.give_task, spec1, today=WEDNESDAY)
    # Due Tuesday 16 June (3 working days from Wednesday 10: 11, 15, 16), and one due Thursday 25 June.
    soon = give_task(TaskInput(case_id=case["id"], title="a", assignee="spec3", working_days=3))
    later = give_task(TaskInput(case_id=case["id"], title="b", assignee="spec3", working_days=10))
    db.session.commit()
    settings = app.config["CASEFILES"]
    assert (settings.notify_due_days, settings.escalate_after_days) == (2, 3)

    assert scan_tasks(dt.date(2026, 6, 10)) == 0  # 16 June is 3 working days away
    assert scan_tasks(dt.date(2026, 6, 11)) == 1  # 2 working days away (12 June a holiday)
    db.session.commit()
    assert [(n.kind, n.task_id, n.params) for n in _notifications("spec3", "task_due")] == [
        ("task_due", soon.id, {"due": "16.06.2026"})
    ]
    assert scan_tasks(dt.date(2026, 6, 11)) == 0  # the day is scanned once
    assert scan_tasks(dt.date(2026, 6, 16)) == 0  # due today: already told
    assert scan_tasks(dt.date(2026, 6, 17)) == 1  # overdue by 1 working day: the assignee
    db.session.commit()
    assert [n.task_id for n in _notifications("spec3", "task_overdue")] == [soon.id]
    assert _notifications("head") == []
    assert scan_tasks(dt.date(2026, 6, 19)) == 0  # 3 working days: not more than CASEFILES_ESCALATE_AFTER_DAYS
    assert scan_tasks(dt.date(2026, 6, 22)) == 1  # 4: the head too, the assignee not again
    db.session.commit()
    head_told = _notifications("head", "task_overdue")
    assert [(n.task_id, n.params) for n in head_told] == [(soon.id, {"due": "16.06.2026"})]
    assert len(_notifications("spec3", "task_overdue")) == 1
    assert later.due_on == dt.date(2026, 6, 25)
    assert scan_tasks(dt.date(2026, 6, 23)) == 1  # 2 working days before `later` is due (22 June: 3)
    db.session.commit()
    assert [n.task_id for n in _notifications("spec3", "task_due")] == [soon.id, later.id]
    assert scan_tasks(dt.date(2026, 6, 24)) == 0  # nothing new: each told once
    marks = db.session.scalars(db.select(DailyMark.day).where(DailyMark.name == "task-scan")).all()
    assert len(marks) == 8


def test_closed_tasks_and_tasks_of_closed_cases_are_not_announced(
    world: World, colleague: ApiClient, today: dt.date
) -> None:
    task = _give(world, world.open_case()["id"]).get_json()
    _patch(world, "spec3", task["id"], {"status": "done"})
    other = _give(world, world.open_case()["id"]).get_json()
    db.session.get(Task, other["id"]).case.status = "closed"
    db.session.commit()
    assert scan_tasks(dt.date(2026, 6, 30)) == 0
    db.session.get(Task, other["id"]).case.status = "open"
    db.session.commit()
    assert scan_tasks(dt.date(2026, 7, 1)) == 2  # open again, overdue by 12 working days: the assignee, the head


# --- pages ----------------------------------------------------------------------------------------------


def _post_form(client: FlaskClient, page_url: str, url: str, form: dict[str, str]) -> Any:
    page = client.get(page_url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": _csrf(page), **form}, follow_redirects=True)


def test_the_case_page_gives_a_task_and_shows_it(
    client: FlaskClient, world: World, colleague: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("webapp.tasks.views.local_today", lambda: WEDNESDAY)
    case = world.open_case()
    login(client, "spec1")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Поручить задачу" in page and "Задач по делу нет." in page
    assert '<option value="spec3">' in page and '<option value="head">' in page
    assert '<option value="spec2">' not in page  # does not see the case
    url = f"/cases/{case['id']}/tasks"
    refused = _post_form(
        client, f"/cases/{case['id']}", url, {"title": "Выписка", "assignee": "spec3", "due_on": "2026-06-13"}
    )
    assert "13.06.2026 — нерабочий день" in refused.get_data(as_text=True)
    given = _post_form(
        client,
        f"/cases/{case['id']}",
        url,
        {"title": "Повторный выход в семью", "assignee": "spec3", "working_days": "2", "note": "с психологом"},
    )
    text = given.get_data(as_text=True)
    assert "Задача поручена, срок — 15.06.2026" in text
    assert "Повторный выход в семью" in text and "с психологом" in text
    task = db.session.scalar(db.select(Task))
    assert (task.title, task.assignee.username, task.due_on) == (
        "Повторный выход в семью",
        "spec3",
        dt.date(2026, 6, 15),
    )


def test_the_assignee_sees_my_tasks_overdue_first_and_closes_one(
    client: FlaskClient, world: World, colleague: ApiClient
) -> None:
    case = world.open_case()
    spec1 = _user("spec1")
    today = dt.date.today()
    give = functools.partial(services.give_task, spec1, today=today)
    later = give(TaskInput(case_id=case["id"], title="Подготовить выписку", assignee="spec3", working_days=5))
    missed = give(TaskInput(case_id=case["id"], title="Повторный выход", assignee="spec3", working_days=1))
    missed.due_on = today - dt.timedelta(days=30)
    db.session.commit()
    forget_request_state()
    login(client, "spec3")
    board = client.get("/").get_data(as_text=True)
    section = board[board.index('id="my-tasks"') :]
    assert section.index("Повторный выход") < section.index("Подготовить выписку")  # the overdue first
    assert 'class="status deadline-overdue">Просрочена' in section
    deadlines = client.get("/deadlines").get_data(as_text=True)
    assert "Поручены мне: 2" in deadlines and '<tr class="deadline-overdue">' in deadlines
    done = _post_form(client, "/", f"/tasks/{later.id}/close", {"status": "done", "back": "dashboard"})
    assert "Задача: выполнена" in done.get_data(as_text=True)
    assert db.session.get(Task, later.id).status == "done"
    refused = _post_form(client, "/", f"/tasks/{missed.id}/close", {"status": "declined", "back": "deadlines"})
    assert "reason: укажите причину отказа" in refused.get_data(as_text=True)
    assert db.session.get(Task, missed.id).status == "open"


def test_pages_refuse_tasks_of_cases_one_may_not_see(client: FlaskClient, world: World, colleague: ApiClient) -> None:
    case = world.open_case()
    task = services.give_task(
        _user("spec1"), TaskInput(case_id=case["id"], title="x", assignee="spec3", working_days=1), today=WEDNESDAY
    )
    db.session.commit()
    login(client, "spec2")
    page = client.get("/").get_data(as_text=True)
    token = _csrf(page)
    assert client.post(f"/tasks/{task.id}/close", data={"csrf_token": token, "status": "done"}).status_code == 404
    given = client.post(
        f"/cases/{case['id']}/tasks", data={"csrf_token": token, "title": "y", "assignee": "spec1", "working_days": "1"}
    )
    assert given.status_code == 404
    assert "my-tasks" not in page
