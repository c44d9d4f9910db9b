"""Archive inventories (описи дел) and acts on selecting files for destruction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.blobs.models import StoredFile
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base

RETENTION_CLASS_LABELS = {
    "permanent": "постоянного хранения",
    "long": "долговременного (свыше 10 лет) хранения",
    "temporary": "временного (до 10 лет) хранения",
}
ACT_STATUS_LABELS = {
    "draft": "Проект",
    "approved": "Утверждён, уничтожение идёт",
    "executed": "Исполнен",
    "cancelled": "Отменён",
}


class ArchiveInventory(Base):
    """The inventory of the cases of one closing year and retention class handed to the archive. Its DOCX is
    written once, when it is compiled, and kept: what was handed over never changes afterwards."""

    __tablename__ = "archive_inventories"
    __table_args__ = (UniqueConstraint("year", "number"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    number: Mapped[int]
    retention_class: Mapped[str] = mapped_column(String(20))
    case_count: Mapped[int]
    compiled_on: Mapped[dt.date]
    compiled_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    docx_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    pdf_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))  # made when first asked for

    compiled_by: Mapped[User] = relationship(lazy="joined")
    docx_file: Mapped[StoredFile] = relationship(lazy="joined", foreign_keys=[docx_file_id])
    pdf_file: Mapped[StoredFile | None] = relationship(lazy="joined", foreign_keys=[pdf_file_id])

    @property
    def docx_sha256(self) -> str | None:
        return self.docx_file.sha256

    @property
    def class_label(self) -> str:
        return RETENTION_CLASS_LABELS[self.retention_class]

    @property
    def label(self) -> str:
        return f"№ {self.number} за {self.year} год"


class DestructionAct(Base):
    """An act on selecting files for destruction. Drafted by the archivist from the expired cases, approved by
    the head; only then are the cases' contents destroyed. The act and the cases' metadata stay for good."""

    __tablename__ = "destruction_acts"
    __table_args__ = (UniqueConstraint("year", "number"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    drafted_on: Mapped[dt.date]
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_on: Mapped[dt.date | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    executed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written when the act is approved; a draft is rendered from the database each time it is read.
    docx_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    pdf_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))

    drafted_by: Mapped[User] = relationship(lazy="joined", foreign_keys=[drafted_by_id])
    approved_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[approved_by_id])
    docx_file: Mapped[StoredFile | None] = relationship(lazy="joined", foreign_keys=[docx_file_id])
    pdf_file: Mapped[StoredFile | None] = relationship(lazy="joined", foreign_keys=[pdf_file_id])

    @property
    def docx_sha256(self) -> str | None:
        return self.docx_file.sha256 if self.docx_file else None

    @property
    def status_label(self) -> str:
        return ACT_STATUS_LABELS.get(self.status, self.status)

    @property
    def label(self) -> str:
        return f"№ {self.number} от {self.drafted_on:%d.%m.%Y}"
