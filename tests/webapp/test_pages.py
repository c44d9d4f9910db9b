"""The first pages: login with CSRF, the case list, a case, downloads; 404 for other districts."""

from __future__ import annotations

import re

from flask import g
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, World
from webapp.audit.models import AuditEvent
from webapp.extensions import db


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def forget_request_state() -> None:
    """Another client's turn. The tests share one app context across requests (a server's requests do not), and
    Flask-Login and Flask-WTF keep the last request's user and CSRF token in `g`."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_pages_need_login(client: FlaskClient, world: World) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_refuses_missing_csrf_and_wrong_password(client: FlaskClient, world: World) -> None:
    no_csrf = client.post("/login", data={"username": "spec1", "password": PASSWORD})
    assert no_csrf.status_code == 400
    assert "обновите страницу" in no_csrf.get_data(as_text=True)
    token = _csrf(client.get("/login").get_data(as_text=True))
    wrong = client.post("/login", data={"username": "spec1", "password": "nope-nope", "csrf_token": token})
    assert "Неверное имя пользователя или пароль" in wrong.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).where(AuditEvent.action == "auth.login_failed")) == 1


def test_login_does_not_redirect_off_site(client: FlaskClient, world: World) -> None:
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=//evil.example/x", data={"username": "spec1", "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/"


def test_specialist_sees_own_cases_only(client: FlaskClient, world: World) -> None:
    own = world.open_case("spec1", "u1", title="Личное дело семьи Ромашкиных")
    other = world.open_case("spec2", "u2", title="Личное дело семьи Васильковых")
    document = world.upload(own["id"], "Акт".encode(), title="Акт обследования")
    login(client, "spec1")
    listing = client.get("/").get_data(as_text=True)
    assert "Ромашкиных" in listing
    assert "Васильковых" not in listing
    page = client.get(f"/cases/{own['id']}")
    assert page.status_code == 200
    assert "Акт обследования" in page.get_data(as_text=True)
    download = client.get(f"/documents/{document['id']}/versions/1/download")
    assert download.status_code == 200
    assert download.data == "Акт".encode()
    forbidden = client.get(f"/cases/{other['id']}")
    assert forbidden.status_code == 404
    assert "Васильковых" not in forbidden.get_data(as_text=True)
    assert client.get("/cases/999999").status_code == 404


def test_logout(client: FlaskClient, world: World) -> None:
    login(client, "head")
    token = _csrf(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302
