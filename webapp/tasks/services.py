"""Tasks colleagues give each other about a case: giving one, closing it, changing it, finding them.

The rules, in one place:
- Whoever sees a case may give a task about it (or one of its documents) to a colleague who sees it too, while the
  case is open; not to themselves (a task is something one asks of someone else).
- It is due in a number of working days on the production calendar (counted from the institution's today), or on
  a date given, which must be a working day, today or later.
- The assignee closes it: done, or declined with a reason. Whoever gave it may cancel it (it is declined, by the
  giver, with a reason), and while it is open move its due date or give it to another colleague. A closed task
  stays as it is.
- A task is seen, like the case's documents' titles, by whoever sees its case; one in a case the user may not see
  is «not found». Its title and note are case data: the audit log and the notifications name ids only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Select, case, select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.cases.permissions import can_see_case, readable_cases_clause
from webapp.cases.services import get_case
from webapp.dbtypes import utcnow
from webapp.documents.models import Document
from webapp.events import publish
from webapp.exceptions import Conflict, Forbidden, NotFound, ValidationError
from webapp.extensions import db
from webapp.pagination import paginate
from webapp.runtime import local_time
from webapp.support.calendar import WorkCalendar
from webapp.support.services import work_calendar
from webapp.tasks.events import TaskAssigned, TaskClosed
from webapp.tasks.models import TASK_STATUSES, Task
from webapp.tasks.schemas import SCOPES, TaskChange, TaskFilters, TaskInput

CANCELLED_LABEL = "Отменена поручившим"


def give_task(actor: User, data: TaskInput, *, today: dt.date) -> Task:
    """Give `data.assignee` a task about a case the actor sees; they are notified (task_assigned)."""
    case = get_case(actor, data.case_id)
    if case.status != "open":
        raise Conflict(f"Дело {case.number} не открыто: задачи даются по открытым делам", code="case_not_open")
    document = _document_of(case, data.document_id)
    assignee = _colleague(actor, case, data.assignee)
    calendar = work_calendar()
    if data.due_on is not None:
        due_on = check_due_date(calendar, data.due_on, today)
        working_days = calendar.working_days_between(today, due_on)
    else:
        working_days = data.working_days or 1
        due_on = calendar.add_working_days(today, working_days)
    task = Task(
        case_id=case.id,
        document_id=document.id if document is not None else None,
        title=data.title,
        note=data.note,
        assignee_id=assignee.id,
        created_by_id=actor.id,
        working_days=working_days,
        due_on=due_on,
    )
    db.session.add(task)
    db.session.flush()
    record_event(actor, "task.give", "task", task.id, case=case.id, assignee=assignee.id, due_on=due_on.isoformat())
    publish(TaskAssigned(task.id, assignee.id, actor.id))
    return task


def change_task(actor: User, task_id: int, data: TaskChange, *, today: dt.date) -> Task:
    """Close a task (the assignee: done or declined; the giver: declined, that is cancelled), or move its due date
    or give it to another colleague (the giver)."""
    task = get_task(actor, task_id)
    if task.status != "open":
        raise Conflict(f"Задача уже закрыта: {status_label(task).lower()}", code="task_closed")
    if data.status is not None:
        _close(actor, task, data.status, data.reason)
        return task
    if actor.id != task.created_by_id:
        raise Forbidden("Срок и исполнителя задачи меняет тот, кто её поручил", code="not_task_giver")
    if data.due_on is not None:
        calendar = work_calendar()
        task.due_on = check_due_date(calendar, data.due_on, today)
        task.working_days = calendar.working_days_between(local_time(task.created_at).date(), task.due_on)
    if data.assignee is not None:
        task.assignee_id = _colleague(actor, task.case, data.assignee).id
    db.session.flush()
    db.session.refresh(task)
    fields = sorted(name for name in ("due_on", "assignee") if getattr(data, name) is not None)
    record_event(actor, "task.change", "task", task.id, fields=fields, assignee=task.assignee_id)
    publish(TaskAssigned(task.id, task.assignee_id, actor.id))
    return task


def _close(actor: User, task: Task, status: str, reason: str) -> None:
    if actor.id == task.assignee_id:
        pass  # done or declined, as they say
    elif actor.id == task.created_by_id:
        if status != "declined":
            raise Forbidden("Отметить задачу выполненной может только исполнитель", code="not_task_assignee")
    else:
        raise Forbidden("Закрыть задачу может исполнитель или тот, кто её поручил", code="not_task_party")
    task.status = status
    task.decline_reason = reason if status == "declined" else ""
    task.closed_at = utcnow()
    task.closed_by_id = actor.id
    db.session.flush()
    record_event(actor, "task.close", "task", task.id, status=status, cancelled=actor.id != task.assignee_id)
    publish(TaskClosed(task.id, status, actor.id))


def check_due_date(calendar: WorkCalendar, due_on: dt.date, today: dt.date) -> dt.date:
    """A due date given: a working day, today or later."""
    if due_on < today:
        raise ValidationError(
            f"due_on: срок {due_text(due_on)} уже прошёл (сегодня {due_text(today)})", code="due_in_past"
        )
    if not calendar.is_working_day(due_on):
        following = calendar.add_working_days(due_on, 1)
        raise ValidationError(
            f"due_on: {due_text(due_on)} — нерабочий день (выходной или праздник); "
            f"ближайший рабочий день — {due_text(following)}",
            code="due_not_working_day",
        )
    return due_on


def _document_of(case: Case, document_id: int | None) -> Document | None:
    if document_id is None:
        return None
    document = db.session.get(Document, document_id)
    if document is None or document.case_id != case.id:
        raise ValidationError("document_id: в этом деле нет такого документа", code="invalid_document")
    return document


def _colleague(actor: User, case: Case, username: str) -> User:
    """The assignee: an active user, not the actor, who sees the case."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        raise ValidationError("assignee: пользователь не найден", code="invalid_assignee")
    if user.id == actor.id:
        raise ValidationError("assignee: задачу поручают коллеге, не себе", code="invalid_assignee")
    if not can_see_case(user, case):
        raise ValidationError(
            f"assignee: у пользователя {username} нет доступа к делу {case.number}", code="invalid_assignee"
        )
    return user


# --- reading ----------------------------------------------------------------------------------------------


def get_task(actor: User, task_id: int) -> Task:
    """A task in a case the actor sees; any other is reported as missing, so its existence does not leak."""
    task = db.session.get(Task, task_id)
    if task is None or not can_see_case(actor, task.case):
        raise NotFound("Задача не найдена")
    return task


def find_tasks(actor: User, filters: TaskFilters, *, page: int, per_page: int) -> tuple[Sequence[Task], int]:
    """Tasks by `filters`: open first, the earliest due first."""
    if filters.scope not in SCOPES:
        raise ValidationError("scope: допустимо " + ", ".join(SCOPES), code="invalid_parameter")
    if filters.status is not None and filters.status not in TASK_STATUSES:
        raise ValidationError("status: допустимо " + ", ".join(TASK_STATUSES), code="invalid_parameter")
    query = _visible(actor)
    if filters.scope == "case":
        if filters.case_id is None:
            raise ValidationError("case_id: укажите дело, чьи задачи показать", code="invalid_parameter")
        get_case(actor, filters.case_id)  # 404 for a case the actor may not see
    elif filters.scope == "given":
        query = query.where(Task.created_by_id == actor.id)
    else:
        query = query.where(Task.assignee_id == actor.id)
    if filters.case_id is not None:
        query = query.where(Task.case_id == filters.case_id)
    if filters.status is not None:
        query = query.where(Task.status == filters.status)
    return paginate(query, *_ORDER, page=page, per_page=per_page)


def open_tasks(actor: User, *, given: bool = False, limit: int | None = None) -> list[Task]:
    """The actor's open tasks (or those they gave), the earliest due (so the overdue) first."""
    owner = Task.created_by_id if given else Task.assignee_id
    query = _visible(actor).where(owner == actor.id, Task.status == "open").order_by(*_ORDER)
    return list(db.session.scalars(query.limit(limit)))


def case_tasks(actor: User, case: Case) -> list[Task]:
    """Every task of a case the actor sees: open first."""
    return list(db.session.scalars(select(Task).where(Task.case_id == case.id).order_by(*_ORDER)))


def _visible(actor: User) -> Select[Task]:
    query = select(Task).join(Task.case)
    clause = readable_cases_clause(actor)
    return query if clause is None else query.where(clause)


_ORDER = (case((Task.status == "open", 0), else_=1), Task.due_on, Task.id)


def status_label(task: Task) -> str:
    """«Выполнена», «Отклонена»; a task its giver declined is «Отменена поручившим»."""
    if task.status == "declined" and task.closed_by_id == task.created_by_id:
        return CANCELLED_LABEL
    return task.status_label


def is_overdue(task: Task, today: dt.date) -> bool:
    return task.status == "open" and task.due_on < today


def due_text(day: dt.date) -> str:
    """A date as notifications say it (dd.mm.yyyy)."""
    return day.strftime("%d.%m.%Y")
