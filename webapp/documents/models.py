"""Documents of a case and their immutable versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base
from webapp.forms.models import FormTemplateVersion

DOCUMENT_TYPES = {
    "inspection_act": "Акт обследования материально-бытовых условий",
    "family_passport": "Социальный паспорт семьи",
    "cooperation_agreement": "Соглашение о сотрудничестве",
    "district_passport": "Социальный паспорт участка",
    "ippsu_conclusion": "Заключение по результатам реализации ИППСУ",
    "statistical_report": "Статистический отчёт",
    "scan": "Скан-копия",
    "other": "Иной документ",
}


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(500))
    dated_on: Mapped[dt.date | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(lazy="joined")
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number", lazy="selectin"
    )

    @property
    def latest_version(self) -> DocumentVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def type_label(self) -> str:
        return DOCUMENT_TYPES.get(self.type, self.type)


class DocumentVersion(Base):
    """A version is written once: its row and its blob never change; a correction is a new version."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    blob_key: Mapped[str] = mapped_column(String(512), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(120))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    # Form documents: the template version that rendered this version, and the field values it was filled with.
    template_version_id: Mapped[int | None] = mapped_column(ForeignKey("form_template_versions.id"))
    form_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    document: Mapped[Document] = relationship(back_populates="versions")
    author: Mapped[User] = relationship(lazy="joined")
    template_version: Mapped[FormTemplateVersion | None] = relationship(lazy="joined")


@event.listens_for(DocumentVersion, "before_update")
def _refuse_version_update(mapper: Any, connection: Any, target: DocumentVersion) -> None:
    raise RuntimeError("document versions are immutable")
