"""The demo's tasks: the head asks each specialist for something on one of their open cases, so their first screen,
deadlines page and bell show a task (and the head's «given by me» list two)."""

from __future__ import annotations

import datetime as dt

from demo.people import GALIEV, ORLOVA, SOKOLOVA
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.tasks.schemas import TaskInput
from webapp.tasks.services import give_task

TASKS = (
    (SOKOLOVA.username, "Подготовить выписку из протокола для КДН", 3),
    (GALIEV.username, "Повторный выход в семью: проверить условия проживания детей", 2),
)


def load_tasks(cases: list[Case], users: dict[str, User], today: dt.date) -> None:
    head = users[ORLOVA.username]
    for username, title, working_days in TASKS:
        assignee = users[username]
        case = next(c for c in cases if c.status == "open" and c.responsible_id == assignee.id)
        data = TaskInput(case_id=case.id, title=title, assignee=username, working_days=working_days)
        give_task(head, data, today=today)
