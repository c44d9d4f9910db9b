"""Case pages: the list of cases the user may see, and one case with its documents."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from webapp.auth.models import District
from webapp.cases import corrections, grants, lifecycle, services
from webapp.cases.permissions import (
    sees_all_cases,
)
from webapp.cases.schemas import CaseEdit, CaseInput
from webapp.exceptions import FORM_ERRORS, DomainError, ValidationError
from webapp.extensions import db
from webapp.nomenclature.models import NomenclatureEntry
from webapp.policy import Action, require
from webapp.runtime import local_today
from webapp.ui import current_actor, ui
from webapp.uow import commit, rollback
from webapp.validation import parse_input, parse_int, parse_optional_date


@ui.post("/cases/<int:case_id>/lifecycle")
@login_required
def case_lifecycle(case_id: int) -> Response:
    """The archivist's and head's buttons on the case page: close, reopen, hold, release."""
    action = request.form.get("action", "")
    reason = request.form.get("reason", "")
    try:
        if action == "close":
            closed_on = parse_optional_date(request.form.get("closed_on"), "closed_on") or local_today()
            lifecycle.close_case(current_actor(), case_id, closed_on)
        elif action in LIFECYCLE_ACTIONS:
            LIFECYCLE_ACTIONS[action](current_actor(), case_id, reason)
        else:
            raise ValidationError("Неизвестное действие", code="invalid_action")
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash(ACTION_DONE.get(action, "Готово"), "success")
    return redirect(url_for("ui.case", case_id=case_id))


LIFECYCLE_ACTIONS = {
    "reopen": lifecycle.reopen_case,
    "hold": lifecycle.set_legal_hold,
    "release": lifecycle.release_legal_hold,
}
ACTION_DONE = {
    "close": "Дело закрыто",
    "reopen": "Дело открыто повторно",
    "hold": "Удержание установлено",
    "release": "Удержание снято",
}


@ui.post("/cases/<int:case_id>/edit")
@login_required
def case_edit(case_id: int) -> Response:
    """«Изменить» on the case page: the fields shown to the viewer, pre-filled, with a reason and the revision."""
    form = request.form
    data: dict[str, object] = {key: form[key] for key in ("title", "district", "nomenclature_index") if key in form}
    if "responsible" in form:
        data["responsible"] = form["responsible"] or None
    subject = {key: form[f"subject_{key}"] for key in ("name", "address", "note") if f"subject_{key}" in form}
    if subject:
        data["subject"] = subject
    try:
        revision = parse_int(form.get("revision"), "revision", default=0, maximum=2**31 - 1) or None
        edit = parse_input(CaseEdit, {**data, "reason": form.get("reason", "")})
        case = corrections.edit_case(current_actor(), case_id, edit, revision=revision)
        commit()
    except FORM_ERRORS as exc:
        rollback()
        flash(_named(exc, corrections.FIELD_LABELS), "error")
        return redirect(url_for("ui.case", case_id=case_id) + "#edit")
    flash(f"Сведения о деле изменены: {case.number}", "success")
    return redirect(url_for("ui.case", case_id=case_id))


@ui.post("/cases/responsible")
@login_required
def cases_bulk_responsible() -> Response:
    """The head's change of the responsible specialist of several cases from the list: each case is its own unit
    of work; the summary names the cases that failed and why."""
    actor = current_actor()
    require(actor, Action.ASSIGN_RESPONSIBLE)
    responsible = request.form.get("responsible") or None
    reason = request.form.get("reason", "")
    case_ids = [parse_int(raw, "case_id", default=0, maximum=2**31 - 1) for raw in request.form.getlist("case_id")]
    if not case_ids:
        flash("Отметьте дела, ответственного за которые нужно сменить", "error")
        return redirect(url_for("ui.cases"))
    changed, failed = 0, []
    for case_id in dict.fromkeys(case_ids):
        label = f"№ {case_id}"
        try:
            case = services.get_case(actor, case_id)
            label = case.number
            data = parse_input(CaseEdit, {"responsible": responsible, "reason": reason})
            corrections.edit_case(actor, case_id, data, revision=case.revision)
            commit()
        except (DomainError, StaleDataError) as exc:
            rollback()
            why = _named(exc, corrections.FIELD_LABELS) if isinstance(exc, DomainError) else CHANGED_MEANWHILE
            failed.append(f"{label}: {why}")
        else:
            changed += 1
    summary = f"Изменено дел: {changed}"
    if failed:
        flash(summary + ". Не изменены: " + "; ".join(failed), "error")
    else:
        flash(summary, "success")
    return redirect(url_for("ui.cases"))


CHANGED_MEANWHILE = "дело изменено другим пользователем"


def _named(exc: DomainError, labels: dict[str, str]) -> str:
    """The error for a page: the field it names by its label instead of its name."""
    fields = [item for item in exc.details if isinstance(item, dict) and item.get("field")]
    if not fields or exc.code == "changed_meanwhile":
        return exc.message
    named = [f"{labels.get(item['field'], item['field'])} — {item.get('message', '')}" for item in fields]
    return "; ".join(named)


@ui.post("/cases/<int:case_id>/grants")
@login_required
def case_grant(case_id: int) -> Response:
    try:
        if request.form.get("grant_id"):
            grant_id = parse_int(request.form.get("grant_id"), "grant_id", default=0)
            grants.revoke_access(current_actor(), case_id, grant_id)
            message = "Доступ закрыт"
        else:
            grants.grant_access(
                current_actor(), case_id, request.form.get("username", ""), request.form.get("reason", "")
            )
            message = "Доступ к делу открыт"
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("ui.case", case_id=case_id) + "#access")


@ui.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case() -> str | Response:
    """Open a case: a nomenclature entry of the year, a heading, the district and whom it is about."""
    actor = current_actor()
    today = local_today()
    year = parse_int(request.values.get("year"), "year", default=today.year, minimum=1990, maximum=2100)
    values = {key: request.form.get(key, "").strip() for key in NEW_CASE_FIELDS}
    if request.method == "POST":
        try:
            data = parse_input(
                CaseInput,
                {
                    "nomenclature_index": values["nomenclature_index"],
                    "year": year,
                    "title": values["title"],
                    "district": values["district"],
                    "subject": {
                        "kind": values["subject_kind"] or "family",
                        "name": values["subject_name"],
                        "address": values["subject_address"],
                    },
                },
            )
            case = services.open_case(actor, data)
            commit()
        except FORM_ERRORS as exc:
            flash(_problem(exc), "error")
        else:
            flash(f"Дело {case.number} открыто", "success")
            return redirect(url_for("ui.case", case_id=case.id))
    entries = db.session.scalars(select(NomenclatureEntry).where(NomenclatureEntry.year == year)).all()
    districts = db.session.scalars(select(District).order_by(District.code)).all()
    if not sees_all_cases(actor):
        districts = [district for district in districts if district.code in actor.district_codes]
    return render_template(
        "cases/new.html",
        year=year,
        entries=sorted(entries, key=lambda entry: entry.sort_key),
        districts=districts,
        values=values,
    )


NEW_CASE_FIELDS = ("nomenclature_index", "title", "district", "subject_kind", "subject_name", "subject_address")


def _problem(exc: DomainError) -> str:
    """The error in words for the form: each field it names, by its label."""
    fields = [item for item in exc.details if isinstance(item, dict) and item.get("field")]
    if not fields:
        return exc.message
    named = [f"{NEW_CASE_LABELS.get(item['field'], item['field'])} — {item.get('message', '')}" for item in fields]
    return "Проверьте поля: " + "; ".join(named)


NEW_CASE_LABELS = {
    "nomenclature_index": "Статья номенклатуры",
    "title": "Заголовок дела",
    "district": "Участок",
    "subject.name": "Ф.И.О. или название",
    "subject.address": "Адрес",
    "subject.kind": "О ком дело",
}
