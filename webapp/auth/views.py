"""Login and logout pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response

from webapp.audit.services import record_event
from webapp.auth.forms import LoginForm
from webapp.auth.models import User
from webapp.auth.services import authenticate
from webapp.extensions import db, login_manager
from webapp.ui import current_actor, ui
from webapp.uow import commit

login_manager.login_view = "ui.login"
login_manager.login_message = "Войдите, чтобы продолжить"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


@ui.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            record_event(user, "auth.login", "user", user.id)
            commit()
            return redirect(_safe_next(request.args.get("next")))
        record_event(None, "auth.login_failed", "user", None)
        commit()
        flash("Неверное имя пользователя или пароль", "error")
    return render_template("login.html", form=form)


@ui.post("/logout")
@login_required
def logout() -> Response:
    record_event(current_actor(), "auth.logout", "user", current_actor().id)
    commit()
    logout_user()
    return redirect(url_for("ui.login"))


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would let a phishing link borrow our login page."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("ui.cases")
