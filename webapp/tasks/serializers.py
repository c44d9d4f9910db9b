"""JSON records of tasks. Times are UTC ISO 8601, dates ISO; a task's title and note are shown to whoever sees its
case, as its documents' titles are."""

from __future__ import annotations

import datetime as dt
from typing import Any

from webapp.auth.models import User
from webapp.tasks.models import Task
from webapp.tasks.services import is_overdue, status_label


def task_json(task: Task, today: dt.date) -> dict[str, Any]:
    return {
        "id": task.id,
        "case_id": task.case_id,
        "case_number": task.case.number,
        "document_id": task.document_id,
        "title": task.title,
        "note": task.note,
        "assignee": _person(task.assignee),
        "given_by": _person(task.created_by),
        "created_at": task.created_at.isoformat(),
        "working_days": task.working_days,
        "due_on": task.due_on.isoformat(),
        "is_overdue": is_overdue(task, today),
        "status": task.status,
        "status_label": status_label(task),
        "decline_reason": task.decline_reason,
        "closed_at": task.closed_at.isoformat() if task.closed_at else None,
        "closed_by": task.closed_by_id and _closer(task),
    }


def _person(user: User) -> dict[str, Any]:
    return {"username": user.username, "full_name": user.full_name}


def _closer(task: Task) -> str:
    return task.assignee.username if task.closed_by_id == task.assignee_id else task.created_by.username
