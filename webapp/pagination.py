"""One page of a query, with the total count of all its rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from webapp.extensions import db

T = TypeVar("T")


def paginate(query: Select[T], *order_by: Any, page: int, per_page: int) -> tuple[Sequence[T], int]:
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(query.order_by(*order_by).offset((page - 1) * per_page).limit(per_page)).all()
    return items, total


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill (at least one, for an empty list)."""
    return max(1, -(-total // per_page))
