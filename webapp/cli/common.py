"""What the commands share: domain errors shown as one-line messages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from storage import StorageError
from webapp.exceptions import DomainError
from webapp.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def domain_errors(func: F) -> F:
    """Show a domain error as a one-line message and exit 1, with the transaction rolled back."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            db.session.rollback()
            lines = [exc.message] + [_detail_line(detail) for detail in exc.details]
            raise click.ClickException("\n".join(lines)) from None
        except StorageError as exc:  # its message names a key and an S3 code at most, never personal data
            db.session.rollback()
            raise click.ClickException(f"storage: {exc}") from None

    return wrapper  # type: ignore[return-value]


def _detail_line(detail: Any) -> str:
    if isinstance(detail, dict):
        where = f"строка {detail['line']}: " if "line" in detail else ""
        return f"  {where}{detail.get('field', '')}: {detail.get('message', '')}"
    return f"  {detail}"
