"""Administrators' pages (users, roles, districts, passwords, templates) and everyone's API tokens."""

from __future__ import annotations

import html
import io

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import World
from tests.webapp.test_forms import REFUSED_EXPRESSIONS, custom_layout
from tests.webapp.test_pages import _csrf, forget_request_state, login
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db


def _user(username: str) -> User:
    user = db.session.scalar(db.select(User).where(User.username == username))
    assert user is not None
    return user


def _post(client: FlaskClient, path: str, **form: object) -> str:
    token = _csrf(client.get(path).get_data(as_text=True))
    answer = client.post(path, data={"csrf_token": token, **form}, follow_redirects=True)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_the_admin_adds_a_user_who_can_then_log_in(app: Flask, world: World, client: FlaskClient) -> None:
    """An account that reads no case content (an archivist) is added at once; its password is for one login (a
    specialist or head waits for a head's confirmation: test_account_confirmations.py)."""
    login(client, "admin")
    page = _post(
        client,
        "/admin/users",
        username="petrova",
        full_name="Петрова Анна Ивановна",
        role="archivist",
        password="long-enough-1",
    )
    assert "Пользователь petrova добавлен" in page and "Петрова Анна Ивановна" in page
    assert _user("petrova").role == "archivist" and _user("petrova").must_change_password
    again = _post(client, "/admin/users", username="petrova", full_name="Другая", role="specialist", password="x" * 9)
    assert "уже есть" in again
    weak = _post(client, "/admin/users", username="sidorov", full_name="Сидоров", role="head", password="short")
    assert "не короче 8" in weak and db.session.scalar(db.select(User).where(User.username == "sidorov")) is None
    client.post("/logout", data={"csrf_token": _csrf(page)})
    forget_request_state()
    token = _csrf(client.get("/login").get_data(as_text=True))
    first = client.post("/login", data={"username": "petrova", "password": "long-enough-1", "csrf_token": token})
    assert first.status_code == 302 and first.headers["Location"].endswith("/account/password")
    assert {"user.create"} <= set(db.session.scalars(db.select(AuditEvent.action)))


def test_a_new_role_or_password_ends_the_users_sessions(app: Flask, world: World, client: FlaskClient) -> None:
    spec = app.test_client()
    login(spec, "spec1")
    forget_request_state()
    login(client, "admin")
    target = f"/admin/users/{_user('spec1').id}"
    page = _post(client, target, action="update", full_name="Тест spec1", role="archivist")  # less access: at once
    assert "Изменения сохранены" in page
    assert _user("spec1").role == "archivist" and _user("spec1").district_codes == set()
    forget_request_state()
    assert spec.get("/").status_code == 302  # the session opened before is over
    forget_request_state()
    login(spec, "spec1")
    forget_request_state()
    page = _post(client, target, action="password", password="a-brand-new-one")
    assert "Временный пароль задан" in page
    forget_request_state()
    assert spec.get("/").status_code == 302
    forget_request_state()
    login(spec, "spec1", "a-brand-new-one")


def test_the_admin_cannot_demote_themselves_and_deactivation_asks_first(
    app: Flask, world: World, client: FlaskClient
) -> None:
    login(client, "admin")
    own = f"/admin/users/{_user('admin').id}"
    page = _post(client, own, action="update", full_name="Администратор", role="head")
    assert "Нельзя снять с себя роль администратора" in page and _user("admin").role == "admin"
    target = f"/admin/users/{_user('spec2').id}"
    html = client.get(target).get_data(as_text=True)
    assert 'data-confirm="Отключить' in html
    page = _post(client, target, action="deactivate", reason="увольнение")
    assert "Пользователь отключён" in page and not _user("spec2").is_active
    assert world["spec2"].get("/api/v1/cases").status_code == 401


def test_tokens_are_listed_with_last_use_and_revocable(app: Flask, world: World, client: FlaskClient) -> None:
    created = world["spec1"].post("/api/v1/tokens", json={"expires_in_days": 30})
    assert created.status_code == 201
    token = created.get_json()
    raw = token["token"]
    assert raw.startswith(token["prefix"]) and token["expires_at"]
    used = world["spec1"].client.get("/api/v1/cases", headers={"Authorization": f"Bearer {raw}"})
    assert used.status_code == 200
    listed = {item["id"]: item for item in world["spec1"].get("/api/v1/tokens").get_json()["items"]}
    assert listed[token["id"]]["last_used_at"] is not None and "token" not in listed[token["id"]]
    assert token["id"] not in {item["id"] for item in world["spec2"].get("/api/v1/tokens").get_json()["items"]}
    assert world["spec2"].delete(f"/api/v1/tokens/{token['id']}").status_code == 404
    assert world["spec1"].delete(f"/api/v1/tokens/{token['id']}").status_code == 204
    refused = world["spec1"].client.get("/api/v1/cases", headers={"Authorization": f"Bearer {raw}"})
    assert refused.status_code == 401
    assert world["spec1"].post("/api/v1/tokens", json={"expires_in_days": 0}).status_code == 400
    login(client, "spec1")
    page = _post(client, "/account/tokens", expires_in_days="")
    assert "скопируйте его сейчас" in page and "cf_" in page
    again = client.get("/account/tokens").get_data(as_text=True)
    assert "скопируйте его сейчас" not in again  # shown once


def test_the_templates_page_takes_a_docx_and_refuses_anything_else(
    app: Flask, world: World, client: FlaskClient
) -> None:
    login(client, "admin")
    page = client.get("/admin/templates").get_data(as_text=True)
    assert "inspection_act" in page
    answer = client.post(
        "/admin/templates",
        data={"csrf_token": _csrf(page), "code": "inspection_act", "file": (io.BytesIO(b"not a docx"), "t.docx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert answer.status_code == 200 and "DOCX" in answer.get_data(as_text=True)


def test_the_admin_adds_and_renames_districts(app: Flask, world: World, client: FlaskClient) -> None:
    login(client, "admin")
    page = _post_to(client, "/admin/users", "/admin/districts", code="u3", name="Участок № 3")
    assert "Участок «Участок № 3» сохранён" in page
    page = _post_to(client, "/admin/users", "/admin/districts", code="u3", name="Участок № 3 (пос. Таёжный)")
    assert "пос. Таёжный" in page
    bad = _post_to(client, "/admin/users", "/admin/districts", code="../x", name="Плохой")
    assert "Код участка" in bad


def _post_to(client: FlaskClient, page_path: str, path: str, **form: object) -> str:
    token = _csrf(client.get(page_path).get_data(as_text=True))
    answer = client.post(path, data={"csrf_token": token, **form}, follow_redirects=True)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_the_templates_page_refuses_a_layout_the_sandbox_would_refuse_and_takes_a_good_one(
    app: Flask, world: World, client: FlaskClient
) -> None:
    login(client, "admin")
    for expression in REFUSED_EXPRESSIONS:
        page = _upload_on_page(client, custom_layout("inspection_act", f"Адрес: {expression}"))
        assert "Шаблон не принят" in page and f"«{expression}»" in page
    page = _upload_on_page(client, custom_layout("inspection_act", "Свой макет: {{ address|upper }}"))
    assert "Шаблон «Акт обследования" in page and "обновлён: версия 2" in page


def _upload_on_page(client: FlaskClient, layout: bytes) -> str:
    token = _csrf(client.get("/admin/templates").get_data(as_text=True))
    answer = client.post(
        "/admin/templates",
        data={"csrf_token": token, "code": "inspection_act", "file": (io.BytesIO(layout), "t.docx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert answer.status_code == 200
    return html.unescape(answer.get_data(as_text=True))
