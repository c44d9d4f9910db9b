"""Login hardening: throttling after repeated failures (also when the attempts arrive at once), idle session
timeout, logout that ends the session on the server, logout everywhere on deactivation, secure cookies behind
HTTPS, and the security headers every response carries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import check_password_hash

from tests.conftest import PASSWORD, World
from tests.webapp.test_pages import _csrf, forget_request_state, login
from webapp import create_app
from webapp.auth import throttle
from webapp.config import ConfigurationError, Settings, flask_config, load_settings
from webapp.extensions import db


def _try(client: FlaskClient, username: str, password: str) -> int:
    token = _csrf(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return answer.status_code


def test_repeated_failures_lock_the_username_even_for_the_right_password(
    app: Flask, world: World, client: FlaskClient
) -> None:
    for _ in range(throttle.LIMITS["user"]):
        assert _try(client, "spec1", "wrong-password") == 200  # the form again, with the error
    assert _try(client, "spec1", PASSWORD) == 429
    assert _try(client, "spec2", PASSWORD) == 302  # other users are not locked out
    later = dt.datetime.now(dt.UTC) + throttle.LOCK + dt.timedelta(seconds=1)
    assert throttle.locked_for("spec1", "127.0.0.1", now=later) is None


def test_the_lock_message_says_how_long(app: Flask, world: World, client: FlaskClient) -> None:
    for _ in range(throttle.LIMITS["user"]):
        _try(client, "head", "nope")
    token = _csrf(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"username": "HEAD", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 429  # usernames are throttled whatever their case
    assert "Слишком много неудачных попыток входа. Повторите через 15 мин." in answer.get_data(as_text=True)


def test_one_address_guessing_many_usernames_is_locked(app: Flask) -> None:
    for number in range(throttle.LIMITS["address"]):
        assert throttle.begin_attempt(f"user{number}", "10.0.0.7") is None
        throttle.record_failure(f"user{number}", "10.0.0.7")
    assert throttle.locked_for("someone-else", "10.0.0.7") is not None
    assert throttle.begin_attempt("someone-else", "10.0.0.7") is not None
    assert throttle.locked_for("someone-else", "10.0.0.8") is None
    keys = [row.key for row in db.session.scalars(db.select(throttle.LoginThrottle))]
    assert all(len(key) == 64 and "user" not in key for key in keys)  # hashes, not names or addresses


def test_successful_logins_do_not_use_up_their_address(app: Flask, world: World, client: FlaskClient) -> None:
    """A whole office behind one address signs in all morning: only failures count against the address."""
    for _ in range(throttle.LIMITS["address"] + 5):
        forget_request_state()
        assert _try(client, "spec2", PASSWORD) == 302
    assert throttle.locked_for("spec1", "127.0.0.1") is None


def _attempt(app: Flask, password: str, start: threading.Barrier | None = None) -> tuple[int, bool]:
    """Log in as spec1 from a client of its own, in a thread of its own (so its own session and connection, as
    in a server's worker): the answer's status, and whether the client is logged in afterwards."""
    client = app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    if start is not None:
        start.wait(timeout=30)
    answer = client.post("/login", data={"username": "spec1", "password": password, "csrf_token": token})
    return answer.status_code, client.get("/").status_code == 200


def test_a_burst_of_wrong_passwords_gets_no_more_checks_than_the_limit(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []

    def counting_check(password_hash: str, password: str) -> bool:
        checked.append(password)
        return check_password_hash(password_hash, password)

    monkeypatch.setattr("webapp.auth.services.check_password_hash", counting_check)
    burst, limit = 12, throttle.LIMITS["user"]
    start = threading.Barrier(burst)
    with ThreadPoolExecutor(burst) as pool:
        answers = list(pool.map(lambda _: _attempt(app, "wrong-password", start), range(burst)))
    assert sorted(status for status, _ in answers) == [200] * limit + [429] * (burst - limit)  # never a 500 or 409
    assert len(checked) == limit
    assert throttle.locked_for("spec1", "127.0.0.1") is not None
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(_attempt, app, PASSWORD).result() == (429, False)


def test_the_right_password_inside_a_burst_is_refused_once_the_limit_is_taken(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five wrong guesses are still being checked (none recorded as failed yet) when the right password arrives:
    it is the sixth attempt, so it is refused unchecked."""
    guessing, release = threading.Semaphore(0), threading.Event()

    def slow_wrong_guesses(password_hash: str, password: str) -> bool:
        if password != PASSWORD:
            guessing.release()
            release.wait(timeout=30)
        return check_password_hash(password_hash, password)

    monkeypatch.setattr("webapp.auth.services.check_password_hash", slow_wrong_guesses)
    limit = throttle.LIMITS["user"]
    with ThreadPoolExecutor(limit + 1) as pool:
        wrong = [pool.submit(_attempt, app, "wrong-password") for _ in range(limit)]
        for _ in range(limit):
            assert guessing.acquire(timeout=30)
        right = pool.submit(_attempt, app, PASSWORD)
        try:
            assert right.result(timeout=30) == (429, False)
        finally:
            release.set()
        assert [future.result() for future in wrong] == [(200, False)] * limit


def test_logout_ends_the_session_on_the_server(app: Flask, world: World, client: FlaskClient) -> None:
    login(client, "spec1")
    cookie = client.get_cookie("session")
    assert cookie is not None and client.get("/").status_code == 200
    token = _csrf(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    forget_request_state()
    replay = app.test_client()
    replay.set_cookie("session", cookie.value)
    answer = replay.get("/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]  # the copied cookie is dead


def test_a_deactivated_user_is_logged_out_everywhere(app: Flask, world: World, client: FlaskClient) -> None:
    login(client, "spec1")
    assert client.get("/").status_code == 200
    assert world["admin"].post("/api/v1/users/spec1/deactivate", json={"reason": "Уволена"}).status_code == 200
    forget_request_state()
    assert client.get("/").status_code == 302  # back to the login page


def test_sessions_expire_when_idle_and_cookies_are_flagged(settings: Settings) -> None:
    config = flask_config(dataclasses.replace(settings, session_minutes=20, secure_cookies=True))
    assert config["PERMANENT_SESSION_LIFETIME"] == dt.timedelta(minutes=20)
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with pytest.raises(ConfigurationError, match="CASEFILES_SECURE_COOKIES"):
        load_settings({"CASEFILES_DATA_DIR": str(settings.data_dir), "CASEFILES_SECURE_COOKIES": "yes"})
    app = create_app({"TESTING": True}, settings=dataclasses.replace(settings, session_minutes=20))
    with app.app_context():
        db.engine.dispose()


def test_the_session_cookie_lives_for_the_idle_timeout(app: Flask, world: World, client: FlaskClient) -> None:
    token = _csrf(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"username": "spec1", "password": PASSWORD, "csrf_token": token})
    cookie = next(value for value in answer.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "Expires=" in cookie and "HttpOnly" in cookie


def test_every_response_carries_the_security_headers(app: Flask, world: World, client: FlaskClient) -> None:
    with client.get("/static/style.css") as static:
        responses = (client.get("/login"), world["spec1"].get("/api/v1/cases"), static)
    for response in responses:
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/login").headers["Cache-Control"] == "private, no-store"


def test_no_page_has_inline_script_or_style(app: Flask, world: World, client: FlaskClient) -> None:
    case = world.open_case()
    world.upload(case["id"], b"act")
    for username in ("spec1", "head", "archivist", "admin"):
        login(client, username)
        for path in ("/", f"/cases/{case['id']}", "/search", "/exports", "/nomenclature", "/archive", "/audit"):
            page = client.get(path)
            if page.status_code != 200:
                continue
            html = page.get_data(as_text=True)
            assert "<script>" not in html and " on" + "submit=" not in html and " style=" not in html, path
            assert "<style" not in html, path
        client.post("/logout", data={"csrf_token": _csrf(client.get("/").get_data(as_text=True))})
