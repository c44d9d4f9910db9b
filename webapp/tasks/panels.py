"""What the pages show of tasks: the case page's panel, the dashboard's «Мои задачи» and the deadlines page's
tasks beside the computed deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.cases.permissions import can_see_case
from webapp.documents.services import DocumentTitle
from webapp.extensions import db
from webapp.tasks import services
from webapp.tasks.models import Task


@dataclass(frozen=True)
class TaskLine:
    """A task as a list shows it: its status as said to people, and whether it is overdue today."""

    task: Task
    status_label: str
    is_overdue: bool


def lines(tasks: Sequence[Task], today: dt.date) -> list[TaskLine]:
    return [TaskLine(task, services.status_label(task), services.is_overdue(task, today)) for task in tasks]


def case_tasks(actor: User, case: Case, documents: Sequence[DocumentTitle], today: dt.date) -> dict[str, Any]:
    """The case's tasks (open first) and, while the case is open, the form «Поручить задачу»: the colleagues who
    see the case."""
    may_give = case.status == "open"
    return {
        "lines": lines(services.case_tasks(actor, case), today),
        "may_give": may_give,
        "colleagues": _colleagues(actor, case) if may_give else [],
        "documents": documents,
        "today": today,
    }


def own_tasks(actor: User, today: dt.date, limit: int) -> list[TaskLine]:
    """The dashboard's «Мои задачи»: the actor's open tasks, the overdue first."""
    return lines(services.open_tasks(actor, limit=limit), today)


def deadline_tasks(actor: User, today: dt.date) -> dict[str, Any]:
    """The deadlines page's tasks: the open ones assigned to the actor and those they gave."""
    return {
        "assigned": lines(services.open_tasks(actor), today),
        "given": lines(services.open_tasks(actor, given=True), today),
    }


def _colleagues(actor: User, case: Case) -> list[User]:
    query = select(User).where(User.is_active.is_(True), User.id != actor.id).order_by(User.full_name)
    return [user for user in db.session.scalars(query) if can_see_case(user, case)]
