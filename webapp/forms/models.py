"""Form templates and their versions. A document version records the template version that made it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.blobs.models import StoredFile
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base


class FormTemplate(Base):
    __tablename__ = "form_templates"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    document_type: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    versions: Mapped[list[FormTemplateVersion]] = relationship(
        back_populates="template", order_by="FormTemplateVersion.number", lazy="selectin"
    )

    @property
    def latest(self) -> FormTemplateVersion:
        return self.versions[-1]


class FormTemplateVersion(Base):
    """Immutable like document versions: editing a template makes a new version."""

    __tablename__ = "form_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "number"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("form_templates.id"), index=True)
    number: Mapped[int]
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))  # the layout (DOCX)
    source: Mapped[str] = mapped_column(String(20))  # "builtin" or "upload"
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    template: Mapped[FormTemplate] = relationship(back_populates="versions")
    file: Mapped[StoredFile] = relationship(lazy="joined")

    @property
    def docx_sha256(self) -> str:
        assert self.file.sha256 is not None
        return self.file.sha256
