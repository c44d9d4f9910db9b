"""Derived PDF renditions of document versions, stored once per version beside the original."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.blobs.models import StoredFile
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base


class Rendition(Base):
    __tablename__ = "renditions"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), unique=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    file: Mapped[StoredFile] = relationship(lazy="joined")
