"""Commission hearings: the commissions a department brings its cases to (the institution's prevention council,
the municipal КДН и ЗП, any other the head adds), their hearings, the agenda items with the documents presented
and the decisions taken, and the personal links external members open the package through.

Texts entered here (the questions, what was heard and decided) are case data: they stay in the database, never in
the audit log, which keeps ids only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.blobs.models import StoredFile
from webapp.cases.models import Case
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.documents.models import Document, DocumentVersion
from webapp.extensions import Base
from webapp.jobs.models import Job

COMMISSION_KINDS = {
    "council": "Совет профилактики учреждения",
    "kdn": "Комиссия по делам несовершеннолетних и защите их прав",
    "other": "Иная комиссия",
}
MEMBER_ROLES = {"chair": "Председатель", "secretary": "Секретарь", "member": "Член комиссии"}

# planned -> agenda_sent -> held -> protocol_approved
HEARING_STATUSES = {
    "planned": "Запланировано",
    "agenda_sent": "Повестка разослана",
    "held": "Проведено",
    "protocol_approved": "Протокол утверждён",
}

# What a decision starts once the protocol is approved and its extract is filed in the case (webapp.hearings):
# programme_approved adds the journal entry «Утверждена ИППСУ» (the deadlines that follow it are computed from
# it, as for any entry), remove_from_support adds «Снят с социального сопровождения» and proposes to close the
# case, repeat_hearing plans an item for a later hearing; other only files the extract.
DECISION_KINDS = {
    "programme_approved": "Утвердить индивидуальную программу",
    "remove_from_support": "Снять с социального сопровождения",
    "repeat_hearing": "Рассмотреть повторно",
    "other": "Иное решение",
}

# The questions the head keeps for agendas (hearing_questions), as a new installation starts them.
DEFAULT_QUESTIONS = (
    "Утверждение индивидуальной программы предоставления социальных услуг",
    "Оценка положения семьи, находящейся в социально опасном положении",
    "Рассмотрение результатов реализации индивидуальной программы",
    "Снятие с социального сопровождения",
)


class Commission(Base):
    """A body that hears cases. Its protocols are filed as documents of `protocols_case` (a case under the
    nomenclature entry for them, e.g. 04-11); its internal members read a hearing's documents from the moment its
    agenda is sent until `access_days` after it."""

    __tablename__ = "commissions"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))  # a key of COMMISSION_KINDS
    protocols_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    access_days: Mapped[int] = mapped_column(default=14, server_default="14")
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    protocols_case: Mapped[Case | None] = relationship(lazy="joined")
    members: Mapped[list[CommissionMember]] = relationship(
        back_populates="commission", order_by="CommissionMember.id", lazy="selectin"
    )

    @property
    def kind_label(self) -> str:
        return COMMISSION_KINDS.get(self.kind, self.kind)

    @property
    def current_members(self) -> list[CommissionMember]:
        return [member for member in self.members if member.removed_at is None]


class CommissionMember(Base):
    """A member: a user of casefiles (`user`), or an external member without an account (name, position and
    organization; they read a package through a personal link)."""

    __tablename__ = "commission_members"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(300), default="")  # an external member's; a user's is their own
    position: Mapped[str] = mapped_column(String(300), default="")
    organization: Mapped[str] = mapped_column(String(300), default="")
    role: Mapped[str] = mapped_column(String(20), default="member")  # a key of MEMBER_ROLES
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    commission: Mapped[Commission] = relationship(back_populates="members")
    user: Mapped[User | None] = relationship(lazy="joined")

    @property
    def is_external(self) -> bool:
        return self.user_id is None

    @property
    def display_name(self) -> str:
        return self.user.full_name if self.user is not None else self.name

    @property
    def role_label(self) -> str:
        return MEMBER_ROLES.get(self.role, self.role)


class HearingQuestion(Base):
    """A question the head keeps for agenda items («Утверждение индивидуальной программы ...»)."""

    __tablename__ = "hearing_questions"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500), unique=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Hearing(Base):
    """A sitting of a commission (заседание). `starts_at` is UTC; pages show it in the institution's zone."""

    __tablename__ = "hearings"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id"), index=True)
    number: Mapped[str] = mapped_column(String(40), default="")  # the protocol's number, e.g. "5"
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    place: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="planned", index=True)  # a key of HEARING_STATUSES
    agenda_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    held_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Members' access (grants, links) ends at this moment: starts_at + the commission's access_days, fixed when
    # the agenda is sent.
    access_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The protocol, a document of the commission's protocols case, once rendered.
    protocol_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    protocol_approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The members' package: the job building it and, once built, its PDF.
    package_job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    package_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    package_built_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    commission: Mapped[Commission] = relationship(lazy="joined")
    protocol_document: Mapped[Document | None] = relationship()
    package_job: Mapped[Job | None] = relationship()
    package_file: Mapped[StoredFile | None] = relationship()
    items: Mapped[list[HearingItem]] = relationship(
        back_populates="hearing", order_by="HearingItem.position", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": revision}

    @property
    def status_label(self) -> str:
        return HEARING_STATUSES.get(self.status, self.status)


class HearingItem(Base):
    """A question about one case on a hearing's agenda, with its decision once taken. An item planned for a
    later hearing (a repeat hearing) has a commission and `planned_on` but no hearing until it is put on one."""

    __tablename__ = "hearing_items"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id"), index=True)
    hearing_id: Mapped[int | None] = mapped_column(ForeignKey("hearings.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("hearing_questions.id"))
    question: Mapped[str] = mapped_column(Text)  # as the agenda words it
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    planned_on: Mapped[dt.date | None]  # a repeat hearing's date, while no hearing holds the item
    origin_item_id: Mapped[int | None] = mapped_column(ForeignKey("hearing_items.id"))  # the item that planned it
    # The protocol's words for the item: слушали / выступили / решили, and the decision's kind.
    heard: Mapped[str] = mapped_column(Text, default="")
    spoke: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    decision_kind: Mapped[str | None] = mapped_column(String(30))  # a key of DECISION_KINDS
    repeat_on: Mapped[dt.date | None]  # for repeat_hearing: when to hear the case again
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Filed back once the protocol is approved: the extract in the case, and the journal entry it started.
    extract_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    support_event_id: Mapped[int | None] = mapped_column(ForeignKey("support_events.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    hearing: Mapped[Hearing | None] = relationship(back_populates="items")
    case: Mapped[Case] = relationship(lazy="joined")
    speaker: Mapped[User | None] = relationship(foreign_keys=[speaker_id], lazy="joined")
    extract_document: Mapped[Document | None] = relationship(foreign_keys=[extract_document_id])
    documents: Mapped[list[HearingItemDocument]] = relationship(
        back_populates="item", order_by="HearingItemDocument.position", lazy="selectin"
    )

    @property
    def decision_label(self) -> str:
        return DECISION_KINDS.get(self.decision_kind or "", "")


class HearingItemDocument(Base):
    """A document presented with an item. `version` is the version the package shows (fixed when the package is
    built; None until then: the approved, else the latest); `is_new` marks what was added since the case's
    previous hearing."""

    __tablename__ = "hearing_item_documents"
    __table_args__ = (UniqueConstraint("item_id", "document_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("hearing_items.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id"))
    position: Mapped[int] = mapped_column(default=0)
    is_new: Mapped[bool] = mapped_column(default=False, server_default=false())

    item: Mapped[HearingItem] = relationship(back_populates="documents")
    document: Mapped[Document] = relationship(lazy="joined")
    version: Mapped[DocumentVersion | None] = relationship()


class HearingLink(Base):
    """An external member's personal link to a hearing's package. Only the SHA-256 of its token is kept; the
    token itself is shown once, to the head who makes the link."""

    __tablename__ = "hearing_links"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(ForeignKey("hearings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("commission_members.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    openings: Mapped[int] = mapped_column(default=0, server_default="0")

    hearing: Mapped[Hearing] = relationship(lazy="joined")
    member: Mapped[CommissionMember] = relationship(lazy="joined")
