"""One notification per recipient and fact, each user's choice of channel per kind, and the record of every
e-mail sent or tried (the outbox)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base

# "app": in the app, and by e-mail only in the daily digest of what is still unread (webapp.notifications.digest).
CHANNELS = {
    "email": "Сразу по почте и в приложении",
    "app": "В приложении и в ежедневной сводке",
    "off": "Не уведомлять",
}
MAIL_STATUSES = {"waiting": "Ожидает отправки", "sent": "Отправлено", "failed": "Не отправлено"}


class Notification(Base):
    """Something `user` should know. The objects it is about are referenced, never copied: what the inbox shows of
    them (a title, a heading) is read when shown, with the reader's permissions. `dedup_key` makes a repeated fact
    (a deadline due, checked every day) notify once."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "dedup_key"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # a key of webapp.notifications.kinds.KINDS
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Delivered to a deputy: the absent user it was meant for.
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    hearing_id: Mapped[int | None] = mapped_column(ForeignKey("hearings.id", ondelete="CASCADE"))
    # Non-personal particulars: a deadline's kind code and due date, a count.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedup_key: Mapped[str | None] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(10), default="app")  # the recipient's choice when it was made
    # Covered by e-mail: sent at once, or in a daily digest.
    digested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id], lazy="joined")
    case: Mapped[Case | None] = relationship(lazy="joined")


class NotificationSetting(Base):
    """A user's choice for one kind of notification; without a row the kind's default for the role applies."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # a key of CHANNELS


class MailMessage(Base):
    """One e-mail: waiting, sent or failed for good, with its attempts. Its text carries no personal data (kinds,
    counts, case numbers and links only), so it may be kept as a record."""

    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_due", "status", "next_attempt_at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    category: Mapped[str] = mapped_column(String(10))  # "immediate" or "digest"
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="waiting")  # a key of MAIL_STATUSES
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class DailyMark(Base):
    """Something done once a day: `name` is e.g. "digest:17" (user 17's digest) or "deadline-scan"; `day` is the
    institution's date it was done for."""

    __tablename__ = "daily_marks"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    done_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
