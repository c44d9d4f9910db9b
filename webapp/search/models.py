"""The search outbox: index changes queued in the same transaction as the change itself.

A row is marked applied once its change is in the index, and deleted a day later: a rebuild that ran
meanwhile replays the recent rows into the index it built."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base


class IndexOutbox(Base):
    __tablename__ = "index_outbox"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(index=True)
    operation: Mapped[str] = mapped_column(String(10))  # "index" or "remove"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)


class VersionText(Base):
    """Text recognised in a scan (OCR) of one version; the original is never changed. Personal data: destroyed
    with the case's content."""

    __tablename__ = "version_texts"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), unique=True)
    method: Mapped[str] = mapped_column(String(20))  # "ocr"
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchSwitch(Base):
    """Which index serves searches where CASEFILES_SEARCH is "auto": one row per backend switched to, written by
    `casefiles search migrate --to postgres` once its index is built (and by a new installation on PostgreSQL,
    whose empty index needs no building), read by every process at start. `built_from` is when the build began:
    what processes still on the old index change after it is replayed into the new one at a process's start
    (None for a new installation: no process ever searched another index)."""

    __tablename__ = "search_switches"

    backend: Mapped[str] = mapped_column(String(20), primary_key=True)
    built_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    switched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
