"""The Russian web pages: one blueprint, routes attached by each area's views module."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from webapp.auth.models import User
from webapp.policy import Action, allowed

ui = Blueprint("ui", __name__, template_folder="../templates", static_folder="../static", static_url_path="/static")


def current_actor() -> User:
    """The logged-in user as a model (views pass it to services explicitly)."""
    user: User = current_user._get_current_object()
    return user


@ui.app_template_global("allowed")
def allowed_here(action: Action | str) -> bool:
    """For pages: may the logged-in user take this action (`allowed(Action.APPROVE_DOCUMENTS)`)?"""
    return bool(current_user.is_authenticated) and allowed(current_actor(), Action(action))


ui.add_app_template_global(Action, "Action")
