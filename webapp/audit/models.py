"""Audit events: who did what to which object. Ids only, never personal data.

The log is append-only and hash-chained: each event carries the SHA-256 of the previous event's hash and its own
content, and the chain's head (length and last hash) is kept in one row that every new event moves under a row
lock, so events are strictly ordered by `seq` and a changed, removed or inserted event breaks the chain
(`casefiles audit verify`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base

GENESIS = "0" * 64  # the hash "before" the first event


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)  # position in the chain, 1-based
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChain(Base):
    """The head of the chain: one row (id 1)."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    length: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
