"""Task endpoints: `GET /tasks` (assigned to the caller by default; `scope=given`, or `scope=case` with `case_id`
for every task of a case; `status`), `POST /tasks`, `PATCH /tasks/{id}` (close it, or move its date or give it to
another colleague). Dates count in the institution's time (CASEFILES_TIMEZONE)."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.api import actor, api, json_body, page_params, paginated
from webapp.runtime import local_today
from webapp.tasks import services
from webapp.tasks.schemas import TaskChange, TaskFilters, TaskInput
from webapp.tasks.serializers import task_json
from webapp.uow import commit
from webapp.validation import MAX_ID, parse_input, parse_optional_int


@api.get("/tasks")
def list_tasks() -> dict[str, Any]:
    filters = TaskFilters(
        scope=request.args.get("scope") or "assigned",
        case_id=parse_optional_int(request.args.get("case_id"), "case_id", maximum=MAX_ID),
        status=request.args.get("status") or None,
    )
    page, per_page = page_params()
    found, total = services.find_tasks(actor(), filters, page=page, per_page=per_page)
    today = local_today()
    return paginated(found, total, lambda task: task_json(task, today))


@api.post("/tasks")
def give_task() -> tuple[dict[str, Any], int]:
    today = local_today()
    task = services.give_task(actor(), parse_input(TaskInput, json_body()), today=today)
    commit()
    return task_json(task, today), 201


@api.get("/tasks/<int:task_id>")
def get_task(task_id: int) -> dict[str, Any]:
    return task_json(services.get_task(actor(), task_id), local_today())


@api.patch("/tasks/<int:task_id>")
def change_task(task_id: int) -> dict[str, Any]:
    today = local_today()
    task = services.change_task(actor(), task_id, parse_input(TaskChange, json_body()), today=today)
    commit()
    return task_json(task, today)
