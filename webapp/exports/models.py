"""Exported case files: a PDF dossier or a verifiable ZIP for a commission hearing, kept for a limited time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ColumnElement, ForeignKey, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.blobs.models import StoredFile, live_key_of
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base
from webapp.jobs.models import Job

EXPORT_FORMATS = ("pdf", "zip")
VERSION_CHOICES = ("approved", "all")  # per document the approved (else latest) version, or every version


class Export(Base):
    __tablename__ = "exports"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(String(10))
    versions: Mapped[str] = mapped_column(String(10), default="approved")
    case_ids: Mapped[list[int]] = mapped_column(JSON)  # in the order asked for: a hearing's agenda
    title: Mapped[str] = mapped_column(String(300), default="")  # a hearing's name, e.g. «Заседание КДН 25.11»
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))  # once made
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    job: Mapped[Job] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(lazy="joined")
    file: Mapped[StoredFile | None] = relationship(lazy="joined")

    @hybrid_property
    def blob_key(self) -> str | None:
        """The key of the file once made; None again once it is deleted."""
        return self.file.key if self.file is not None and self.file.deleted_at is None else None

    @blob_key.inplace.expression
    @classmethod
    def _blob_key_expression(cls) -> ColumnElement[str | None]:
        return live_key_of(cls.file_id)

    @property
    def sha256(self) -> str | None:
        return self.file.sha256 if self.file is not None else None

    @property
    def size(self) -> int | None:
        return self.file.size if self.file is not None else None

    @property
    def is_hearing(self) -> bool:
        return len(self.case_ids) > 1

    @property
    def filename(self) -> str:
        """Generic on purpose: case numbers and titles stay out of file names that travel by e-mail."""
        kind = "hearing" if self.is_hearing else "case-file"
        return f"{kind}-{self.id}.{self.format}"
