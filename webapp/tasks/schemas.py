"""Input of the task endpoints and pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pydantic

from webapp.validation import RecordId, StrictInput

MAX_WORKING_DAYS = 250  # about a year of working days
Scope = Literal["assigned", "given", "case"]
SCOPES: tuple[str, ...] = ("assigned", "given", "case")


class TaskInput(StrictInput):
    """A task: its case (and perhaps one of the case's documents), what to do, who does it (a username) and when it
    is due: in `working_days` working days from today, or on `due_on` (a working day, today or later)."""

    case_id: RecordId
    document_id: RecordId | None = None
    title: str = pydantic.Field(min_length=1, max_length=200)
    note: str = pydantic.Field(default="", max_length=5000)
    assignee: str = pydantic.Field(min_length=1, max_length=64)
    working_days: int | None = pydantic.Field(default=None, strict=True, ge=1, le=MAX_WORKING_DAYS)
    due_on: dt.date | None = None

    @pydantic.model_validator(mode="after")
    def _one_due(self) -> TaskInput:
        if (self.working_days is None) == (self.due_on is None):
            raise ValueError("укажите срок: либо working_days — число рабочих дней, либо due_on — дату")
        return self


class TaskChange(StrictInput):
    """A change of a task: its status (done, declined: with a reason) or, by whoever gave it, its due date or its
    assignee while it is open."""

    status: Literal["done", "declined"] | None = None
    reason: str = pydantic.Field(default="", max_length=2000)
    due_on: dt.date | None = None
    assignee: str | None = pydantic.Field(default=None, min_length=1, max_length=64)

    @pydantic.model_validator(mode="after")
    def _something(self) -> TaskChange:
        if self.status is None and self.due_on is None and self.assignee is None:
            raise ValueError("укажите, что изменить: status, due_on или assignee")
        if self.status is not None and (self.due_on is not None or self.assignee is not None):
            raise ValueError("закрытие задачи и изменение срока или исполнителя — разные запросы")
        if self.status == "declined" and not self.reason:
            raise ValueError("reason: укажите причину отказа")
        return self


@dataclass(frozen=True)
class TaskFilters:
    """Which tasks a list shows: assigned to the caller (the default), given by them, or every task of a case
    (`case`, with `case_id`); `case_id` also narrows the other two; `status` one of the task statuses."""

    scope: str = "assigned"
    case_id: int | None = None
    status: str | None = None
