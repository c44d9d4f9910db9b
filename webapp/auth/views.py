"""Login and logout pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response

from webapp.audit.services import record_event
from webapp.auth import throttle
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
def _load_user(session_id: str) -> User | None:
    """A session names the user and their session version: a deactivated user, or one whose version was raised
    (deactivation, a new password), is logged out everywhere at their next request."""
    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


@ui.route("/login", methods=["GET", "POST"])
def login() -> tuple[str, int] | str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        username, address = form.username.data or "", request.remote_addr or ""
        if _refused(username, address):
            return render_template("login.html", form=form), 429
        user = authenticate(username, form.password.data or "")
        if user is not None:
            throttle.record_success(username, address)
            session.permanent = True  # expires after CASEFILES_SESSION_MINUTES without a request
            login_user(user)
            record_event(user, "auth.login", "user", user.id)
            commit()
            return redirect(_safe_next(request.args.get("next")))
        throttle.record_failure(username, address)
        record_event(None, "auth.login_failed", "user", None)
        commit()
        flash("Неверное имя пользователя или пароль", "error")
    return render_template("login.html", form=form)


def _refused(username: str, address: str) -> bool:
    """Count the attempt, committed before any password is checked (see webapp.auth.throttle); flash why not."""
    wait = throttle.begin_attempt(username, address)
    if wait is None:
        commit()
        return False
    record_event(None, "auth.login_throttled", "user", None)
    commit()
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    flash(f"Слишком много неудачных попыток входа. Повторите через {minutes} мин.", "error")
    return True


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
