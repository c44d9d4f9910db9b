"""Case pages: the list of cases the user may see, and one case with its documents."""

from __future__ import annotations

import datetime as dt

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.auth.models import District, User
from webapp.cases import grants, lifecycle, services
from webapp.cases.dashboard import dashboard
from webapp.cases.lifecycle import case_history
from webapp.cases.models import CASE_STATUSES
from webapp.cases.permissions import (
    can_write_case,
    sees_all_cases,
)
from webapp.cases.schemas import CaseFilters, CaseInput
from webapp.disclosure import Disclosure, case_with_documents_json
from webapp.documents.models import DOCUMENT_STATUSES, DOCUMENT_TYPES
from webapp.documents.services import documents_of_case
from webapp.exceptions import FORM_ERRORS, DomainError, ValidationError
from webapp.extensions import db
from webapp.nomenclature.models import NomenclatureEntry
from webapp.pagination import page_count
from webapp.policy import Action, allowed
from webapp.signing.views import PAPER_ROWS, TRANSITION_LABELS, document_panels
from webapp.support.views import case_support
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_input, parse_int, parse_optional_date, parse_optional_int

PER_PAGE = 50
EVENT_LABELS = {
    "close": "Закрыто",
    "reopen": "Открыто повторно",
    "hold": "Установлено удержание",
    "release": "Удержание снято",
    "expert_review": "Экспертиза ценности (ЭК)",
    "transfer": "Передано в архив",
    "destroy": "Уничтожение",
}


@ui.get("/")
@login_required
def cases() -> str:
    page = parse_int(request.args.get("page"), "page", default=1)
    status = request.args.get("status") or None
    filters = CaseFilters(
        status=status if status in CASE_STATUSES else None,
        nomenclature=request.args.get("nomenclature") or None,
        year=parse_optional_int(request.args.get("year"), "year", minimum=1990, maximum=2100),
    )
    items, total = services.list_cases(current_actor(), filters, page=page, per_page=PER_PAGE)
    pages = page_count(total, PER_PAGE)
    scope = {key: value for key, value in (("nomenclature", filters.nomenclature), ("year", filters.year)) if value}
    board = dashboard(current_actor(), dt.date.today()) if page == 1 and not status and not scope else None
    return render_template(
        "cases/list.html",
        cases=items,
        total=total,
        page=page,
        pages=pages,
        status=status,
        scope=scope,
        board=board,
    )


@ui.get("/cases/<int:case_id>")
@login_required
def case(case_id: int) -> str:
    actor = current_actor()
    case, documents = documents_of_case(actor, case_id)
    shown = Disclosure(actor)
    may_grant = allowed(actor, Action.GRANT_CASE_ACCESS)
    support = case_support(actor, case, documents)
    commit()  # the journal's read is audited
    return render_template(
        "cases/detail.html",
        case=case,
        record=case_with_documents_json(case, documents, shown),  # what of the case and its documents is shown
        may_read=shown.shows_content(case),
        may_write=can_write_case(actor, case),
        may_grant=may_grant,
        document_types=DOCUMENT_TYPES,
        document_statuses=DOCUMENT_STATUSES,
        max_upload_mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
        grants=grants.active_grants(actor, case_id) if may_grant else [],
        grantable=_grantable_users() if may_grant else [],
        panels=document_panels(actor, documents, shown),
        transition_labels=TRANSITION_LABELS,
        paper_rows=PAPER_ROWS,
        history=case_history(case),
        event_labels=EVENT_LABELS,
        may_close=allowed(current_actor(), Action.CLOSE_CASES),
        may_archive=allowed(current_actor(), Action.SET_HOLDS),
        support=support,
    )


@ui.post("/cases/<int:case_id>/lifecycle")
@login_required
def case_lifecycle(case_id: int) -> Response:
    """The archivist's and head's buttons on the case page: close, reopen, hold, release."""
    action = request.form.get("action", "")
    reason = request.form.get("reason", "")
    try:
        if action == "close":
            closed_on = parse_optional_date(request.form.get("closed_on"), "closed_on") or dt.date.today()
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


def _grantable_users() -> list[User]:
    """Whom access can be opened to: active users outside the department-wide roles (they see every case)."""
    query = select(User).where(User.is_active.is_(True), User.role.in_(("specialist", "archivist", "admin")))
    return list(db.session.scalars(query.order_by(User.full_name)))


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
    today = dt.date.today()
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
