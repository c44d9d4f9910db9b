"""The journal of social support work in a case: what happened and when, the facts deadlines and the statistical
report are computed from. Entries are case data (their notes may name people): they stay in the database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base

# kind: (label, {detail: label}); an entry of a kind with details names one of them.
EVENT_KINDS: dict[str, tuple[str, dict[str, str]]] = {
    "problem_detected": ("Выявлена проблема (трудная жизненная ситуация)", {}),
    "information_collected": ("Собрана и проанализирована информация", {}),
    "appeal": ("Обращение гражданина", {}),
    "ippsu_proposals": ("Подготовлены предложения в проект ИППСУ", {}),
    "ippsu_approved": ("Утверждена ИППСУ", {}),
    "ippsu_started": ("Начата реализация ИППСУ", {}),
    "recognized_in_need": (
        "Признан нуждающимся в социальном обслуживании",
        {"support": "в социальном сопровождении", "services": "в иных социальных услугах"},
    ),
    "service_ended": (
        "Снят с социального обслуживания",
        {"support": "с социального сопровождения", "services": "с иного социального обслуживания"},
    ),
    "home_visit": ("Посещение на дому", {}),
    "contact": ("Контакт с гражданином (звонок, приём)", {}),
    "effectiveness_assessed": ("Оценка эффективности программы", {}),
    "rehabilitation_started": ("Начата реабилитация «Семейный психолог»", {}),
    "rehabilitation_completed": ("Завершена реабилитация «Семейный психолог»", {}),
    "adaptation_report_sent": ("Направлен отчёт об исполнении программы социальной адаптации", {}),
    "prevention": (
        "Мероприятие по профилактике",
        {"raid": "совместный рейд", "letter": "письмо в другое ведомство", "other": "иное мероприятие"},
    ),
    "support_measure": (
        "Мероприятие социального сопровождения",
        {
            "medical": "медицинская помощь",
            "psychological": "психологическая помощь",
            "pedagogical": "педагогическая помощь",
            "legal": "юридическая помощь",
            "social": "социальная помощь",
        },
    ),
    "yard_management": (
        "«Дворовый» менеджмент",
        {
            "cultural": "культурно-досуговое мероприятие",
            "fitness": "физкультурно-оздоровительное мероприятие",
            "sport": "спортивное мероприятие",
            "tourism": "туристическое мероприятие",
            "volunteer": "добровольческая (волонтёрская) деятельность",
            "other_event": "иное мероприятие",
            "retraining": "содействие в профессиональной переподготовке",
            "employment": "содействие в трудоустройстве",
            "other": "иное",
        },
    ),
}


class SupportEvent(Base):
    """One entry of the journal. Written once; a mistaken entry is cancelled with a reason, not deleted."""

    __tablename__ = "support_events"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    detail: Mapped[str] = mapped_column(String(40), default="")
    occurred_on: Mapped[dt.date] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id], lazy="joined")

    @property
    def label(self) -> str:
        label, details = EVENT_KINDS.get(self.kind, (self.kind, {}))
        return f"{label}: {details[self.detail]}" if self.detail in details else label
