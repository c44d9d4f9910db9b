"""External members' personal links (issue 26): made and revoked by the head through the API, opened without an
account (the token exchanged for a Strict, HttpOnly cookie of the view, then a token-free URL), the package shown
page by page marked with the member's name, and nothing else of casefiles reachable with that cookie."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from fpdf import FPDF
from PIL import Image, ImageChops
from sqlalchemy import select

from tests.conftest import World
from tests.serving import casefiles, start_serve
from tests.webapp.test_pages import forget_request_state
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.blobs.models import StoredFile
from webapp.cli.serve import RedactingLogger
from webapp.dbtypes import utcnow
from webapp.extensions import Base, db
from webapp.hearings import services as hearings
from webapp.hearings.link_views import COOKIE, VIEW_PATH
from webapp.hearings.models import Hearing, HearingLink
from webapp.hearings.schemas import CommissionInput, HearingInput, ItemInput, MemberInput
from webapp.previews.render import PDF, open_pages
from webapp.runtime import blob_store

MEMBER = "Петрова Анна Сергеевна"
ORGANIZATION = "КДН и ЗП города"
GONE = "Ссылка больше не действует"


def _pdf(pages: int, label: str) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=28)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(text=f"{label}: page {number}")
        pdf.rect(30, 60 + 10 * number, 80, 40, style="F")  # each page looks different
    return bytes(pdf.output())


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def _hearing(case_id: int, *, send: bool = True, pages: int | None = 2, label: str = "A") -> dict[str, int]:
    """A commission (the head chairs; one external member, one internal), a hearing with the case on its agenda,
    the agenda sent, and its package: a PDF put into the store as the package job would leave it."""
    head = _user("head")
    members = [
        MemberInput(username="head", role="chair"),
        MemberInput(username="spec2"),
        MemberInput(name=MEMBER, position="инспектор", organization=ORGANIZATION),
    ]
    commission = hearings.create_commission(head, CommissionInput(name=f"Совет {label}", members=members))
    starts_at = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    hearing = hearings.create_hearing(head, HearingInput(commission_id=commission.id, starts_at=starts_at))
    hearings.add_item(head, hearing.id, ItemInput(case_id=case_id, question="Оценка положения семьи"))
    if send:
        hearings.send_agenda(head, hearing.id)
    if pages is not None:
        stored = blob_store().put(f"hearings/test/{hearing.id}-package.pdf", io.BytesIO(_pdf(pages, label)))
        hearing.package_file = StoredFile.of(stored, "hearing_package", PDF)
    db.session.commit()
    external = next(m for m in commission.members if m.is_external)
    internal = next(m for m in commission.members if m.user_id == _user("spec2").id)
    return {"hearing": hearing.id, "member": external.id, "internal": internal.id}


@pytest.fixture
def scene(world: World) -> dict[str, Any]:
    case = world.open_case("spec1", "u1")
    return {"case": case["id"], **_hearing(case["id"])}


def _make(world: World, scene: dict[str, Any], username: str = "head") -> Any:
    return world[username].post(f"/api/v1/hearings/{scene['hearing']}/members/{scene['member']}/link")


def _token(url: str) -> str:
    match = re.fullmatch(r"http://localhost/l/([A-Za-z0-9_-]+)", url)
    assert match, url
    return match.group(1)


def _visitor(app: Flask) -> FlaskClient:
    forget_request_state()
    return app.test_client()


def _open(client: FlaskClient, token: str) -> Any:
    forget_request_state()
    return client.get(f"/l/{token}")


def _get(client: FlaskClient, path: str, **kwargs: Any) -> Any:
    forget_request_state()
    return client.get(path, **kwargs)


def _carrying(app: Flask, cookie: str) -> FlaskClient:
    """A client that sends the link cookie with every request, whatever its path (as a tampered browser would)."""
    client = _visitor(app)
    client.set_cookie(COOKIE, cookie, path="/")
    return client


def _cookie(answer: Any) -> str:
    """The link cookie the answer set, with its attributes checked."""
    headers = [value for value in answer.headers.getlist("Set-Cookie") if value.startswith(f"{COOKIE}=")]
    assert len(headers) == 1, answer.headers
    header = headers[0]
    assert "HttpOnly" in header and "SameSite=Strict" in header and f"Path={VIEW_PATH}" in header, header
    max_age = int(re.search(r"Max-Age=(\d+)", header).group(1))  # type: ignore[union-attr]
    assert 0 < max_age <= 30 * 60
    return header.split(";", 1)[0].split("=", 1)[1]


def _pixels(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _differing(one: Image.Image, other: Image.Image, threshold: int = 30) -> int:
    difference = ImageChops.difference(one, other).convert("L")
    return int(difference.point(lambda value: 255 if value > threshold else 0).histogram()[255])


def _clean_page(pdf: bytes, number: int) -> Image.Image:
    with open_pages(io.BytesIO(pdf), PDF, start=number) as pages:
        return _pixels(next(iter(pages)).image)


def _link(link_id: int) -> HearingLink:
    db.session.expire_all()
    link = db.session.get(HearingLink, link_id)
    assert link is not None
    return link


# --- making a link ------------------------------------------------------------------------------------


def test_a_link_is_shown_once_and_kept_only_as_its_hash(world: World, scene: dict[str, Any]) -> None:
    answer = _make(world, scene)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    token = _token(body["url"])
    assert len(token) >= 43  # token_urlsafe(32)
    link = _link(body["id"])
    hearing = db.session.get(Hearing, scene["hearing"])
    assert hearing is not None and link.expires_at == hearing.access_until
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert link.member_id == scene["member"] and link.revoked_at is None and link.openings == 0
    assert dt.datetime.fromisoformat(body["expires_at"]) == hearing.access_until
    _assert_nowhere_in_the_database(token)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "hearing.link_create"))
    assert event is not None and event.object_id == scene["hearing"]
    assert event.details == {"member": scene["member"], "link": link.id, "revoked": []}


def test_a_new_link_revokes_the_older_one(app: Flask, world: World, scene: dict[str, Any]) -> None:
    first = _make(world, scene).get_json()
    second = _make(world, scene).get_json()
    assert _link(first["id"]).revoked_at is not None and _link(second["id"]).revoked_at is None
    answer = _open(_visitor(app), _token(first["url"]))
    assert answer.status_code == 410 and GONE in answer.get_data(as_text=True)
    assert _open(_visitor(app), _token(second["url"])).status_code == 200


def test_who_may_make_a_link_and_for_whom(world: World, scene: dict[str, Any]) -> None:
    hearing = scene["hearing"]
    assert _make(world, scene, "spec1").status_code == 403  # sees the hearing (their case), does not manage it
    assert _make(world, scene, "admin").status_code == 404  # does not see it
    internal = world["head"].post(f"/api/v1/hearings/{hearing}/members/{scene['internal']}/link")
    assert internal.status_code == 404  # a member with an account reads through their grant, not a link
    other = _hearing(scene["case"], label="B")
    foreign = world["head"].post(f"/api/v1/hearings/{hearing}/members/{other['member']}/link")
    assert foreign.status_code == 404  # a member of another commission
    planned = _hearing(scene["case"], send=False, label="C")
    early = world["head"].post(f"/api/v1/hearings/{planned['hearing']}/members/{planned['member']}/link")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "agenda_not_sent"
    assert db.session.scalar(select(HearingLink.id)) is None


# --- opening it -------------------------------------------------------------------------------------------


def test_opening_exchanges_the_token_for_a_cookie_and_shows_the_marked_package(
    app: Flask, world: World, scene: dict[str, Any]
) -> None:
    made = _make(world, scene).get_json()
    token = _token(made["url"])
    visitor = _visitor(app)
    first = _open(visitor, token)
    assert first.status_code == 200 and first.headers["Referrer-Policy"] == "no-referrer"
    cookie = _cookie(first)
    assert token not in cookie
    page = first.get_data(as_text=True)
    assert f'<meta http-equiv="refresh" content="0; url={VIEW_PATH}">' in page and token not in page

    view = _get(visitor, VIEW_PATH)
    assert view.status_code == 200 and view.headers["Referrer-Policy"] == "no-referrer"
    html = view.get_data(as_text=True)
    assert MEMBER in html and "Страница 2 из 2" in html
    assert re.findall(r'(?:src|href)="([^"]+)"', html) == [
        "/static/style.css",
        "data:,",
        f"{VIEW_PATH}/pages/1.jpg",
        f"{VIEW_PATH}/pages/2.jpg",
    ]  # no menu, no link out of the package

    image = _get(visitor, f"{VIEW_PATH}/pages/2.jpg")
    assert image.status_code == 200 and image.content_type == "image/jpeg"
    assert image.headers["Cache-Control"] == "private, no-store"
    hearing = db.session.get(Hearing, scene["hearing"])
    assert hearing is not None and hearing.package_file is not None
    with blob_store().open(hearing.package_file.key) as stream:
        clean = _clean_page(stream.read(), 2)
    marked = _pixels(image.data)
    assert marked.size == clean.size
    assert _differing(marked, clean) > 2000  # the member's name drawn over the page
    assert _get(visitor, f"{VIEW_PATH}/pages/3.jpg").status_code == 404  # beyond the package's last page

    link = _link(made["id"])
    assert link.openings == 1 and link.last_opened_at is not None
    opened = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "hearing.link_open")).all()
    assert [(event.object_type, event.object_id, event.actor_id) for event in opened] == [
        ("hearing_link", link.id, None)
    ]
    _assert_nowhere_in_the_database(token)


def test_the_mark_names_the_member_and_differs_from_anothers(app: Flask, world: World, scene: dict[str, Any]) -> None:
    from webapp.hearings.links import mark_text

    link = _link(_make(world, scene).get_json()["id"])
    text = mark_text(link.member, dt.datetime(2026, 3, 1, 21, 30, tzinfo=dt.UTC))
    assert text == f"{MEMBER} · {ORGANIZATION} · 02.03.2026 00:30"  # the institution's zone (Moscow)


def test_the_package_not_built_yet_is_said_so(app: Flask, world: World, scene: dict[str, Any]) -> None:
    other = _hearing(scene["case"], pages=None, label="D")
    made = world["head"].post(f"/api/v1/hearings/{other['hearing']}/members/{other['member']}/link").get_json()
    visitor = _visitor(app)
    assert _open(visitor, _token(made["url"])).status_code == 200
    view = _get(visitor, VIEW_PATH)
    assert view.status_code == 200 and "Материалы заседания ещё не подготовлены" in view.get_data(as_text=True)
    assert _get(visitor, f"{VIEW_PATH}/pages/1.jpg").status_code == 404


def test_a_package_that_cannot_be_rendered_is_said_so(app: Flask, world: World, scene: dict[str, Any]) -> None:
    hearing = db.session.get(Hearing, scene["hearing"])
    assert hearing is not None
    stored = blob_store().put(f"hearings/test/{hearing.id}-broken.pdf", io.BytesIO(b"%PDF-1.7 not really"))
    hearing.package_file = StoredFile.of(stored, "hearing_package", PDF)
    db.session.commit()
    visitor = _visitor(app)
    _open(visitor, _token(_make(world, scene).get_json()["url"]))
    for path in (VIEW_PATH, f"{VIEW_PATH}/pages/1.jpg"):
        answer = _get(visitor, path)
        assert answer.status_code == 409 and "не удаётся показать" in answer.get_data(as_text=True), path


def test_the_cookie_opens_only_its_own_hearings_package(app: Flask, world: World, scene: dict[str, Any]) -> None:
    other = _hearing(scene["case"], pages=3, label="B")
    mine = _make(world, scene).get_json()
    theirs = world["head"].post(f"/api/v1/hearings/{other['hearing']}/members/{other['member']}/link").get_json()
    visitor, stranger = _visitor(app), _visitor(app)
    cookie = _cookie(_open(visitor, _token(mine["url"])))
    _open(stranger, _token(theirs["url"]))
    assert "Страница 3 из 3" in _get(stranger, VIEW_PATH).get_data(as_text=True)
    assert "Страница 2 из 2" in _get(visitor, VIEW_PATH).get_data(as_text=True)
    assert _get(visitor, f"{VIEW_PATH}/pages/3.jpg").status_code == 404  # the other package's third page
    own_page, their_page = _get(visitor, f"{VIEW_PATH}/pages/1.jpg"), _get(stranger, f"{VIEW_PATH}/pages/1.jpg")
    assert own_page.status_code == their_page.status_code == 200, (own_page.data[:300], their_page.data[:300])
    own, their = _pixels(own_page.data), _pixels(their_page.data)
    assert _differing(own, their) > 500  # «A: page 1» and «B: page 1»

    # Every other page and endpoint of casefiles, with the cookie sent wherever it goes: a login or a token wanted.
    anywhere = _carrying(app, cookie)
    assert _get(anywhere, VIEW_PATH).status_code == 200  # it is sent
    ids = {"hearing_id": other["hearing"], "member_id": other["member"]}
    refused = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in OPEN_TO_ALL or rule.endpoint.startswith("ui.link_"):
            continue
        values = {name: ids.get(name, 1) for name in rule.arguments}
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda match, values=values: str(values[match.group(1)]), rule.rule)
        answer = _get(anywhere, path)
        wants_login = answer.status_code == 302 and answer.headers["Location"].startswith("/login")
        if not (wants_login or answer.status_code in (401, 404, 405)):
            refused[rule.endpoint] = answer.status_code
    assert refused == {}


OPEN_TO_ALL = {"ui.static", "ui.login", "api.health", "api.ca_certificate", "api.ca_crl"}


# --- refused ---------------------------------------------------------------------------------------------


def test_a_revoked_link_is_gone_at_once_even_for_an_open_view(app: Flask, world: World, scene: dict[str, Any]) -> None:
    made = _make(world, scene).get_json()
    visitor = _visitor(app)
    cookie = _cookie(_open(visitor, _token(made["url"])))
    assert _get(visitor, VIEW_PATH).status_code == 200
    revoked = world["head"].delete(f"/api/v1/hearings/{scene['hearing']}/members/{scene['member']}/link")
    assert revoked.status_code == 204
    for path in (VIEW_PATH, f"{VIEW_PATH}/pages/1.jpg"):
        answer = _get(_carrying(app, cookie), path)
        assert answer.status_code == 410 and GONE in answer.get_data(as_text=True), path
        assert f"{COOKIE}=;" in answer.headers["Set-Cookie"]  # the session ends in the browser too
    again = _open(_visitor(app), _token(made["url"]))
    assert again.status_code == 410 and GONE in again.get_data(as_text=True)
    assert COOKIE + "=" not in " ".join(again.headers.getlist("Set-Cookie")).replace(f"{COOKIE}=;", "")
    link = _link(made["id"])
    assert link.revoked_at is not None and link.revoked_by_id == _user("head").id and link.openings == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "hearing.link_revoke"))
    assert event is not None and event.details == {"member": scene["member"], "revoked": [link.id]}
    assert (
        world["spec1"].delete(f"/api/v1/hearings/{scene['hearing']}/members/{scene['member']}/link").status_code == 403
    )


def test_an_expired_link_is_gone(app: Flask, world: World, scene: dict[str, Any]) -> None:
    made = _make(world, scene).get_json()
    visitor = _visitor(app)
    _open(visitor, _token(made["url"]))
    link = _link(made["id"])
    link.expires_at = utcnow() - dt.timedelta(minutes=1)  # the access window has ended
    db.session.commit()
    assert _get(visitor, VIEW_PATH).status_code == 410
    answer = _open(_visitor(app), _token(made["url"]))
    assert answer.status_code == 410 and GONE in answer.get_data(as_text=True)
    assert _link(made["id"]).openings == 1


def test_a_member_taken_off_the_commission_loses_the_link(app: Flask, world: World, scene: dict[str, Any]) -> None:
    made = _make(world, scene).get_json()
    hearing = db.session.get(Hearing, scene["hearing"])
    assert hearing is not None
    hearings.remove_member(_user("head"), hearing.commission_id, scene["member"])
    db.session.commit()
    assert _open(_visitor(app), _token(made["url"])).status_code == 410
    assert _make(world, scene).status_code == 404  # no new one either


def test_a_wrong_token_is_not_found_and_tells_nothing(app: Flask, world: World, scene: dict[str, Any]) -> None:
    made = _make(world, scene).get_json()
    token = _token(made["url"])
    wrong = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    answer = _open(_visitor(app), wrong)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404 and "Ссылка не найдена" in page
    assert "Совет" not in page and MEMBER not in page and not answer.headers.getlist("Set-Cookie")
    assert _get(_visitor(app), VIEW_PATH).status_code == 404  # no cookie: no view
    forged = _get(_carrying(app, str(made["id"])), VIEW_PATH)
    assert forged.status_code == 404  # a cookie not signed by the server
    assert _link(made["id"]).openings == 0


def test_wrong_tokens_are_throttled_per_address(app: Flask, world: World, scene: dict[str, Any]) -> None:
    made = _make(world, scene).get_json()
    for attempt in range(5):
        assert _open(_visitor(app), f"wrong-{attempt}-" + "x" * 30).status_code == 404
    throttled = _open(_visitor(app), _token(made["url"]))  # even the right one, for a while
    assert throttled.status_code == 429 and "Слишком много неверных ссылок" in throttled.get_data(as_text=True)
    assert _link(made["id"]).openings == 0
    other = _visitor(app)
    forget_request_state()
    answer = other.get(f"/l/{_token(made['url'])}", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert answer.status_code == 200  # another address is not held up


# --- never the token in a log or the database ----------------------------------------------------------


def _assert_nowhere_in_the_database(token: str) -> None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    seen_digest = False
    for table in Base.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            text = repr(tuple(row))
            assert token not in text, table.name
            seen_digest = seen_digest or digest in text
    assert seen_digest


def test_the_audit_log_never_holds_the_token(app: Flask, world: World, scene: dict[str, Any]) -> None:
    made = _make(world, scene).get_json()
    token = _token(made["url"])
    _open(_visitor(app), token)
    world["head"].delete(f"/api/v1/hearings/{scene['hearing']}/members/{scene['member']}/link")
    _open(_visitor(app), token)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("hearing.link%"))).all()
    assert {event.action for event in events} == {"hearing.link_create", "hearing.link_open", "hearing.link_revoke"}
    assert all(token not in repr(event.details) for event in events)


def test_the_werkzeug_and_gunicorn_access_logs_redact_the_token() -> None:
    token = "Zx9_" + "a" * 39
    logger = logging.getLogger("werkzeug")
    record = logger.makeRecord(
        "werkzeug", logging.INFO, __file__, 1, '"%s" %s %s', (f"GET /l/{token} HTTP/1.1", "200", "-"), None
    )
    assert all(f(record) for f in logger.filters)
    assert record.getMessage() == '"GET /l/… HTTP/1.1" 200 -'
    kept = logger.makeRecord(
        "werkzeug", logging.INFO, __file__, 1, '"%s" %s %s', (f"GET {VIEW_PATH}/pages/2.jpg HTTP/1.1", "200", "-"), None
    )
    assert all(f(kept) for f in logger.filters) and f"{VIEW_PATH}/pages/2.jpg" in kept.getMessage()

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/l/{token}",
        "PATH_INFO": f"/l/{token}",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = RedactingLogger.atoms(object.__new__(RedactingLogger), response, [], environ, dt.timedelta(seconds=1))
    assert token not in repr(atoms) and atoms["r"] == "GET /l/… HTTP/1.1"


def _access_record(request_line: str) -> logging.LogRecord:
    """A record as werkzeug's development server writes one for a request."""
    args = (request_line, "200", "-")
    return logging.getLogger("werkzeug").makeRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s %s', args, None)


def test_a_real_casefiles_serve_logs_no_token(tmp_path: Path) -> None:
    env = {**os.environ, "CASEFILES_DATA_DIR": str(tmp_path / "data")}
    for name in ("CASEFILES_DATABASE_URL", "CASEFILES_STORAGE", "CASEFILES_QUEUE_URL", "CASEFILES_SECRET_KEY"):
        env.pop(name, None)
    casefiles(env, "init")
    server = start_serve(env, tmp_path / "serve.log", workers=1)
    token = "Qm7-" + "b" * 39  # shaped like a token; no link has it, which changes nothing for the log
    try:
        answer = requests.get(f"{server.url}/l/{token}", timeout=30)
        assert answer.status_code == 404 and "Ссылка не найдена" in answer.text
        assert requests.get(f"{server.url}{VIEW_PATH}", timeout=30).status_code == 404
    finally:
        status = server.stop()
    log = server.log.read_text()
    assert status == 0, log[-2000:]
    assert token not in log
    assert '"GET /l/… HTTP/1.1" 404' in log and f'"GET {VIEW_PATH} HTTP/1.1" 404' in log
