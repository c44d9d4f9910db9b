"""Deputies: who stands in for whom, and when (webapp.auth.models.Deputy)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from webapp.auth.models import Deputy, User
from webapp.extensions import db


def deputies_in_force(principal_id: int, day: dt.date) -> list[User]:
    """The active users standing in for `principal_id` on `day`."""
    rows = db.session.scalars(
        select(Deputy).where(
            Deputy.principal_id == principal_id,
            Deputy.revoked_at.is_(None),
            Deputy.starts_on <= day,
            Deputy.ends_on >= day,
        )
    )
    return [row.deputy for row in rows if row.deputy.is_active]
