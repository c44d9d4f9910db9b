"""The inbox: the notifications API (filters, pages, read, read-all, someone else's 404), each user's channel per
kind, the bell on every page (one count a page, none for anonymous pages), the inbox and settings pages; users'
e-mail addresses (CLI, users API, pages; never shown to other users); the server's time zone as the default."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.conftest import World
from tests.webapp.test_pages import _csrf, forget_request_state, login
from webapp.audit.models import AuditEvent
from webapp.auth.models import Deputy, User
from webapp.cases.models import Case
from webapp.cli import main
from webapp.config import load_settings, server_zone
from webapp.extensions import db
from webapp.notifications.models import Notification, NotificationSetting
from webapp.notifications.services import notify


def _user(username: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == username)).one()


def _notify(kind: str, username: str, case_id: int | None = None, **extra: Any) -> list[Notification]:
    case = db.session.get(Case, case_id) if case_id is not None else None
    made = notify(kind, [_user(username)], case=case, **extra)
    db.session.commit()
    return made


def _items(world: World, username: str, query: str = "") -> dict[str, Any]:
    response = world[username].get(f"/api/v1/notifications{query}")
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


# --- the API ---------------------------------------------------------------------------------------------


def test_list_filters_pages_and_describes_each_notification(world: World) -> None:
    case = world.open_case()
    document = world.upload(case["id"])
    _notify("document_submitted", "head", case["id"], document_id=document["id"], actor_id=_user("spec1").id)
    _notify("case_assigned", "head", case["id"])
    _notify("integrity_failed", "head", params={"count": 2})
    _notify("case_assigned", "spec1", case["id"])  # someone else's: never in the head's list

    everything = _items(world, "head")
    assert everything["total"] == 3 and everything["unread"] == 3
    newest, middle, oldest = everything["items"]
    assert newest["kind"] == "integrity_failed"
    assert newest["text"] == "Проверка хранилища: файлов с нарушенной целостностью — 2"
    assert newest["link"] == "/admin/fixity"
    assert middle["link"] == f"/cases/{case['id']}"
    assert oldest == {
        "id": oldest["id"],
        "kind": "document_submitted",
        "label": "Документ передан на утверждение",
        "text": f"Документ по делу № {case['number']} передан на утверждение",
        "created_at": oldest["created_at"],
        "read": False,
        "read_at": None,
        "link": f"/cases/{case['id']}#document-{document['id']}",
        "case_id": case["id"],
        "document_id": document["id"],
        "task_id": None,
        "hearing_id": None,
        "on_behalf_of": None,
    }
    assert dt.datetime.fromisoformat(oldest["created_at"]).utcoffset() == dt.timedelta(0)  # UTC in the API

    assert [item["kind"] for item in _items(world, "head", "?kind=case_assigned")["items"]] == ["case_assigned"]
    first_page = _items(world, "head", "?per_page=2")
    second_page = _items(world, "head", "?per_page=2&page=2")
    assert first_page["total"] == second_page["total"] == 3
    assert [item["id"] for item in first_page["items"] + second_page["items"]] == [
        newest["id"],
        middle["id"],
        oldest["id"],
    ]


def test_read_one_and_read_all(world: World) -> None:
    case = world.open_case()
    first, second = (_notify("case_assigned", "head", case["id"])[0] for _ in range(2))
    mine = _notify("case_assigned", "spec1", case["id"])[0]

    read = world["head"].post(f"/api/v1/notifications/{first.id}/read")
    assert read.status_code == 200 and read.get_json()["read"] is True
    assert [item["id"] for item in _items(world, "head", "?unread=1")["items"]] == [second.id]
    assert _items(world, "head", "?unread=0")["total"] == 2
    assert world["head"].post(f"/api/v1/notifications/{first.id}/read").status_code == 200  # again: still read

    # Someone else's notification is as missing as one that does not exist, and stays unread.
    for missing in (mine.id, 999999):
        refused = world["head"].post(f"/api/v1/notifications/{missing}/read")
        assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "notification_not_found"
    assert _items(world, "spec1")["unread"] == 1

    done = world["head"].post("/api/v1/notifications/read-all")
    assert done.status_code == 200 and done.get_json() == {"marked": 1, "unread": 0}
    assert _items(world, "head")["unread"] == 0
    assert _items(world, "spec1")["unread"] == 1  # only one's own


def test_bad_filters_are_400(world: World) -> None:
    for query in ("?unread=maybe", "?kind=nonsense", "?page=0", "?per_page=1000"):
        response = world["head"].get(f"/api/v1/notifications{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"]["message"]


def test_a_deputys_notification_says_for_whom(world: World) -> None:
    today = dt.date.today()
    db.session.add(
        Deputy(
            principal_id=_user("head").id,
            deputy_id=_user("admin").id,
            starts_on=today - dt.timedelta(days=1),
            ends_on=today + dt.timedelta(days=1),
            created_by_id=_user("head").id,
        )
    )
    db.session.commit()
    _notify("integrity_failed", "head", params={"count": 1})
    item = _items(world, "admin")["items"][0]
    assert item["on_behalf_of"] == {"username": "head", "full_name": "Тест head"}
    assert _items(world, "head")["items"][0]["on_behalf_of"] is None


def test_settings_defaults_per_role_changes_and_refusals(world: World) -> None:
    def channels(username: str) -> dict[str, str]:
        body = world[username].get("/api/v1/notifications/settings").get_json()
        return {item["kind"]: item["channel"] for item in body["items"]}

    assert channels("head")["document_submitted"] == "email"  # kinds.py: heads get it by e-mail
    assert channels("spec1")["document_submitted"] == "app"
    assert channels("spec1")["document_returned"] == "email"

    saved = world["spec1"].put("/api/v1/notifications/settings", json={"case_assigned": "off", "task_closed": "email"})
    assert saved.status_code == 200
    chosen = {item["kind"]: item for item in saved.get_json()["items"]}
    assert chosen["case_assigned"]["channel"] == "off" and chosen["case_assigned"]["default"] == "email"
    assert chosen["task_closed"]["channel"] == "email"
    assert channels("head")["case_assigned"] == "email"  # one's own choice only

    # All or nothing: one bad entry changes none.
    for body in ({"task_closed": "app", "nonsense": "off"}, {"task_closed": "sms"}, {"task_closed": 1}, ["x"]):
        refused = world["spec1"].put("/api/v1/notifications/settings", json=body)
        assert refused.status_code == 400, body
    assert channels("spec1")["task_closed"] == "email"

    # Back to the default: no row is kept, so the role's default applies (and follows a new role).
    world["spec1"].put("/api/v1/notifications/settings", json={"task_closed": "app"})
    spec1 = _user("spec1")
    rows = db.session.scalars(db.select(NotificationSetting.kind).where(NotificationSetting.user_id == spec1.id))
    assert set(rows) == {"case_assigned"}

    # A kind turned off is not delivered.
    case = world.open_case()
    assert _notify("case_assigned", "spec1", case["id"]) == []
    assert len(_notify("case_assigned", "head", case["id"])) == 1


# --- pages: the bell, the inbox, the settings ------------------------------------------------------------


@pytest.fixture
def count_queries(app: Flask) -> Iterator[list[str]]:
    """The SQL statements on the notifications table run meanwhile."""
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "notifications" in statement and "notification_settings" not in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    yield seen
    event.remove(db.engine, "before_cursor_execute", before)


def _page(client: FlaskClient, url: str) -> str:
    forget_request_state()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_bell_counts_unread_once_a_page(world: World, client: FlaskClient, count_queries: list[str]) -> None:
    case = world.open_case()
    for _ in range(2):
        _notify("case_assigned", "head", case["id"])
    count_queries.clear()
    login_page = _page(client, "/login")
    assert 'class="bell' not in login_page and count_queries == []  # anonymous: no bell, no count

    login(client, "head")
    for url in ("/", "/search", "/hearings", f"/cases/{case['id']}", "/account/tokens"):
        count_queries.clear()
        page = _page(client, url)
        assert 'data-unread="2"' in page, url
        assert "Уведомления: непрочитанных 2" in page
        assert len([sql for sql in count_queries if "count(" in sql.lower()]) == 1, (url, count_queries)

    world["head"].post("/api/v1/notifications/read-all")
    page = _page(client, "/")
    assert 'data-unread="0"' in page and 'class="bell has-unread"' not in page


def test_inbox_page_filters_marks_read_and_opens_the_object(world: World, client: FlaskClient) -> None:
    case = world.open_case()
    document = world.upload(case["id"])
    submitted = _notify("document_submitted", "head", case["id"], document_id=document["id"])[0]
    assigned = _notify("case_assigned", "head", case["id"])[0]
    submitted.created_at = dt.datetime(2026, 12, 31, 21, 30, tzinfo=dt.UTC)  # 1 January 00:30 in Moscow
    db.session.commit()
    login(client, "head")

    page = _page(client, "/notifications")
    assert f"Документ по делу № {case['number']} передан на утверждение" in page
    assert "01.01.2027 00:30" in page  # the institution's time (the tests' zone: Europe/Moscow)
    assert f'href="/notifications/{submitted.id}"' in page
    only_assigned = _page(client, "/notifications?kind=case_assigned")
    assert f"notification-{assigned.id}" in only_assigned and f"notification-{submitted.id}" not in only_assigned
    assert client.get("/notifications?kind=nonsense").status_code == 400

    forget_request_state()
    opened = client.get(f"/notifications/{submitted.id}")
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/cases/{case['id']}#document-{document['id']}"
    assert _page(client, opened.headers["Location"].partition("#")[0])  # the object's page opens
    assert f"notification-{submitted.id}" not in _page(client, "/notifications")  # read: not among the unread
    assert f"notification-{submitted.id}" in _page(client, "/notifications?state=all")

    token = _csrf(_page(client, "/notifications"))
    marked = client.post(f"/notifications/{assigned.id}/read", data={"csrf_token": token, "state": "unread"})
    assert marked.status_code == 302
    assert db.session.get(Notification, assigned.id).read_at is not None  # type: ignore[union-attr]

    theirs = _notify("case_assigned", "spec1", case["id"])[0]
    forget_request_state()
    assert client.get(f"/notifications/{theirs.id}").status_code == 404
    _notify("case_assigned", "head", case["id"])
    token = _csrf(_page(client, "/notifications"))
    assert client.post("/notifications/read-all", data={"csrf_token": token}).status_code == 302
    assert "Непрочитанных уведомлений нет" in _page(client, "/notifications")
    assert db.session.get(Notification, theirs.id).read_at is None  # type: ignore[union-attr]


def test_settings_page_saves_channels_and_the_address(world: World, client: FlaskClient) -> None:
    login(client, "spec1")
    page = _page(client, "/account/notifications")
    assert "Сразу по почте и в приложении" in page and "Не уведомлять" in page
    assert "Адрес не указан" in page
    token = _csrf(page)
    client.post("/account/notifications", data={"csrf_token": token, "action": "email", "email": "nope"})
    assert "Адрес электронной почты: ожидался адрес" in _page(client, "/account/notifications")
    assert _user("spec1").email is None
    client.post("/account/notifications", data={"csrf_token": token, "action": "email", "email": "spec1@example.ru"})
    page = _page(client, "/account/notifications")
    assert 'value="spec1@example.ru"' in page and "Адрес не указан" not in page

    form = {"csrf_token": token, "action": "channels", "case_assigned": "off", "deadline_due": "app"}
    assert client.post("/account/notifications", data=form).status_code == 302
    body = world["spec1"].get("/api/v1/notifications/settings").get_json()
    chosen = {item["kind"]: item["channel"] for item in body["items"]}
    assert chosen["case_assigned"] == "off" and chosen["deadline_due"] == "app" and chosen["task_assigned"] == "email"
    assert body["email"] == "spec1@example.ru"
    forget_request_state()
    refused = client.post("/account/notifications", data={**form, "case_assigned": "sms"})
    assert refused.status_code == 302, refused.get_data(as_text=True)
    assert "case_assigned: ожидалось одно из: email, app, off" in _page(client, "/account/notifications")


# --- addresses -------------------------------------------------------------------------------------------


def test_cli_sets_and_checks_addresses(app: Flask) -> None:
    runner = app.test_cli_runner()

    def run(*args: str, input: str | None = None) -> Any:
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    bad = run("user", "add", "petrova", "--role", "specialist", "--email", "petrova at mail", input="s3cret-pass\n")
    assert bad.exit_code == 1 and "ожидался адрес вида" in bad.output
    assert db.session.scalar(db.select(User).where(User.username == "petrova")) is None
    added = run("user", "add", "petrova", "--role", "specialist", "--email", "Petrova@Mail.RU", input="s3cret-pass\n")
    assert added.exit_code == 0, added.output
    assert "Petrova@mail.ru" not in added.output  # never echoed
    assert _user("petrova").email == "Petrova@mail.ru"

    assert run("user", "set-email", "petrova", "a@b").exit_code == 1
    assert _user("petrova").email == "Petrova@mail.ru"
    changed = run("user", "set-email", "petrova", "p@example.ru")
    assert changed.exit_code == 0 and "p@example.ru" not in changed.output
    db.session.expire_all()
    assert _user("petrova").email == "p@example.ru"
    assert run("user", "set-email", "petrova", "").exit_code == 0
    db.session.expire_all()
    assert _user("petrova").email is None
    assert run("user", "set-email", "nobody", "x@example.ru").exit_code == 1


def test_users_api_sets_addresses_for_oneself_and_admins_only(world: World) -> None:
    own = world["spec1"].put("/api/v1/users/spec1/email", json={"email": "  spec1@Example.RU "})
    assert own.status_code == 200 and own.get_json() == {"username": "spec1", "email": "spec1@example.ru"}
    by_admin = world["admin"].put("/api/v1/users/spec2/email", json={"email": "spec2@example.ru"})
    assert by_admin.status_code == 200

    # Another's address: neither changed nor confirmed to exist by a colleague.
    refused = world["spec1"].put("/api/v1/users/spec2/email", json={"email": "mine@example.ru"})
    assert refused.status_code == 404
    assert world["spec1"].put("/api/v1/users/ghost/email", json={"email": "mine@example.ru"}).status_code == 404
    for body in ({"email": "not-an-address"}, {"email": "a@b.ru\nBcc: x@y.ru"}, {"email": 5}, {"mail": "x@y.ru"}):
        bad = world["spec1"].put("/api/v1/users/spec1/email", json=body)
        assert bad.status_code == 400, body
    db.session.expire_all()
    assert _user("spec2").email == "spec2@example.ru" and _user("spec1").email == "spec1@example.ru"

    listed = world["admin"].get("/api/v1/users").get_json()["items"]
    assert {item["username"]: item["email"] for item in listed}["spec2"] == "spec2@example.ru"
    assert world["spec1"].get("/api/v1/users").status_code == 403

    # The audit log says an address changed, never which.
    details = db.session.scalars(db.select(AuditEvent.details).where(AuditEvent.action == "user.email")).all()
    assert len(details) == 2 and all("example.ru" not in str(detail) for detail in details)

    cleared = world["spec1"].put("/api/v1/users/spec1/email", json={"email": None})
    assert cleared.status_code == 200 and cleared.get_json()["email"] is None


def test_addresses_are_shown_to_their_user_and_admins_only(world: World, client: FlaskClient) -> None:
    world["admin"].put("/api/v1/users/spec1/email", json={"email": "spec1-secret@example.ru"})
    spec1 = _user("spec1")
    login(client, "admin")
    assert "spec1-secret@example.ru" in _page(client, "/admin/users")
    user_page = _page(client, f"/admin/users/{spec1.id}")
    assert 'value="spec1-secret@example.ru"' in user_page
    token = _csrf(user_page)
    forget_request_state()
    bad = client.post(f"/admin/users/{spec1.id}/email", data={"csrf_token": token, "email": "x@"})
    assert bad.status_code == 302
    assert "ожидался адрес вида" in _page(client, f"/admin/users/{spec1.id}")
    forget_request_state()
    client.post(f"/admin/users/{spec1.id}/email", data={"csrf_token": token, "email": "spec1-new@example.ru"})
    db.session.expire_all()
    assert _user("spec1").email == "spec1-new@example.ru"

    head = client.application.test_client()
    forget_request_state()
    login(head, "head")
    for url in ("/", "/notifications", "/account/notifications", "/hearings"):
        assert "spec1-new@example.ru" not in _page(head, url)
    forget_request_state()
    assert head.get("/admin/users").status_code == 403
    forget_request_state()
    assert head.post(f"/admin/users/{spec1.id}/email", data={"email": "x@example.ru"}).status_code in (400, 403)


# --- the institution's time zone -------------------------------------------------------------------------


def test_the_default_zone_is_the_servers(tmp_path: Path) -> None:
    none, timezone_file, link = tmp_path / "none", tmp_path / "timezone", tmp_path / "localtime"
    assert server_zone({"TZ": ":Asia/Yekaterinburg"}, none, none) == "Asia/Yekaterinburg"
    assert server_zone({"TZ": "Asia/Omsk"}, none, none) == "Asia/Omsk"
    timezone_file.write_text("Asia/Novosibirsk\n")
    assert server_zone({"TZ": "MSK-3"}, timezone_file, none) == "Asia/Novosibirsk"  # a POSIX rule names no zone
    (tmp_path / "zoneinfo" / "Asia").mkdir(parents=True)
    (tmp_path / "zoneinfo" / "Asia" / "Yekaterinburg").write_bytes(b"TZif")
    link.symlink_to(tmp_path / "zoneinfo" / "Asia" / "Yekaterinburg")
    assert server_zone({}, none, link) == "Asia/Yekaterinburg"
    timezone_file.write_text("../../etc/passwd\n")
    assert server_zone({}, timezone_file, none) == "Europe/Moscow"  # none named: the fallback

    environ = {"CASEFILES_DATA_DIR": str(tmp_path / "data"), "TZ": "Asia/Yekaterinburg"}
    assert load_settings(environ).timezone == "Asia/Yekaterinburg"
    assert load_settings({**environ, "CASEFILES_TIMEZONE": "Europe/Samara"}).timezone == "Europe/Samara"


def test_days_are_the_institutions(
    world: World, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case opened or closed without a date is opened or closed on the institution's date, not the server's:
    of two zones 26 hours apart one is always on another date than the server."""
    server_today = dt.date.today()
    zones = ("Pacific/Kiritimati", "Etc/GMT+12")
    zone = next(name for name in zones if dt.datetime.now(ZoneInfo(name)).date() != server_today)
    monkeypatch.setitem(app.config, "CASEFILES", dataclasses.replace(app.config["CASEFILES"], timezone=zone))
    institution_today = dt.datetime.now(ZoneInfo(zone)).date()
    case = world.open_case()
    assert case["opened_on"] == institution_today.isoformat()
    login(client, "head")
    token = _csrf(_page(client, f"/cases/{case['id']}"))
    closed = client.post(f"/cases/{case['id']}/lifecycle", data={"csrf_token": token, "action": "close"})
    assert closed.status_code == 302
    assert db.session.get(Case, case["id"]).closed_on == institution_today  # type: ignore[union-attr]
