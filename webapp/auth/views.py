"""Login, logout and the page where users change their own password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from webapp.audit.services import record_event
from webapp.auth import throttle
from webapp.auth.forms import LoginForm
from webapp.auth.models import User
from webapp.auth.services import authenticate, change_own_password, check_password_change, end_sessions
from webapp.exceptions import ValidationError
from webapp.extensions import db, login_manager
from webapp.ui import current_actor, ui
from webapp.uow import commit

login_manager.login_view = "ui.login"
login_manager.login_message = "Войдите, чтобы продолжить"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """A session names the user and their session version: a deactivated user, or one whose version was raised
    (logout, deactivation, a new role or password), is logged out everywhere at their next request."""
    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


# What a user whose password an administrator set may still open: everything else waits for their own password.
PASSWORD_FIRST_ENDPOINTS = frozenset({"ui.login", "ui.logout", "ui.password_page", "ui.static"})


@ui.before_request
def _own_password_first() -> Response | None:
    if request.endpoint in PASSWORD_FIRST_ENDPOINTS or not current_user.is_authenticated:
        return None
    if current_user.must_change_password:
        return redirect(url_for("ui.password_page"))
    return None


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
            if user.must_change_password:
                return redirect(url_for("ui.password_page"))
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
    """Ends the user's sessions on the server too: a copy of the session cookie is worth nothing afterwards."""
    actor = current_actor()
    end_sessions(actor)
    record_event(actor, "auth.logout", "user", actor.id)
    commit()
    logout_user()
    return redirect(url_for("ui.login"))


@ui.route("/account/password", methods=["GET", "POST"])
@login_required
def password_page() -> tuple[str, int] | str | Response:
    if request.method == "POST":
        return _change_password(current_actor(), request.remote_addr or "")
    return render_template("admin/password.html", user=current_actor())


def _change_password(actor: User, address: str) -> tuple[str, int] | Response:
    """The current password is checked like a login's (counted first, throttled), the rest before that."""
    current, new = request.form.get("current_password", ""), request.form.get("new_password", "")
    try:
        check_password_change(current, new, request.form.get("repeat_password", ""))
    except ValidationError as exc:
        flash(exc.message, "error")
        return render_template("admin/password.html", user=actor), 400
    if _refused(actor.username, address):
        return render_template("admin/password.html", user=actor), 429
    try:
        change_own_password(actor, current, new)
    except ValidationError as exc:
        throttle.record_failure(actor.username, address)
        commit()
        flash(exc.message, "error")
        return render_template("admin/password.html", user=actor), 400
    throttle.record_success(actor.username, address)
    commit()
    login_user(actor)  # this session goes on under the new session version; the others have ended
    flash("Пароль изменён; другие сеансы завершены", "success")
    return redirect(url_for("ui.cases"))


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would let a phishing link borrow our login page."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("ui.cases")
