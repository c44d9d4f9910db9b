"""Case files: folders filed under one nomenclature entry for one year."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, String, Text, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import District, User
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base
from webapp.nomenclature.models import NomenclatureEntry

CASE_STATUSES = ("open", "closed", "transferred", "destroyed")
CASE_EVENT_ACTIONS = ("close", "reopen", "hold", "release", "expert_review", "transfer", "destroy")
STATUS_LABELS = {"open": "Открыто", "closed": "Закрыто", "transferred": "Передано в архив", "destroyed": "Уничтожено"}


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("entry_id", "sequence"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("nomenclature_entries.id"), index=True)
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    subject: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    opened_on: Mapped[dt.date]
    closed_on: Mapped[dt.date | None]
    retention_until: Mapped[dt.date | None]
    legal_hold_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # ЭПК: the expert commission's decision that the file may be destroyed (entries marked ЭПК need it first).
    expert_review_on: Mapped[dt.date | None]
    inventory_id: Mapped[int | None] = mapped_column(ForeignKey("archive_inventories.id"), index=True)
    transferred_on: Mapped[dt.date | None]
    destruction_act_id: Mapped[int | None] = mapped_column(ForeignKey("destruction_acts.id"), index=True)
    destroyed_on: Mapped[dt.date | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The specialist who works the case: its deadlines are theirs.
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Raised by every change of the row (SQLAlchemy's version counter): an edit names the revision it saw, and a
    # change made meanwhile by someone else makes it a 409 instead of being overwritten.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    entry: Mapped[NomenclatureEntry] = relationship(lazy="joined")
    district: Mapped[District] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id], lazy="joined")
    # Numbers the case had before its nomenclature entry was corrected (webapp.cases.corrections), oldest first.
    former_numbers: Mapped[list[FormerNumber]] = relationship(order_by="FormerNumber.id", lazy="selectin")

    __mapper_args__ = {"version_id_col": revision}

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def is_on_hold(self) -> bool:
        return self.legal_hold_since is not None

    @property
    def is_closed(self) -> bool:
        """Closed in the wide sense: closed, handed to the archive or destroyed; no new documents."""
        return self.status != "open"

    @property
    def needs_expert_review(self) -> bool:
        return self.entry.is_epk and self.expert_review_on is None


class CaseEvent(Base):
    """The history of a case: closing, reopening, legal holds, corrections of its details and of its documents',
    documents moved in and out, with the reason given. Reasons and the old and new values are case data (they
    may name people), so they live here, not in the audit log, which keeps ids and field names only."""

    __tablename__ = "case_events"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A correction: the document it concerns (None: the case itself) and what changed, as
    # [{"field": ..., "old": ..., "new": ...}] in the words the history shows.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    changes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    actor: Mapped[User] = relationship(lazy="joined")


class FormerNumber(Base):
    """A number a case had before its nomenclature entry was corrected: search and lookups by number still find
    the case under it. Numbers are never issued twice, so a former number names one case."""

    __tablename__ = "case_former_numbers"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    replaced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseGrant(Base):
    """Access to one case given to one user beyond their role (a psychologist added to a family's file, an
    administrator asked to look into a document, a commission member reading a hearing's cases): read, and add
    documents unless the user is an administrator or a commission member. Revoked or expired, not deleted: who
    could read a case, and when, stays on record."""

    __tablename__ = "case_grants"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A grant that ends by itself at this moment (a commission member's, until N days after the hearing whose
    # agenda holds the case: `hearing_id`); None lasts until revoked.
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    hearing_id: Mapped[int | None] = mapped_column(ForeignKey("hearings.id"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    granted_by: Mapped[User] = relationship(foreign_keys=[granted_by_id], lazy="joined")

    @classmethod
    def in_force(cls, now: dt.datetime | None = None) -> ColumnElement[bool]:
        """A WHERE clause: grants neither revoked nor expired."""
        now = now or utcnow()
        return and_(cls.revoked_at.is_(None), or_(cls.expires_at.is_(None), cls.expires_at > now))
