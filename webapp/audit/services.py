"""Recording audit events in the caller's transaction, each one linked into the hash chain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from webapp.audit.chain import event_hash
from webapp.audit.models import GENESIS, AuditChain, AuditEvent
from webapp.auth.models import User
from webapp.dbtypes import utcnow
from webapp.extensions import db
from webapp.pagination import paginate
from webapp.policy import Action, SystemActor, require


def record_event(
    actor: User | SystemActor | None, action: str, object_type: str, object_id: int | None, **details: Any
) -> AuditEvent:
    """Add an event; details hold ids and codes only, never names or document text. The actor is a user, the
    command line (SYSTEM: no user id, `"by": "system"` in the details) or None for nobody signed in (a failed
    login).

    Moving the chain's head is the first write, so the row lock it takes (PostgreSQL) or the write lock
    (SQLite) orders concurrent transactions: each event links to the one committed before it."""
    seq, prev_hash = _advance_chain()
    occurred_at = utcnow()
    actor_id = actor.id if actor else None
    if isinstance(actor, SystemActor):
        details = {**details, "by": actor.name}
    digest = event_hash(prev_hash, seq, occurred_at, actor_id, action, object_type, object_id, details)
    event = AuditEvent(
        seq=seq,
        occurred_at=occurred_at,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
        prev_hash=prev_hash,
        hash=digest,
    )
    db.session.add(event)
    db.session.execute(update(AuditChain).where(AuditChain.id == 1).values(hash=digest))
    return event


def _advance_chain() -> tuple[int, str]:
    moved = db.session.execute(
        update(AuditChain)
        .where(AuditChain.id == 1)
        .values(length=AuditChain.length + 1)
        .returning(AuditChain.length, AuditChain.hash)
    ).one_or_none()
    if moved is None:  # a database made before the chain: start it
        db.session.add(AuditChain(id=1, length=1, hash=GENESIS))
        db.session.flush()
        return 1, GENESIS
    length, prev_hash = moved
    return int(length), str(prev_hash)


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None  # username
    action: str | None = None  # an action, or a prefix ending in "." (e.g. "version.")
    object_type: str | None = None
    object_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def list_events(actor: User, filters: AuditFilters, *, page: int, per_page: int) -> tuple[Sequence[AuditEvent], int]:
    """The log, newest first, for heads and administrators. Reading it is not itself logged (that would grow the
    log with every look at it); what it shows are ids and codes only."""
    require(actor, Action.READ_AUDIT_LOG)
    query = select(AuditEvent)
    if filters.actor:
        query = query.join(User, AuditEvent.actor_id == User.id).where(User.username == filters.actor)
    if filters.action:
        if filters.action.endswith("."):
            query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        query = query.where(AuditEvent.object_id == filters.object_id)
    if filters.date_from:
        query = query.where(AuditEvent.occurred_at >= _midnight(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.occurred_at < _midnight(filters.date_to + dt.timedelta(days=1)))
    return paginate(query, AuditEvent.seq.desc(), page=page, per_page=per_page)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
