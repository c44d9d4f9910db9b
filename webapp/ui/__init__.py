"""The Russian web pages: one blueprint, routes attached by each area's views module."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from webapp.auth.models import User

ui = Blueprint("ui", __name__, template_folder="../templates", static_folder="../static", static_url_path="/static")


def current_actor() -> User:
    """The logged-in user as a model (views pass it to services explicitly)."""
    user: User = current_user._get_current_object()
    return user
