"""Input of the hearing endpoints and pages."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pydantic

from webapp.validation import RecordId, StrictInput

CommissionKind = Literal["council", "kdn", "other"]
MemberRole = Literal["chair", "secretary", "member"]
DecisionKind = Literal["programme_approved", "remove_from_support", "repeat_hearing", "other"]


class MemberInput(StrictInput):
    """A member: `username` for a user of casefiles, else an external member's name (and position,
    organization)."""

    username: str | None = pydantic.Field(default=None, min_length=1, max_length=64)
    name: str = pydantic.Field(default="", max_length=300)
    position: str = pydantic.Field(default="", max_length=300)
    organization: str = pydantic.Field(default="", max_length=300)
    role: MemberRole = "member"

    @pydantic.model_validator(mode="after")
    def _user_or_name(self) -> MemberInput:
        if (self.username is None) == (not self.name):
            raise ValueError("укажите либо username пользователя, либо name внешнего участника")
        return self


class CommissionInput(StrictInput):
    name: str = pydantic.Field(min_length=1, max_length=300)
    kind: CommissionKind = "council"
    protocols_case_id: RecordId | None = None  # the case its protocols are filed in
    access_days: int = pydantic.Field(default=14, ge=0, le=90)
    members: list[MemberInput] = pydantic.Field(default_factory=list, max_length=50)


class QuestionInput(StrictInput):
    title: str = pydantic.Field(min_length=1, max_length=500)


class HearingInput(StrictInput):
    commission_id: RecordId
    starts_at: dt.datetime  # with a zone offset, or naive meaning the institution's local time
    place: str = pydantic.Field(default="", max_length=300)
    number: str = pydantic.Field(default="", max_length=40)

    @pydantic.field_validator("starts_at")
    @classmethod
    def _plausible_year(cls, value: dt.datetime) -> dt.datetime:
        # Years near the calendar's ends overflow when moved to UTC or counted (the protocol's number).
        if not 2000 <= value.year <= 2100:
            raise ValueError("год заседания — от 2000 до 2100")
        return value


class ItemInput(StrictInput):
    """An agenda item: the case, the question (one the head keeps, by id, or free text), the speaker (by default
    the case's responsible specialist) and the documents to present (by default the case's latest passport and
    programme and everything added since the case was last heard)."""

    case_id: RecordId
    question_id: RecordId | None = None
    question: str = pydantic.Field(default="", max_length=2000)
    speaker: str | None = pydantic.Field(default=None, min_length=1, max_length=64)  # username
    document_ids: list[RecordId] | None = pydantic.Field(default=None, max_length=200)

    @pydantic.model_validator(mode="after")
    def _some_question(self) -> ItemInput:
        if self.question_id is None and not self.question:
            raise ValueError("укажите вопрос: question_id из списка или текст question")
        return self


class DecisionInput(StrictInput):
    """The protocol's words for an item (слушали / выступили / решили) and the decision's kind."""

    kind: DecisionKind
    decision: str = pydantic.Field(min_length=1, max_length=10000)
    heard: str = pydantic.Field(default="", max_length=10000)
    spoke: str = pydantic.Field(default="", max_length=10000)
    repeat_on: dt.date | None = None  # for repeat_hearing: when to hear the case again

    @pydantic.model_validator(mode="after")
    def _repeat_date(self) -> DecisionInput:
        if self.kind == "repeat_hearing" and self.repeat_on is None:
            raise ValueError("для повторного рассмотрения укажите repeat_on — дату")
        return self
