"""The bell in every page's header, the inbox («Уведомления») and the account's notification settings with the
user's e-mail address; administrators set a user's address on the user's page."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.auth import admin
from webapp.auth.addresses import set_email
from webapp.exceptions import FORM_ERRORS, ValidationError
from webapp.notifications import inbox
from webapp.notifications.kinds import KINDS, text_of
from webapp.notifications.models import CHANNELS
from webapp.notifications.serializers import link_of
from webapp.notifications.services import default_channel
from webapp.pagination import page_count
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_int

PER_PAGE = 30
STATES = {"unread": "Непрочитанные", "all": "Все"}


@ui.before_app_request
def _count_afresh() -> None:
    """A request's count is its own (where one application context serves several requests, as in tests)."""
    g.pop("unread_notifications", None)


@ui.app_template_global("unread_notifications")
def unread_notifications() -> int:
    """The bell's number: counted once a page, and only when the header shows the bell (a signed-in user)."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = inbox.unread_count(current_actor().id)
    count: int = g.unread_notifications
    return count


@ui.get("/notifications")
@login_required
def inbox_page() -> str:
    filters = _filters()
    page = parse_int(request.args.get("page"), "page", default=1)
    found, total = inbox.find_notifications(
        current_actor(), unread_only=filters["state"] == "unread", kind=filters["kind"], page=page, per_page=PER_PAGE
    )
    items = [{"notification": item, "text": text_of(item), "link": link_of(item)} for item in found]
    return render_template(
        "notifications/inbox.html",
        items=items,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        filters=filters,
        states=STATES,
        kinds=KINDS,
    )


def _filters() -> dict[str, Any]:
    state = request.values.get("state") or "unread"
    if state not in STATES:
        raise ValidationError("state: ожидалось unread или all", code="invalid_parameter")
    return {"state": state, "kind": inbox.check_kind(request.values.get("kind")) or ""}


@ui.get("/notifications/<int:notification_id>")
@login_required
def notification_open(notification_id: int) -> Response:
    """Opening a notification reads it and goes to its object's page."""
    notification = inbox.mark_read(current_actor(), notification_id)
    commit()
    return redirect(link_of(notification) or url_for("ui.inbox_page", state="all"))


@ui.post("/notifications/<int:notification_id>/read")
@login_required
def notification_read(notification_id: int) -> Response:
    inbox.mark_read(current_actor(), notification_id)
    commit()
    return redirect(url_for("ui.inbox_page", **_filters()))


@ui.post("/notifications/read-all")
@login_required
def notifications_read_all() -> Response:
    marked = inbox.mark_all_read(current_actor())
    commit()
    flash(f"Отмечено прочитанными: {marked}", "success")
    return redirect(url_for("ui.inbox_page", **_filters()))


@ui.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notification_settings_page() -> str | Response:
    actor = current_actor()
    if request.method == "POST":
        try:
            if request.form.get("action") == "email":
                set_email(actor, actor, request.form.get("email", ""))
                message = "Адрес сохранён" if actor.email else "Адрес удалён: письма приходить не будут"
            else:
                inbox.save_channels(actor, {kind: request.form[kind] for kind in KINDS if kind in request.form})
                message = "Настройки уведомлений сохранены"
            commit()
        except FORM_ERRORS as exc:
            flash(exc.message, "error")
        else:
            flash(message, "success")
        return redirect(url_for("ui.notification_settings_page"))
    chosen = inbox.channels_of(actor)
    rows = [(kind, KINDS[kind].label, chosen[kind], default_channel(actor, kind)) for kind in KINDS]
    return render_template("notifications/settings.html", user=actor, rows=rows, channels=CHANNELS)


@ui.post("/admin/users/<int:user_id>/email")
@login_required
def user_email_save(user_id: int) -> Response:
    """An administrator sets a user's address (the user page's form)."""
    actor = current_actor()
    user = admin.get_user(actor, user_id)
    try:
        set_email(actor, user, request.form.get("email", ""))
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash("Адрес электронной почты сохранён" if user.email else "Адрес электронной почты удалён", "success")
    return redirect(url_for("ui.user_page", user_id=user_id))
