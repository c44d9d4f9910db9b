"""The deputies page («Заместители»): one's own deputies (name one, revoke), whom one stands in for now; for the
head, everyone's, and naming a deputy for anyone."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.auth.deputies import candidates, list_deputies, may_take, principals_in_force, revoke_deputy
from webapp.auth.deputies_schemas import name_from_input
from webapp.exceptions import FORM_ERRORS
from webapp.policy import Action, allowed
from webapp.runtime import local_today
from webapp.ui import current_actor, ui
from webapp.uow import commit

FIELDS = ("principal", "deputy", "starts_on", "ends_on")


@ui.app_template_global("may_take")
def may_take_here(action: Action | str) -> bool:
    """For pages, as `allowed`, and true also for a deputy in force for someone who is (approvals, «утверждаю»)."""
    return bool(current_user.is_authenticated) and may_take(current_actor(), Action(action))


@ui.get("/account/deputies")
@login_required
def deputies_page() -> str:
    actor, today = current_actor(), local_today()
    standing_in_for = principals_in_force(actor.id, today)
    return render_template(
        "deputies/page.html",
        rows=list_deputies(actor, include_past=request.args.get("past") == "1"),
        standing_in_for=standing_in_for,
        approves_for=[user for user in standing_in_for if allowed(user, Action.APPROVE_DOCUMENTS)],
        people=candidates(),
        names_for_others=allowed(actor, Action.NAME_DEPUTIES),
        today=today,
        past=request.args.get("past") == "1",
    )


@ui.post("/account/deputies")
@login_required
def deputy_name_page() -> Response:
    fields = {key: request.form.get(key, "").strip() for key in FIELDS}
    data = {key: value for key, value in fields.items() if value or key != "principal"}
    try:
        row = name_from_input(current_actor(), data)
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash(f"Заместитель назначен с {row.starts_on:%d.%m.%Y} по {row.ends_on:%d.%m.%Y}", "success")
    return redirect(url_for("ui.deputies_page"))


@ui.post("/account/deputies/<int:deputy_id>/revoke")
@login_required
def deputy_revoke_page(deputy_id: int) -> Response:
    try:
        revoke_deputy(current_actor(), deputy_id)
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash("Заместительство отменено", "success")
    return redirect(url_for("ui.deputies_page"))
