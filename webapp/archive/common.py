"""What the inventories and the destruction acts share."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.extensions import db
from webapp.policy import Action, require

BLANK_INSTITUTION = "_" * 40


def require_archivist(actor: User) -> None:
    require(actor, Action.KEEP_ARCHIVE)


def institution_name() -> str:
    return str(current_app.config["CASEFILES"].institution_name) or BLANK_INSTITUTION


def next_number(year_column: InstrumentedAttribute[int], number_column: InstrumentedAttribute[int], year: int) -> int:
    """Numbers run from 1 within a year; two at once collide on the unique (year, number) and one gets 409."""
    return int(db.session.scalar(select(func.coalesce(func.max(number_column), 0)).where(year_column == year)) or 0) + 1


def backlog(today: dt.date) -> tuple[int, int]:
    """What waits for the archivist: closed cases still to go into an inventory, and closed or transferred cases
    past their retention date that no destruction act names yet."""
    closed = select(func.count(Case.id)).where(Case.status == "closed")
    expired = select(func.count(Case.id)).where(
        Case.status.in_(("closed", "transferred")),
        Case.retention_until.is_not(None),
        Case.retention_until <= today,
        Case.destruction_act_id.is_(None),
    )
    return db.session.scalar(closed) or 0, db.session.scalar(expired) or 0
