"""Mapping domain errors and HTTP errors to responses, in one place.

The API (/api/...) always answers JSON {"error": {"code", "message"}}; pages get a Russian error page.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from storage import BlobNotFound, ContentMismatch, StorageError
from webapp.exceptions import (
    BrokenTemplate,
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    InvalidForm,
    Locked,
    NotFound,
    PreconditionRequired,
    StorageUnavailable,
    TooManyAttempts,
    Unauthorized,
    UnsupportedMediaType,
    ValidationError,
)
from webapp.uow import rollback

log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    ValidationError: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    Locked: 423,  # a document checked out to someone else
    PreconditionRequired: 428,  # a correction without the revision it was based on
    InvalidForm: 422,
    UnsupportedMediaType: 415,
    TooManyAttempts: 429,
    StorageUnavailable: 503,
    BrokenTemplate: 500,  # not the request's fault: the administrator's template
}

STORAGE_DOWN = "Хранилище недоступно, повторите позже"
BLOB_MISSING = "Файл недоступен в хранилище"
CORRUPTED = (
    "Файл в хранилище повреждён: его содержимое не совпадает с контрольной суммой (SHA-256), записанной при "
    "сохранении, и не выдаётся. Сообщите администратору: файл отмечен на странице «Хранилище», его нужно "
    "восстановить из резервной копии."
)

BUSY_RETRY_SECONDS = 5

HTTP_MESSAGES = {
    400: "Некорректный запрос",
    401: "Требуется вход",
    403: "Доступ запрещён",
    404: "Не найдено",
    405: "Метод не поддерживается",
    410: "Содержимое уничтожено",
    413: "Файл слишком большой",
    415: "Неподдерживаемый тип содержимого",
    429: "Слишком много запросов",
    500: "Внутренняя ошибка сервера",
    503: "Сервис временно недоступен",
}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(StorageError, _storage_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(IntegrityError, _integrity_error)
    app.register_error_handler(StaleDataError, _changed_meanwhile)  # a case's or document's revision moved on
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(PoolTimeout, _too_busy)
    app.register_error_handler(RecursionError, _input_out_of_range)
    app.register_error_handler(OverflowError, _input_out_of_range)  # SQLite: a number beyond 64 bits
    app.register_error_handler(DataError, _input_out_of_range)  # PostgreSQL: out of range for the column
    app.register_error_handler(Exception, _unexpected_error)


def error_response(status: int, code: str, message: str, details: list[Any] | None = None) -> Response:
    rollback()  # nothing half-written survives an error
    if _wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        if details:
            body["details"] = details
        response = jsonify(error=body)
    else:
        response = Response(render_template("error.html", status=status, message=message), mimetype="text/html")
    response.status_code = status
    if status == 401 and _wants_json():
        response.headers["WWW-Authenticate"] = 'Bearer realm="casefiles"'
    return response


def _wants_json() -> bool:
    """The API, and pages' background requests that ask for JSON (upload.js)."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _domain_error(exc: DomainError) -> Response:
    status = next((s for cls, s in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 400)
    return error_response(status, exc.code, exc.message, exc.details)


def storage_unavailable(exc: StorageError) -> StorageUnavailable:
    """What users are told of a storage failure, wherever it happened (services let StorageError through): its
    own text names keys and S3 codes, for logs and the CLI, never for a page."""
    if isinstance(exc, ContentMismatch):  # marked failed in fixity where it was found (webapp.blobs.integrity)
        return StorageUnavailable(CORRUPTED, code="blob_corrupted")
    if isinstance(exc, BlobNotFound):
        return StorageUnavailable(BLOB_MISSING, code="blob_missing")
    return StorageUnavailable(STORAGE_DOWN)


def _storage_error(exc: StorageError) -> Response:
    return _domain_error(storage_unavailable(exc))


def _csrf_error(exc: CSRFError) -> Response:
    message = "Форма устарела или отправлена не с этой страницы: обновите страницу и повторите"
    return error_response(400, "csrf_failed", message)


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(status, code, HTTP_MESSAGES.get(status, exc.name or "Ошибка"))


def _integrity_error(exc: IntegrityError) -> Response:
    log.info("integrity conflict on %s %s", request.method, request.url_rule)
    return error_response(409, "conflict", "Данные изменены одновременно другим пользователем, повторите")


def _changed_meanwhile(exc: StaleDataError) -> Response:
    log.info("stale revision on %s %s", request.method, request.url_rule)
    message = "Запись изменена другим пользователем, пока вы её правили: обновите страницу и повторите"
    return error_response(409, "changed_meanwhile", message)


def _database_unavailable(exc: OperationalError) -> Response:
    log.error("database error on %s %s: %s", request.method, request.url_rule, type(exc.orig).__name__)
    return error_response(503, "database_unavailable", "База данных недоступна, повторите позже")


def _too_busy(exc: PoolTimeout) -> Response:
    """Every database connection of the process stayed in use for the pool's timeout: more requests at once than
    the process serves (`casefiles run` under load, a pool smaller than the server's threads)."""
    log.warning("no database connection came free in time on %s %s", request.method, request.url_rule)
    response = error_response(503, "busy", "Сервер перегружен, повторите через несколько секунд")
    response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return response


def _input_out_of_range(exc: Exception) -> Response:
    """A number too large for the database column or the arithmetic, data nested too deep: input validation
    missed it (ids are checked by validation.RecordId and the route converter), but it is the request's fault."""
    _log_place(logging.WARNING, "refused", exc)
    message = "Некорректный запрос: слишком большое число или слишком глубокая вложенность данных"
    return error_response(400, "out_of_range", message)


def _unexpected_error(exc: Exception) -> Response:
    _log_place(logging.ERROR, "unhandled", exc)
    return error_response(500, "internal", HTTP_MESSAGES[500])


def _log_place(level: int, what: str, exc: Exception) -> None:
    # Log the type and place only: exception text may quote user data.
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.log(level, "%s %s on %s %s\n%s", what, type(exc).__name__, request.method, request.url_rule, frames)
