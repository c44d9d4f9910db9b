"""An external member's read-only view of a hearing's package, opened by their personal link without an account.

- `GET /l/<token>` exchanges the token for a short-lived cookie (HttpOnly, SameSite=Strict, path /l/package, signed,
  naming the link's id only) and sends the browser on to the token-free `/l/package`. Not by a 302/303: a link is
  usually followed from a mail page on another site, and a Strict cookie is not sent on the redirect of a
  navigation another site started; the short page's refresh is a navigation of our own page, so the cookie goes
  with it. The token never reaches a log: access logs show `/l/…` (webapp.redact_request_line).
- `GET /l/package` lists the package's pages; `GET /l/package/pages/<n>.jpg` is a page image marked with the
  member's name, organization and the time. Nothing else: no menu, no link out, and the cookie opens nothing but
  these two (every other page wants a login, the API a token).
- Each request checks the link again: revoked or expired is 410 «Ссылка больше не действует»; a token no link has is
  404 and counts against the address like a failed login (webapp.auth.throttle)."""

from __future__ import annotations

import datetime as dt

from flask import current_app, make_response, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from webapp.audit.services import record_event
from webapp.auth import throttle
from webapp.dbtypes import utcnow
from webapp.exceptions import Conflict, Gone, NotFound
from webapp.hearings import links
from webapp.hearings.models import HearingLink
from webapp.previews.delivery import image_response
from webapp.runtime import local_time
from webapp.ui import ui
from webapp.uow import commit

COOKIE = "casefiles_link"
VIEW_PATH = "/l/package"
SESSION = dt.timedelta(minutes=30)  # the cookie's life, never beyond the link's
MAX_TOKEN_CHARS = 100  # token_urlsafe(32) is 43; a longer path segment is no token
SESSION_ENDED = "Сеанс просмотра закончился или не начат: откройте свою ссылку ещё раз"
THROTTLED = "Слишком много неверных ссылок с этого адреса. Повторите через {minutes} мин."


@ui.get("/l/<token>")
def link_open(token: str) -> Response:
    address = request.remote_addr or ""
    name = f"hearing-link {address}"  # wrong tokens are counted per address, apart from its logins' usernames
    wait = throttle.begin_attempt(name, address)
    if wait is not None:
        record_event(None, "hearing.link_throttled", "hearing_link", None)
        commit()
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        return _message(429, THROTTLED.format(minutes=minutes))
    commit()
    try:
        link = links.link_for_token(token if len(token) <= MAX_TOKEN_CHARS else "")
    except NotFound as exc:
        throttle.record_failure(name, address)
        record_event(None, "hearing.link_unknown", "hearing_link", None)
        commit()
        return _message(404, exc.message)
    except Gone as exc:
        throttle.record_success(name, address)
        commit()
        return _message(410, exc.message)
    throttle.record_success(name, address)
    links.record_opening(link)
    commit()
    return _with_session(link, make_response(render_template("hearings/link_open.html", target=VIEW_PATH)))


@ui.get(VIEW_PATH)
def link_package() -> Response:
    link = _session_link()
    if isinstance(link, Response):
        return link
    try:
        count = links.package_page_count(link)
    except Conflict as exc:
        return _message(409, exc.message)
    hearing = link.hearing
    page = render_template(
        "hearings/link_package.html",
        hearing=hearing,
        starts_at=local_time(hearing.starts_at),
        member=link.member,
        count=count,
        until=local_time(link.expires_at),
    )
    return _private(make_response(page))


@ui.get(f"{VIEW_PATH}/pages/<int:number>.jpg")
def link_page_image(number: int) -> Response:
    link = _session_link()
    if isinstance(link, Response):
        return link
    try:
        served = links.package_page(link, number)
    except NotFound as exc:
        return _message(404, exc.message)
    except Conflict as exc:
        return _message(409, exc.message)
    return _private(image_response(served))


def _session_link() -> HearingLink | Response:
    """The link the request's cookie names, if it still works; else the page that says why."""
    raw = request.cookies.get(COOKIE, "")
    try:
        link_id = _serializer().loads(raw, max_age=int(SESSION.total_seconds())) if raw else None
    except BadSignature:  # a forged, altered or outlived cookie
        link_id = None
    if not isinstance(link_id, int):
        return _message(404, SESSION_ENDED, ended=True)
    try:
        return links.link_by_id(link_id)
    except NotFound:
        return _message(404, SESSION_ENDED, ended=True)
    except Gone as exc:
        return _message(410, exc.message, ended=True)


def _with_session(link: HearingLink, response: Response) -> Response:
    seconds = int(min(SESSION, link.expires_at - utcnow()).total_seconds())
    response.set_cookie(
        COOKIE,
        _serializer().dumps(link.id),
        max_age=max(1, seconds),
        path=VIEW_PATH,
        httponly=True,
        samesite="Strict",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return _private(response)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="casefiles.hearing-link")


def _message(status: int, message: str, *, ended: bool = False) -> Response:
    response = make_response(render_template("hearings/link_message.html", message=message), status)
    if ended:  # the viewing session, if any, is over
        response.delete_cookie(COOKIE, path=VIEW_PATH, httponly=True, samesite="Strict")
    return _private(response)


def _private(response: Response) -> Response:
    """Never cached, never a referer (the token page's URL is the token)."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, no-store"
    return response
