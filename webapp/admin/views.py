"""Administrators' pages (users, their roles, districts and passwords; form templates), the head's decision on a
change of access waiting for confirmation, and everyone's page of their own API tokens."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.auth import access_requests, admin
from webapp.auth.models import ROLES, AccessRequest
from webapp.auth.roles import ROLE_LABELS, Role
from webapp.exceptions import FORM_ERRORS, ValidationError
from webapp.forms.services import list_templates, read_template_upload, upload_template_docx
from webapp.signing.services import deactivate_user
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_optional_int


@ui.route("/admin/users", methods=["GET", "POST"])
@login_required
def users_page() -> str | Response:
    actor = current_actor()
    admin.require_admin(actor)
    if request.method == "POST":
        try:
            user = admin.add_user(
                actor,
                request.form.get("username", "").strip(),
                role=request.form.get("role", ""),
                password=request.form.get("password", ""),
                full_name=request.form.get("full_name", ""),
                districts=request.form.getlist("district"),
            )
            commit()
        except FORM_ERRORS as exc:
            flash(exc.message, "error")
        else:
            if isinstance(user, AccessRequest):
                flash(f"Учётная запись {user.username} появится, когда её подтвердит заведующий отделением", "info")
            else:
                flash(f"Пользователь {user.username} добавлен", "success")
            return redirect(url_for("ui.users_page"))
    return render_template(
        "admin/users.html",
        users=admin.list_users(actor),
        waiting=admin.pending_requests(actor),
        districts=admin.list_districts(),
        roles=ROLES,
        role_labels=ROLE_LABELS,
    )


@ui.post("/admin/districts")
@login_required
def district_save() -> Response:
    try:
        district = admin.save_district(current_actor(), request.form.get("code", ""), request.form.get("name", ""))
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash(f"Участок «{district.name}» сохранён", "success")
    return redirect(url_for("ui.users_page") + "#districts")


@ui.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_page(user_id: int) -> str | Response:
    actor = current_actor()
    user = admin.get_user(actor, user_id)
    if request.method == "POST":
        action = request.form.get("action", "")
        try:
            if action == "update":
                waiting = admin.update_user(
                    actor,
                    user_id,
                    role=request.form.get("role", ""),
                    full_name=request.form.get("full_name", ""),
                    districts=request.form.getlist("district"),
                )
                message = (
                    "Ф.И.О. сохранено; новые роль и участки вступят в силу, когда их подтвердит заведующий отделением"
                    if waiting
                    else "Изменения сохранены; новая роль действует со следующего входа"
                )
            elif action == "password":
                admin.set_password(actor, user_id, request.form.get("password", ""))
                message = (
                    "Временный пароль задан: открытые сеансы пользователя завершены, при входе пользователь "
                    "задаст свой; заведующий отделением увидит уведомление о сбросе"
                )
            elif action == "deactivate":
                revoked = deactivate_user(actor, user, request.form.get("reason", "").strip())
                message = f"Пользователь отключён; отозвано сертификатов подписи: {revoked}"
            else:
                message = ""
            commit()
        except FORM_ERRORS as exc:
            flash(exc.message, "error")
        else:
            if message:
                flash(message, "success")
        return redirect(url_for("ui.user_page", user_id=user_id))
    return render_template(
        "admin/user.html",
        user=user,
        current_role=Role(user.role),
        waiting=next((item for item in admin.pending_requests(actor) if item.user_id == user.id), None),
        districts=admin.list_districts(),
        roles=ROLES,
        role_labels=ROLE_LABELS,
    )


@ui.post("/access-requests/<int:request_id>")
@login_required
def access_request_decide(request_id: int) -> Response:
    """A head confirms or declines an administrator's change of access (the list is on the head's dashboard)."""
    access_requests.require_head(current_actor())
    decision = request.form.get("decision", "")
    try:
        if decision not in ("confirm", "decline"):
            raise ValidationError("Неизвестное решение", code="invalid_decision")
        access_requests.decide(current_actor(), request_id, confirm=decision == "confirm")
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash("Изменение доступа подтверждено" if decision == "confirm" else "Запрос отклонён", "success")
    return redirect(url_for("ui.cases", _anchor="access-requests"))


@ui.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens_page() -> str:
    actor = current_actor()
    new_token = None
    if request.method == "POST":
        try:
            days = parse_optional_int(request.form.get("expires_in_days") or None, "expires_in_days", maximum=3650)
            _, new_token = admin.issue_token(actor, expires_in_days=days)
            commit()
        except FORM_ERRORS as exc:
            flash(exc.message, "error")
    return render_template("admin/tokens.html", tokens=admin.list_tokens(actor), new_token=new_token)


@ui.post("/account/tokens/<int:token_id>/revoke")
@login_required
def token_revoke_page(token_id: int) -> Response:
    admin.revoke_token(current_actor(), token_id)
    commit()
    flash("Токен отозван: запросы с ним больше не принимаются", "success")
    return redirect(url_for("ui.tokens_page"))


@ui.route("/admin/templates", methods=["GET", "POST"])
@login_required
def templates_page() -> str | Response:
    actor = current_actor()
    admin.require_admin(actor)
    if request.method == "POST":
        try:
            data = read_template_upload(request.files.get("file"))
            version = upload_template_docx(actor, request.form.get("code", ""), data)
            commit()
        except FORM_ERRORS as exc:
            flash(exc.message, "error")
        else:
            flash(f"Шаблон «{version.template.title}» обновлён: версия {version.number}", "success")
        return redirect(url_for("ui.templates_page"))
    return render_template("admin/templates.html", templates=list_templates())
