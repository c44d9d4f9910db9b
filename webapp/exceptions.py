"""Domain errors raised by services; webapp.errors maps them to HTTP in one place.

Messages are shown to users: they never contain personal data (names, addresses, document text).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        if code:
            self.code = code


class ValidationError(DomainError):
    code = "invalid"


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class Unauthorized(DomainError):
    code = "unauthorized"


class InvalidForm(DomainError):
    """Form values that do not fit the template: `details` lists every field with its Russian message."""

    code = "invalid_form"


class Conflict(DomainError):
    code = "conflict"


class Locked(DomainError):
    """The document is checked out to someone else («Взять на редактирование»): no new version, no check-out."""

    code = "locked"


class PreconditionRequired(DomainError):
    """A correction that must name the revision it was based on (`If-Match` or `revision`) did not."""

    code = "revision_required"


class Gone(DomainError):
    """The thing existed but its content was destroyed (by an approved destruction act)."""

    code = "gone"


class TooManyAttempts(DomainError):
    """Too many wrong secrets (a signing PIN) in a row: refused for a while (webapp.auth.throttle)."""

    code = "too_many_attempts"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"


class StorageUnavailable(DomainError):
    code = "storage_unavailable"


class BrokenTemplate(DomainError):
    """A stored form template that cannot be filled in (one uploaded before uploads were tried in the sandbox, or
    failing on values unlike the example): the administrator has to replace it."""

    code = "template_broken"


class ConfigurationError(DomainError):
    code = "configuration"


# What a page's form shows as a message above the form. Access errors are not among them: a Forbidden or
# NotFound from a form's action becomes the 403/404 error page, as for any other request.
FORM_ERRORS: tuple[type[DomainError], ...] = (
    ValidationError,
    InvalidForm,
    Conflict,
    Locked,
    PreconditionRequired,
    Gone,
    UnsupportedMediaType,
    StorageUnavailable,
    BrokenTemplate,
    TooManyAttempts,
)
