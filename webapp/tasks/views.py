"""Task forms: «Поручить задачу» on the case page, and closing or cancelling a task wherever it is listed (the case
page, the dashboard, the deadlines page). The lists themselves are panels (webapp.tasks.panels)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.exceptions import FORM_ERRORS
from webapp.runtime import local_today
from webapp.tasks import services
from webapp.tasks.schemas import TaskChange, TaskInput
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_input, parse_optional_int


@ui.post("/cases/<int:case_id>/tasks")
@login_required
def task_give(case_id: int) -> Response:
    form = request.form
    try:
        due_on = form.get("due_on", "").strip() or None
        data = parse_input(
            TaskInput,
            {
                "case_id": case_id,
                "document_id": parse_optional_int(form.get("document_id"), "document_id"),
                "title": form.get("title", ""),
                "note": form.get("note", ""),
                "assignee": form.get("assignee", ""),
                # A date given wins over the number of working days the form also offers.
                "working_days": None if due_on else parse_optional_int(form.get("working_days"), "working_days"),
                "due_on": due_on,
            },
        )
        task = services.give_task(current_actor(), data, today=local_today())
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash(f"Задача поручена, срок — {task.due_on.strftime('%d.%m.%Y')}", "success")
    return redirect(url_for("ui.case", case_id=case_id, _anchor="tasks"))


@ui.post("/tasks/<int:task_id>/close")
@login_required
def task_close(task_id: int) -> Response:
    """Done or declined (with a reason) by the assignee; declined (cancelled) by whoever gave it."""
    task = services.get_task(current_actor(), task_id)  # 404 before anything else
    back = _back(task.case_id)
    try:
        data = parse_input(
            TaskChange, {"status": request.form.get("status", ""), "reason": request.form.get("reason", "")}
        )
        task = services.change_task(current_actor(), task_id, data, today=local_today())
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash(f"Задача: {services.status_label(task).lower()}", "success")
    return redirect(back)


def _back(case_id: int) -> str:
    """Where the form was: the dashboard, the deadlines page, or the case page (the default)."""
    match request.form.get("back"):
        case "dashboard":
            return url_for("ui.cases")
        case "deadlines":
            return url_for("ui.deadlines_page")
        case _:
            return url_for("ui.case", case_id=case_id, _anchor="tasks")
