"""Documents of a case and their immutable versions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, String, Text, UniqueConstraint, event, false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.blobs.models import StoredFile, key_of
from webapp.cases.models import Case
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base
from webapp.forms.models import FormTemplateVersion

if TYPE_CHECKING:
    from webapp.signing.models import Signature

DOCUMENT_TYPES = {
    "inspection_act": "Акт обследования материально-бытовых условий",
    "family_passport": "Социальный паспорт семьи",
    "cooperation_agreement": "Соглашение о сотрудничестве",
    "district_passport": "Социальный паспорт участка",
    "ippsu_conclusion": "Заключение по результатам реализации ИППСУ",
    "statistical_report": "Статистический отчёт",
    "hearing_protocol": "Протокол заседания комиссии",
    "protocol_extract": "Выписка из протокола заседания",
    "scan": "Скан-копия",
    "other": "Иной документ",
}


# The approval workflow of a document; the status belongs to its latest version, earlier ones are superseded.
DOCUMENT_STATUSES = {
    "draft": "Черновик",
    "on_approval": "На утверждении",
    "approved": "Утверждён",
    "annulled": "Аннулирован",
}
SUPERSEDED_LABEL = "Заменена новой версией"


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
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    # Raised by every change of the row (as Case.revision): a correction names the revision it saw.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    case: Mapped[Case] = relationship(lazy="joined")
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": revision}

    @property
    def latest_version(self) -> DocumentVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def type_label(self) -> str:
        return DOCUMENT_TYPES.get(self.type, self.type)

    @property
    def status_label(self) -> str:
        return DOCUMENT_STATUSES.get(self.status, self.status)

    def version_status(self, version: DocumentVersion) -> str:
        latest = self.latest_version
        return self.status if latest is not None and version.number == latest.number else "superseded"


class DocumentVersion(Base):
    """A version is written once: its row and its blob never change; a correction is a new version."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    # Form documents: the template version that rendered this version, and the field values it was filled with.
    template_version_id: Mapped[int | None] = mapped_column(ForeignKey("form_template_versions.id"))
    form_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A scan of a paper original signed by hand; who signed it is in paper_signatures.
    signed_on_paper: Mapped[bool] = mapped_column(default=False, server_default=false())

    document: Mapped[Document] = relationship(back_populates="versions")
    file: Mapped[StoredFile] = relationship(lazy="joined")
    author: Mapped[User] = relationship(lazy="joined")
    template_version: Mapped[FormTemplateVersion | None] = relationship(lazy="joined")
    paper_signatures: Mapped[list[PaperSignature]] = relationship(order_by="PaperSignature.position", lazy="selectin")
    signatures: Mapped[list[Signature]] = relationship(
        order_by="Signature.id", lazy="selectin", back_populates="version", viewonly=True
    )

    @hybrid_property
    def blob_key(self) -> str:
        return self.file.key

    @blob_key.inplace.expression
    @classmethod
    def _blob_key_expression(cls) -> ColumnElement[str]:
        return key_of(cls.file_id)

    @property
    def sha256(self) -> str:
        assert self.file.sha256 is not None  # recorded for every version since the first
        return self.file.sha256

    @property
    def size(self) -> int:
        assert self.file.size is not None
        return self.file.size

    @property
    def media_type(self) -> str:
        return self.file.media_type


class PaperSignature(Base):
    """A handwritten signature on the paper original a version is a scan of: who signed, in what role."""

    __tablename__ = "paper_signatures"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100))


class DocumentCheckout(Base):
    """A working copy taken out («Взять на редактирование»): until its holder checks a new version in or cancels
    (or the head breaks it, with a reason), no one else adds versions to the document or takes it out."""

    __tablename__ = "document_checkouts"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    holder: Mapped[User] = relationship(lazy="joined")


class DocumentTransition(Base):
    """One step of the approval workflow: who moved which version from what status to what, when and why."""

    __tablename__ = "document_transitions"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version_number: Mapped[int]
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # A deputy's step: the absent user the actor stood in for («и. о.», webapp.auth.deputies).
    acting_for_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User] = relationship(lazy="joined", foreign_keys=[actor_id])
    acting_for: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[acting_for_id])


@event.listens_for(DocumentVersion, "before_update")
def _refuse_version_update(mapper: Any, connection: Any, target: DocumentVersion) -> None:
    raise RuntimeError("document versions are immutable")
