"""Who learns what of tasks (webapp.notifications.services.notify), registered in webapp.wiring:

- a task given (or given to another colleague, or moved to another date): its assignee (task_assigned);
- a task closed: the other party, the giver when the assignee closes it, the assignee when the giver cancels it
  (task_closed);
- once a day (`scan_tasks`, DailyMark "task-scan"): each open task due within CASEFILES_NOTIFY_DUE_DAYS working
  days (task_due) or overdue (task_overdue) to its assignee, and one overdue by more than
  CASEFILES_ESCALATE_AFTER_DAYS working days also to the heads (whoever may approve documents), like deadlines.
  The dedup keys name the task and its due date, so each is told once per due date (a date moved is told again).
  Tasks of a case no longer open are not announced.

Notifications carry the case's number, the due date and the status only: a task's title and note are case data.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.extensions import db
from webapp.notifications.models import DailyMark
from webapp.notifications.services import notify
from webapp.policy import Action, roles_with
from webapp.runtime import local_today
from webapp.support.services import work_calendar
from webapp.tasks.events import TaskAssigned, TaskClosed
from webapp.tasks.models import Task
from webapp.tasks.services import due_text, status_label

SCAN_MARK = "task-scan"


def tell_assigned(event: TaskAssigned) -> None:
    task = db.session.get(Task, event.task_id)
    assignee = db.session.get(User, event.assignee_id)
    if task is None or assignee is None:
        return
    notify(
        "task_assigned",
        [assignee],
        actor_id=event.actor_id,
        case=task.case,
        document_id=task.document_id,
        task_id=task.id,
        params={"due": due_text(task.due_on)},
    )


def tell_closed(event: TaskClosed) -> None:
    task = db.session.get(Task, event.task_id)
    if task is None:
        return
    notify(  # the actor is never told of their own act: the other party is
        "task_closed",
        [task.created_by, task.assignee],
        actor_id=event.actor_id,
        case=task.case,
        document_id=task.document_id,
        task_id=task.id,
        params={"status": status_label(task)},
    )


def scan_tasks(today: dt.date | None = None) -> int:
    """Once a day (the institution's date): tell of the open tasks due soon or overdue. Returns how many
    notifications it made (0 when the day was already scanned)."""
    today = today or local_today()
    if db.session.get(DailyMark, (SCAN_MARK, today)) is not None:
        return 0
    db.session.add(DailyMark(name=SCAN_MARK, day=today))
    settings = current_app.config["CASEFILES"]
    calendar = work_calendar()
    horizon = calendar.add_working_days(today, settings.notify_due_days)
    due = db.session.scalars(
        select(Task)
        .join(Task.case)
        .where(Task.status == "open", Task.due_on <= horizon, Case.status == "open")  # a closed case's are moot
        .order_by(Task.id)
    )
    heads: list[User] | None = None
    made = 0
    for task in due:
        if task.due_on >= today:
            made += _tell(task, "task_due", [task.assignee], f"task-due:{task.id}:{task.due_on.isoformat()}")
            continue
        told = [task.assignee]
        if calendar.working_days_between(task.due_on, today) > settings.escalate_after_days:
            heads = _heads() if heads is None else heads
            told.extend(heads)
        # One key for the assignee and the heads: whoever was told of the miss is not told again when it escalates.
        made += _tell(task, "task_overdue", told, f"task-overdue:{task.id}:{task.due_on.isoformat()}")
    return made


def _tell(task: Task, kind: str, recipients: list[User], dedup_key: str) -> int:
    made = notify(
        kind,
        recipients,
        case=task.case,
        document_id=task.document_id,
        task_id=task.id,
        params={"due": due_text(task.due_on)},
        dedup_key=dedup_key,
    )
    return len(made)


def _heads() -> list[User]:
    query = select(User).where(User.role.in_(roles_with(Action.APPROVE_DOCUMENTS)), User.is_active.is_(True))
    return list(db.session.scalars(query.order_by(User.id)))
