"""A task one colleague gives another about a case (and perhaps one of its documents)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.documents.models import Document
from webapp.extensions import Base

TASK_STATUSES = {"open": "В работе", "done": "Выполнена", "declined": "Отклонена"}


class Task(Base):
    """«Подготовить выписку», «повторный выход в семью»: due `working_days` working days (the production calendar)
    after it was given, on `due_on`. The title and note are case data: never in the audit log or an e-mail."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_assignee_status", "assignee_id", "status"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    working_days: Mapped[int]
    due_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(10), default="open")  # a key of TASK_STATUSES
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(lazy="joined")
    document: Mapped[Document | None] = relationship()
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id], lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="joined")

    @property
    def status_label(self) -> str:
        return TASK_STATUSES[self.status]
