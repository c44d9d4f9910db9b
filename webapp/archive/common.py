"""What the inventories and the destruction acts share."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from webapp.auth.models import User
from webapp.cases.permissions import can_keep_archive
from webapp.exceptions import Forbidden
from webapp.extensions import db

BLANK_INSTITUTION = "_" * 40


def require_archivist(actor: User) -> None:
    if not can_keep_archive(actor):
        raise Forbidden("Описи и акты об уничтожении ведёт архивариус")


def institution_name() -> str:
    return str(current_app.config["CASEFILES"].institution_name) or BLANK_INSTITUTION


def next_number(year_column: InstrumentedAttribute[int], number_column: InstrumentedAttribute[int], year: int) -> int:
    """Numbers run from 1 within a year; two at once collide on the unique (year, number) and one gets 409."""
    return int(db.session.scalar(select(func.coalesce(func.max(number_column), 0)).where(year_column == year)) or 0) + 1
