"""The record of every backup taken (`casefiles backup`): what the «Хранилище» page and the overdue-backup warning
read. The backup itself lives outside the application (webapp.backups.archive)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.dbtypes import UTCDateTime
from webapp.extensions import Base

BACKUP_OUTCOMES = {"ok": "успешно", "failed": "с ошибкой"}


class BackupRun(Base):
    """One run of `casefiles backup`, written when it ends (a row written before would be in its own copy of the
    database as a backup that never ended). `message` names the first problem of a failed run: a file, a count,
    a tool's complaint — never the content of a record."""

    __tablename__ = "backup_runs"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(10))  # a key of BACKUP_OUTCOMES
    destination: Mapped[str] = mapped_column(String(1000))  # the backup folder (DEST), as the administrator named it
    set_name: Mapped[str | None] = mapped_column(String(40))  # the backup's folder in DEST's sets/, when written
    blobs: Mapped[int] = mapped_column(default=0)  # stored files the backed-up database expects
    blobs_copied: Mapped[int] = mapped_column(default=0)  # of them, copied by this run (the rest were already there)
    bytes_copied: Mapped[int] = mapped_column(BigInteger, default=0)
    message: Mapped[str] = mapped_column(Text, default="")

    @property
    def outcome_label(self) -> str:
        return BACKUP_OUTCOMES.get(self.outcome, self.outcome)
