"""Separation of duties for accounts (issue 21): what an administrator does that would let an account read case
content (a new specialist or head, a promotion, more districts) waits for a head's confirmation and changes
nothing before it; a password an administrator sets is for one login, ends the user's sessions, and is told to
the user and to heads; the server's command line applies changes at once."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, World
from tests.webapp.test_pages import _csrf, forget_request_state, login
from webapp.audit.models import AuditEvent
from webapp.auth.models import AccessRequest, User
from webapp.cli import main
from webapp.extensions import db


def _user(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.username == username))


def _client(app: Flask, username: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    forget_request_state()
    login(client, username, password)
    forget_request_state()
    return client


def _get(client: FlaskClient, path: str) -> Any:
    forget_request_state()
    answer = client.get(path)
    forget_request_state()
    return answer


def _post(client: FlaskClient, page: str, path: str | None = None, **form: object) -> str:
    """Post a form from `page` (to `path`, by default the page itself) and follow to where it leads."""
    token = _csrf(_get(client, page).get_data(as_text=True))
    answer = client.post(path or page, data={"csrf_token": token, **form}, follow_redirects=True)
    forget_request_state()
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def _content_of_district_u2(world: World) -> str:
    case = world.open_case("spec2", "u2")
    document = world.upload(case["id"], b"act of district 2", username="spec2")
    return f"/documents/{document['id']}/versions/1/download"


def _pending() -> AccessRequest:
    pending = db.session.scalars(db.select(AccessRequest).where(AccessRequest.status == "pending")).all()
    assert len(pending) == 1
    return pending[0]


def _decide(app: Flask, access_request: AccessRequest, decision: str) -> str:
    head = _client(app, "head")
    return _post(head, "/", f"/access-requests/{access_request.id}", decision=decision)


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def test_a_promotion_to_head_reads_nothing_until_a_head_confirms_it(app: Flask, world: World) -> None:
    content = _content_of_district_u2(world)
    spec1 = _client(app, "spec1")
    assert _get(spec1, content).status_code == 404
    admin = _client(app, "admin")
    target = f"/admin/users/{_user('spec1').id}"  # type: ignore[union-attr]
    page = _post(admin, target, action="update", full_name="Тест spec1", role="head")
    assert "вступят в силу, когда их подтвердит заведующий отделением" in page and "Ждёт подтверждения" in page
    assert _user("spec1").role == "specialist"  # type: ignore[union-attr]
    assert _get(spec1, content).status_code == 404  # the same session, the same rights
    assert _get(_client(app, "spec1"), content).status_code == 404  # and a fresh login too
    waiting = _pending()
    assert _events("user.access_request")[0].details == {"user": waiting.user_id, "role": "head", "districts": []}

    head = _client(app, "head")
    dashboard = _get(head, "/").get_data(as_text=True)
    assert "Доступ к содержимому дел: ждут подтверждения" in dashboard and "Тест spec1 (spec1)" in dashboard
    assert "Подтвердить" in dashboard and "запросил Тест admin" in dashboard
    assert "Изменение доступа подтверждено" in _decide(app, waiting, "confirm")
    assert _user("spec1").role == "head"  # type: ignore[union-attr]
    assert _get(spec1, "/").status_code == 302  # the new role starts with a new login
    assert _get(_client(app, "spec1"), content).status_code == 200
    confirmed = _events("user.access_confirm")
    assert [(event.object_id, event.details) for event in confirmed] == [(waiting.id, {"user": waiting.user_id})]


def test_more_districts_wait_and_a_declined_request_changes_nothing(app: Flask, world: World) -> None:
    content = _content_of_district_u2(world)
    admin = _client(app, "admin")
    target = f"/admin/users/{_user('spec1').id}"  # type: ignore[union-attr]
    _post(admin, target, action="update", full_name="Тест spec1", role="specialist", district=["u1", "u2"])
    assert _user("spec1").district_codes == {"u1"}  # type: ignore[union-attr]
    assert "Ждут подтверждения заведующего отделением" in _get(admin, "/admin/users").get_data(as_text=True)
    assert _get(_client(app, "spec1"), content).status_code == 404
    waiting = _pending()
    assert "Запрос отклонён" in _decide(app, waiting, "decline")
    assert "уже рассмотрен" in _decide(app, waiting, "confirm")  # decided once
    assert _user("spec1").district_codes == {"u1"}  # type: ignore[union-attr]
    assert _get(_client(app, "spec1"), content).status_code == 404
    assert [event.object_id for event in _events("user.access_decline")] == [waiting.id]


def test_a_newer_change_replaces_the_waiting_one(app: Flask, world: World) -> None:
    admin = _client(app, "admin")
    target = f"/admin/users/{_user('spec1').id}"  # type: ignore[union-attr]
    _post(admin, target, action="update", full_name="Тест spec1", role="head")
    first = _pending()
    page = _post(admin, target, action="update", full_name="Тест spec1", role="archivist")  # narrower: at once
    assert "Изменения сохранены" in page
    assert _user("spec1").role == "archivist"  # type: ignore[union-attr]
    db.session.refresh(first)
    assert first.status == "superseded"
    assert "уже рассмотрен или заменён" in _decide(app, first, "confirm")
    assert _user("spec1").role == "archivist"  # type: ignore[union-attr]


def test_a_new_specialist_exists_only_once_a_head_confirms(app: Flask, world: World) -> None:
    content = _content_of_district_u2(world)
    admin = _client(app, "admin")
    form = {"username": "petrova", "full_name": "Петрова Анна", "role": "specialist", "password": "given-by-admin"}
    page = _post(admin, "/admin/users", district="u2", **form)
    assert "появится, когда её подтвердит заведующий отделением" in page and "petrova" in page
    assert _user("petrova") is None
    again = _post(admin, "/admin/users", **{**form, "role": "archivist"})
    assert "уже есть" in again  # the login is taken while it waits
    client = app.test_client()
    token = _csrf(_get(client, "/login").get_data(as_text=True))
    assert (
        client.post(
            "/login", data={"username": "petrova", "password": "given-by-admin", "csrf_token": token}
        ).status_code
        == 200
    )
    forget_request_state()
    waiting = _pending()
    assert waiting.user_id is None and waiting.username == "petrova"
    assert "Новая учётная запись Петрова Анна (petrova)" in _get(_client(app, "head"), "/").get_data(as_text=True)
    _decide(app, waiting, "confirm")
    petrova = _user("petrova")
    assert petrova is not None and petrova.district_codes == {"u2"} and petrova.must_change_password
    db.session.refresh(waiting)
    assert waiting.user_id == petrova.id and waiting.password_hash is None
    client = app.test_client()
    forget_request_state()
    token = _csrf(client.get("/login").get_data(as_text=True))
    first = client.post("/login", data={"username": "petrova", "password": "given-by-admin", "csrf_token": token})
    assert first.status_code == 302 and first.headers["Location"].endswith("/account/password")
    assert _get(client, content).headers["Location"].endswith("/account/password")
    _change_password(client, "given-by-admin", "petrovas-own-1")
    assert _get(client, content).status_code == 200


def _change_password(client: FlaskClient, current: str, new: str, repeat: str | None = None) -> Any:
    token = _csrf(_get(client, "/account/password").get_data(as_text=True))
    answer = client.post(
        "/account/password",
        data={"csrf_token": token, "current_password": current, "new_password": new, "repeat_password": repeat or new},
    )
    forget_request_state()
    return answer


def test_a_password_reset_is_for_one_login_and_heads_are_told(app: Flask, world: World) -> None:
    case = world.open_case("spec1", "u1")
    content = f"/documents/{world.upload(case['id'], b'act')['id']}/versions/1/download"
    spec1 = _client(app, "spec1")
    admin = _client(app, "admin")
    target = f"/admin/users/{_user('spec1').id}"  # type: ignore[union-attr]
    assert "Временный пароль задан" in _post(admin, target, action="password", password="one-time-pass")
    assert _get(spec1, "/").status_code == 302  # her open session ended
    refused = world["spec1"].get("/api/v1/cases")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "password_change_required"

    notices = _get(_client(app, "head"), "/").get_data(as_text=True)
    assert "Пароли, заданные администратором" in notices and "Тест spec1 (spec1)" in notices
    assert "задал Тест admin" in notices and "временный пароль ещё не сменён" in notices

    client = app.test_client()
    forget_request_state()
    token = _csrf(client.get("/login").get_data(as_text=True))
    first = client.post("/login", data={"username": "spec1", "password": "one-time-pass", "csrf_token": token})
    assert first.headers["Location"].endswith("/account/password")
    told = _get(client, "/account/password").get_data(as_text=True)
    assert "Ваш пароль задан администратором" in told and "сообщите заведующему отделением" in told
    for path in ("/", f"/cases/{case['id']}", content, "/search?q=act", "/account/tokens"):
        assert _get(client, path).headers["Location"].endswith("/account/password"), path
    assert "неверно" in _change_password(client, "not-it-at-all", "her-own-pass-1").get_data(as_text=True)
    assert "не совпадают" in _change_password(client, "one-time-pass", "her-own-pass-1", "other").get_data(as_text=True)
    assert "отличаться" in _change_password(client, "one-time-pass", "one-time-pass").get_data(as_text=True)
    assert _change_password(client, "one-time-pass", "her-own-pass-1").status_code == 302
    assert _get(client, content).status_code == 200  # the same session goes on
    assert world["spec1"].get("/api/v1/cases").status_code == 200
    assert "пароль с тех пор сменён" in _get(_client(app, "head"), "/").get_data(as_text=True)

    spec1_id = _user("spec1").id  # type: ignore[union-attr]
    assert [(event.actor_id, event.object_id) for event in _events("user.password")] == [
        (_user("admin").id, spec1_id)  # type: ignore[union-attr]
    ]
    assert [(event.actor_id, event.details) for event in _events("user.password_change")] == [(spec1_id, {})]
    everything = " ".join(str(event.details) for event in db.session.scalars(db.select(AuditEvent)))
    assert "spec1" not in everything and "one-time-pass" not in everything


def test_the_command_line_sets_access_at_once(app: Flask, world: World) -> None:
    content = _content_of_district_u2(world)
    result = app.test_cli_runner().invoke(
        main, ["user", "set-access", "spec1", "--role", "specialist", "--district", "u1", "--district", "u2"]
    )
    assert result.exit_code == 0, result.output
    assert "spec1: specialist, districts: u1, u2" in result.output
    assert db.session.scalar(db.select(db.func.count(AccessRequest.id))) == 0
    assert _get(_client(app, "spec1"), content).status_code == 200
    unknown = app.test_cli_runner().invoke(
        main, ["user", "set-access", "spec1", "--role", "specialist", "--district", "u9"]
    )
    assert unknown.exit_code == 1 and "Неизвестный участок" in unknown.output
