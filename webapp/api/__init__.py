"""The JSON API under /api/v1: bearer-token authentication and the helpers every endpoint shares."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import Blueprint, g, request

from webapp.auth.models import User
from webapp.auth.services import user_for_token
from webapp.cases.serializers import Disclosure
from webapp.exceptions import Unauthorized, ValidationError
from webapp.validation import MAX_ID, parse_int

api = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = frozenset({"api.health", "api.ca_certificate", "api.ca_crl"})
MAX_PER_PAGE = 200
T = TypeVar("T")


@api.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Нужен заголовок Authorization: Bearer <токен>", code="missing_token")
    g.actor = user_for_token(token.strip())


def actor() -> User:
    user: User = g.actor
    return user


def shown() -> Disclosure:
    """What of each case the caller is shown (webapp/cases/serializers.py): every case record goes through it. Made
    afresh for each answer, after the endpoint's change (a grant given or revoked counts at once)."""
    return Disclosure(actor())


def revision_seen(named: int | None) -> int | None:
    """The revision a correction was based on: named by an If-Match header (`"3"`, a weak `W/"3"` too: the ETag
    of the record's GET) or by the body's `revision` (`named`); 400 when both are there and differ."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        return named
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise ValidationError('If-Match: ожидалась версия записи в кавычках, например "3"', code="invalid_revision")
    if named is not None and named != int(value):
        raise ValidationError("revision: не совпадает с заголовком If-Match", code="invalid_revision")
    return int(value)


def json_body() -> dict[str, Any]:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes; not a ValueError, so silent=True lets it through
        raise ValidationError("Тело запроса: слишком глубокая вложенность JSON", code="invalid_body") from None
    if not isinstance(data, dict):
        raise ValidationError("Тело запроса должно быть JSON-объектом", code="invalid_body")
    return data


def page_params() -> tuple[int, int]:
    page = parse_int(request.args.get("page"), "page", default=1)
    per_page = parse_int(request.args.get("per_page"), "per_page", default=50, maximum=MAX_PER_PAGE)
    return page, per_page


def paginated(items: Sequence[T], total: int, serialize: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    return {"items": [serialize(item) for item in items], "total": total}


@api.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
