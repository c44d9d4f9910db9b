"""The hearing pages: «Заседания» (the list and a month's calendar, a new hearing), the hearing page (its
commission and members, the agenda and its builder, sending the agenda, holding the hearing, the decisions).
And «Комиссии»: the commissions and their members, and the questions the head keeps for agendas (everyone sees
the list: the institution's bodies are not case data; the head creates, adds and removes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.auth.models import User
from webapp.cases.permissions import can_see_case
from webapp.cases.services import find_case_by_number, get_case
from webapp.dbtypes import utcnow
from webapp.documents.download import stream_blob
from webapp.exceptions import FORM_ERRORS, Conflict, Gone, ValidationError
from webapp.extensions import db
from webapp.hearings import links, panels, services
from webapp.hearings.models import COMMISSION_KINDS, DECISION_KINDS, MEMBER_ROLES
from webapp.hearings.package import MEDIA_TYPE as PACKAGE_MEDIA_TYPE
from webapp.hearings.package import open_package, package_filename, request_package
from webapp.hearings.protocol import render_protocol
from webapp.hearings.schemas import CommissionInput, DecisionInput, HearingInput, ItemInput, MemberInput, QuestionInput
from webapp.runtime import local_time
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import MAX_ID, parse_input, parse_int, parse_optional_int

SEARCH_TEXT_MAX = 200
MONTHS = (
    "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
    "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
)  # fmt: skip


@ui.app_template_filter("ru_month")
def ru_month(value: dt.date) -> str:
    return f"{MONTHS[value.month - 1]} {value.year}"


@ui.app_template_filter("ru_time")
def ru_time(value: dt.datetime) -> str:
    """The time of day of a stored (UTC) moment, in the institution's zone."""
    return local_time(value).strftime("%H:%M")


@ui.get("/hearings")
@login_required
def hearings_page() -> str:
    actor = current_actor()
    today = local_time(utcnow()).date()  # the institution's day, as the calendar's
    try:
        month = panels.Month.parse(request.args.get("month"), today)
    except ValueError:
        raise ValidationError("month: ожидался месяц ГГГГ-ММ", code="invalid_parameter") from None
    upcoming, past = panels.upcoming_and_past(actor, utcnow())
    return render_template(
        "hearings/list.html",
        upcoming=upcoming,
        past=past,
        month=month,
        weeks=panels.month_calendar(actor, month),
        today=today,
        commissions=panels.managed_commissions(actor),
    )


@ui.post("/hearings")
@login_required
def hearing_create() -> Response:
    form = request.form
    try:
        data = parse_input(
            HearingInput,
            {
                "commission_id": parse_optional_int(form.get("commission_id"), "commission_id", maximum=MAX_ID),
                "starts_at": form.get("starts_at", ""),
                "place": form.get("place", ""),
            },
        )
        hearing = services.create_hearing(current_actor(), data)
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.hearings_page"))
    flash("Заседание запланировано", "success")
    return redirect(url_for("ui.hearing_page", hearing_id=hearing.id))


@ui.get("/hearings/<int:hearing_id>")
@login_required
def hearing_page(hearing_id: int) -> str:
    chosen = parse_optional_int(request.args.get("case"), "case", maximum=MAX_ID)
    return _render_hearing(hearing_id, chosen_case_id=chosen)


@ui.post("/hearings/<int:hearing_id>/find")
@login_required
def hearing_find_cases(hearing_id: int) -> str:
    """The agenda builder's search: the text is posted and the page rendered, so it never is in an address."""
    text = request.form.get("q", "")[:SEARCH_TEXT_MAX]
    services.managed_hearing(current_actor(), hearing_id)
    matches = panels.cases_matching(current_actor(), text)
    return _render_hearing(hearing_id, search_text=text, matches=matches)


def _render_hearing(hearing_id: int, *, chosen_case_id: int | None = None, **extra: Any) -> str:
    actor = current_actor()
    hearing = services.get_hearing(actor, hearing_id)
    panel = panels.hearing_panel(actor, hearing)
    chosen = choices = None
    if chosen_case_id is not None and panel.may_edit_agenda:
        chosen = get_case(actor, chosen_case_id)  # a case the actor may not see is «not found»
        choices = panels.document_choices(chosen, hearing)
    page = render_template(
        "hearings/detail.html",
        hearing=hearing,
        panel=panel,
        chosen=chosen,
        choices=choices,
        decision_kinds=DECISION_KINDS,
        now=utcnow(),
        **extra,
    )
    commit()  # the read is audited; after rendering (a commit expires what the page loaded)
    return page


@ui.post("/hearings/<int:hearing_id>/items")
@login_required
def hearing_item_add(hearing_id: int) -> Response:
    form = request.form
    try:
        data = parse_input(
            ItemInput,
            {
                "case_id": parse_optional_int(form.get("case_id"), "case_id", maximum=MAX_ID),
                "question_id": parse_optional_int(form.get("question_id"), "question_id", maximum=MAX_ID),
                "question": form.get("question", ""),
                "speaker": form.get("speaker") or None,
                "document_ids": [
                    parse_optional_int(raw, "document_id", maximum=MAX_ID) for raw in form.getlist("document_id")
                ],
            },
        )
        services.add_item(current_actor(), hearing_id, data)
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
        return _back(hearing_id, "agenda-builder")
    flash("Вопрос включён в повестку", "success")
    return _back(hearing_id, "agenda")


@ui.post("/hearings/<int:hearing_id>/items/<int:item_id>/documents")
@login_required
def hearing_item_documents(hearing_id: int, item_id: int) -> Response:
    _apply(
        lambda: services.set_item_documents(current_actor(), hearing_id, item_id, _document_ids()),
        "Документы к вопросу сохранены",
    )
    return _back(hearing_id, f"item-{item_id}")


@ui.post("/hearings/<int:hearing_id>/items/<int:item_id>/remove")
@login_required
def hearing_item_remove(hearing_id: int, item_id: int) -> Response:
    _apply(lambda: services.remove_item(current_actor(), hearing_id, item_id), "Вопрос исключён из повестки")
    return _back(hearing_id, "agenda")


@ui.post("/hearings/<int:hearing_id>/planned/<int:item_id>")
@login_required
def hearing_planned_put(hearing_id: int, item_id: int) -> Response:
    _apply(
        lambda: services.put_planned_item(current_actor(), hearing_id, item_id),
        "Запланированный вопрос включён в повестку",
    )
    return _back(hearing_id, "agenda")


@ui.post("/hearings/<int:hearing_id>/send")
@login_required
def hearing_send_agenda(hearing_id: int) -> Response:
    _apply(
        lambda: services.send_agenda(current_actor(), hearing_id),
        "Повестка разослана: члены комиссии получили доступ к делам повестки",
    )
    return _back(hearing_id)


@ui.post("/hearings/<int:hearing_id>/held")
@login_required
def hearing_mark_held(hearing_id: int) -> Response:
    _apply(lambda: services.mark_held(current_actor(), hearing_id), "Заседание отмечено проведённым: внесите решения")
    return _back(hearing_id)


@ui.post("/hearings/<int:hearing_id>/items/<int:item_id>/decision")
@login_required
def hearing_decision(hearing_id: int, item_id: int) -> Response:
    form = request.form

    def change() -> object:
        data = parse_input(
            DecisionInput,
            {
                "kind": form.get("kind", ""),
                "heard": form.get("heard", ""),
                "spoke": form.get("spoke", ""),
                "decision": form.get("decision", ""),
                "repeat_on": form.get("repeat_on") or None,
            },
        )
        return services.record_decision(current_actor(), hearing_id, item_id, data)

    _apply(change, "Решение внесено")
    return _back(hearing_id, f"item-{item_id}")


# --- the members' package, the protocol, external members' links ------------------------------------------


@ui.post("/hearings/<int:hearing_id>/package")
@login_required
def hearing_package_request(hearing_id: int) -> Response:
    _apply(lambda: request_package(current_actor(), hearing_id), "Пакет материалов формируется")
    return _back(hearing_id, "package")


@ui.get("/hearings/<int:hearing_id>/package")
@login_required
def hearing_package_file(hearing_id: int) -> Response:
    """The package, inline (PDF readers in the browser show it with its bookmarks)."""
    try:
        hearing, blob = open_package(current_actor(), hearing_id)
    except (Gone, Conflict) as exc:
        flash(exc.message, "error")
        return _back(hearing_id, "package")
    commit()  # the read is on record before the first byte leaves
    return stream_blob(blob, PACKAGE_MEDIA_TYPE, package_filename(hearing), as_attachment=False)


@ui.post("/hearings/<int:hearing_id>/protocol")
@login_required
def hearing_protocol(hearing_id: int) -> Response:
    _apply(
        lambda: render_protocol(current_actor(), hearing_id),
        "Протокол составлен: направьте его на утверждение и подпишите в деле протоколов",
    )
    return _back(hearing_id, "protocol")


@ui.post("/hearings/<int:hearing_id>/members/<int:member_id>/link")
@login_required
def hearing_link_make(hearing_id: int, member_id: int) -> Response | str:
    """The link is shown on the page this answers with, once: it is nowhere else (not in a message kept in the
    session, not in an address)."""
    try:
        made = links.make_link(current_actor(), hearing_id, member_id)
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
        return _back(hearing_id, "members")
    url = url_for("ui.link_open", token=made.token, _external=True)
    return _render_hearing(hearing_id, made_link=url, made_for=made.link.member_id)


@ui.post("/hearings/<int:hearing_id>/members/<int:member_id>/link/revoke")
@login_required
def hearing_link_revoke(hearing_id: int, member_id: int) -> Response:
    links.revoke_link(current_actor(), hearing_id, member_id)
    commit()
    flash("Ссылка отозвана: по ней больше ничего не открывается", "success")
    return _back(hearing_id, "members")


def _apply(change: Callable[[], object], success: str) -> None:
    """Make a change and commit it; flash why it was refused, or `success`."""
    try:
        change()
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash(success, "success")


def _document_ids() -> list[int]:
    """The ticked documents' ids (none ticked: none presented)."""
    return [parse_int(raw, "document_id", default=0, maximum=MAX_ID) for raw in request.form.getlist("document_id")]


def _back(hearing_id: int, anchor: str | None = None) -> Response:
    return redirect(url_for("ui.hearing_page", hearing_id=hearing_id, _anchor=anchor))


# --- commissions and the questions ----------------------------------------------------------------------


@ui.get("/commissions")
@login_required
def commissions_page() -> str:
    users = db.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.full_name)).all()
    return render_template(
        "hearings/commissions.html",
        commissions=services.list_commissions(),
        questions=services.list_questions(),
        kinds=COMMISSION_KINDS,
        roles=MEMBER_ROLES,
        users=users,
    )


@ui.post("/commissions")
@login_required
def commission_create() -> Response:
    form = request.form

    def change() -> object:
        data = parse_input(
            CommissionInput,
            {
                "name": form.get("name", ""),
                "kind": form.get("kind", ""),
                "access_days": parse_int(form.get("access_days"), "access_days", default=14, minimum=0, maximum=90),
                "protocols_case_id": _protocols_case_id(form.get("protocols_case", "").strip()),
            },
        )
        return services.create_commission(current_actor(), data)

    _apply(change, "Комиссия создана: добавьте её состав")
    return redirect(url_for("ui.commissions_page"))


def _protocols_case_id(number: str) -> int | None:
    """The case the protocols are filed in, given by its number (one the actor does not see is not found)."""
    if not number:
        return None
    case = find_case_by_number(number)
    if case is None or not can_see_case(current_actor(), case):
        raise ValidationError(f"Дело № {number} не найдено", code="unknown_case")
    return case.id


@ui.post("/commissions/<int:commission_id>/members")
@login_required
def commission_member_add(commission_id: int) -> Response:
    form = request.form
    external = form.get("kind") == "external"

    def change() -> object:
        data = parse_input(
            MemberInput,
            {
                "username": None if external else (form.get("username") or None),
                "name": form.get("name", "") if external else "",
                "position": form.get("position", ""),
                "organization": form.get("organization", ""),
                "role": form.get("role", "member"),
            },
        )
        return services.add_member(current_actor(), commission_id, data)

    _apply(change, "Участник добавлен в состав комиссии")
    return redirect(url_for("ui.commissions_page", _anchor=f"commission-{commission_id}"))


@ui.post("/commissions/<int:commission_id>/members/<int:member_id>/remove")
@login_required
def commission_member_remove(commission_id: int, member_id: int) -> Response:
    services.remove_member(current_actor(), commission_id, member_id)
    commit()
    flash("Участник выведен из состава комиссии", "success")
    return redirect(url_for("ui.commissions_page", _anchor=f"commission-{commission_id}"))


@ui.post("/hearing-questions")
@login_required
def question_add() -> Response:
    try:
        data = parse_input(QuestionInput, {"title": request.form.get("title", "")})
        services.add_question(current_actor(), data.title)
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash("Вопрос добавлен в список", "success")
    return redirect(url_for("ui.commissions_page", _anchor="questions"))


@ui.post("/hearing-questions/<int:question_id>/retire")
@login_required
def question_retire(question_id: int) -> Response:
    services.retire_question(current_actor(), question_id)
    commit()
    flash("Вопрос убран из списка", "success")
    return redirect(url_for("ui.commissions_page", _anchor="questions"))
