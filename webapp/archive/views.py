"""The archivist's pages: inventories, the destruction list, destruction acts; the head approves acts here."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.archive import destruction, inventories
from webapp.archive.common import require_archivist
from webapp.archive.files import paper_response
from webapp.archive.models import RETENTION_CLASS_LABELS
from webapp.archive.paperwork import RETENTION_CLASSES
from webapp.cases import lifecycle
from webapp.exceptions import FORM_ERRORS, Forbidden, ValidationError
from webapp.policy import Action, allowed
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_int


@ui.get("/archive")
@login_required
def archive() -> str | Response:
    """Inventories by year, with what each retention class of that year still has to hand over."""
    actor = current_actor()
    if not allowed(actor, Action.KEEP_ARCHIVE):
        if allowed(actor, Action.APPROVE_DESTRUCTION):
            return redirect(url_for("ui.acts_page"))
        raise Forbidden("Раздел архива ведёт архивариус")
    year = parse_int(request.args.get("year"), "year", default=dt.date.today().year, minimum=1990, maximum=2100)
    pending = {kind: inventories.cases_to_inventory(year, kind) for kind in RETENTION_CLASSES}
    return render_template(
        "archive/index.html",
        year=year,
        pending=pending,
        years_pending=inventories.years_to_inventory(),
        class_labels=RETENTION_CLASS_LABELS,
        inventories=inventories.list_inventories(actor),
    )


@ui.post("/archive/inventories")
@login_required
def archive_compile_inventory() -> Response:
    year = parse_int(request.form.get("year"), "year", default=dt.date.today().year, minimum=1990, maximum=2100)
    try:
        inventory = inventories.compile_inventory(
            current_actor(), year, request.form.get("retention_class", ""), today=dt.date.today()
        )
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.archive", year=year))
    flash(f"Опись {inventory.label} составлена, дел передано в архив: {inventory.case_count}", "success")
    return redirect(url_for("ui.archive_inventory", inventory_id=inventory.id))


@ui.get("/archive/inventories/<int:inventory_id>")
@login_required
def archive_inventory(inventory_id: int) -> str:
    inventory = inventories.get_inventory(current_actor(), inventory_id)
    return render_template(
        "archive/inventory.html", inventory=inventory, cases=inventories.cases_of_inventory(inventory)
    )


@ui.get("/archive/inventories/<int:inventory_id>/<any(docx, pdf):kind>")
@login_required
def archive_inventory_file(inventory_id: int, kind: str) -> Response:
    inventory, data = inventories.inventory_file(current_actor(), inventory_id, kind)
    commit()
    return paper_response(data, kind, f"opis-{inventory.number}-{inventory.year}")


@ui.get("/archive/destruction")
@login_required
def archive_destruction() -> str:
    return render_template(
        "archive/destruction.html", found=destruction.destruction_list(current_actor(), dt.date.today())
    )


@ui.post("/archive/destruction/review/<int:case_id>")
@login_required
def archive_expert_review(case_id: int) -> Response:
    try:
        extend = request.form.get("extend_years") or None
        lifecycle.record_expert_review(
            current_actor(),
            case_id,
            request.form.get("decision", ""),
            request.form.get("protocol", ""),
            extend_years=parse_int(extend, "extend_years", default=0, minimum=1, maximum=50) if extend else None,
            today=dt.date.today(),
        )
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash("Отметка экспертной комиссии внесена", "success")
    return redirect(url_for("ui.archive_destruction"))


@ui.post("/archive/acts")
@login_required
def archive_draft_act() -> Response:
    require_archivist(current_actor())  # who may, before what was sent
    try:
        case_ids = [parse_int(raw, "case_id", default=0, minimum=1) for raw in request.form.getlist("case_id")]
        if not case_ids:
            raise ValidationError("Отметьте дела, которые войдут в акт")
        act = destruction.draft_act(current_actor(), case_ids, today=dt.date.today())
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.archive_destruction"))
    flash(f"Проект акта {act.label} составлен: передайте его на утверждение заведующему", "success")
    return redirect(url_for("ui.archive_act", act_id=act.id))


@ui.get("/archive/acts")
@login_required
def acts_page() -> str:
    return render_template("archive/acts.html", acts=destruction.list_acts(current_actor()))


@ui.get("/archive/acts/<int:act_id>")
@login_required
def archive_act(act_id: int) -> str:
    actor = current_actor()
    act = destruction.get_act(actor, act_id)
    return render_template(
        "archive/act.html",
        act=act,
        cases=destruction.cases_of_act(act),
        job=destruction.job_of_act(act),
        may_approve=allowed(actor, Action.APPROVE_DESTRUCTION),
        may_cancel=allowed(actor, Action.KEEP_ARCHIVE),
    )


@ui.post("/archive/acts/<int:act_id>/<any(approve, cancel):action>")
@login_required
def archive_act_action(act_id: int, action: str) -> Response:
    try:
        if action == "approve":
            destruction.approve_act(current_actor(), act_id, today=dt.date.today())
            message = "Акт утверждён: содержимое дел уничтожается"
        else:
            destruction.cancel_act(current_actor(), act_id)
            message = "Проект акта отменён, дела вернулись в список к уничтожению"
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("ui.archive_act", act_id=act_id))


@ui.get("/archive/acts/<int:act_id>/<any(docx, pdf):kind>")
@login_required
def archive_act_file(act_id: int, kind: str) -> Response:
    act, data = destruction.act_file(current_actor(), act_id, kind)
    commit()
    return paper_response(data, kind, f"akt-{act.number}-{act.year}")
