"""The caller's notifications: the inbox (filters, pages), marking read, and their choice of channel per kind.
Times are UTC ISO 8601; `link` is the path of the page of the notification's object."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.api import actor, api, json_body, page_params, paginated
from webapp.exceptions import ValidationError
from webapp.notifications import inbox
from webapp.notifications.kinds import KINDS
from webapp.notifications.models import CHANNELS
from webapp.notifications.serializers import notification_json
from webapp.notifications.services import default_channel
from webapp.uow import commit

_FLAGS = {"": False, "0": False, "false": False, "1": True, "true": True}


@api.get("/notifications")
def list_notifications() -> dict[str, Any]:
    """Newest first; `unread=1` only the unread, `kind=` one kind; `unread` in the answer counts all unread."""
    unread_only = _flag("unread")
    page, per_page = page_params()
    found, total = inbox.find_notifications(
        actor(), unread_only=unread_only, kind=request.args.get("kind"), page=page, per_page=per_page
    )
    return paginated(found, total, notification_json) | {"unread": inbox.unread_count(actor().id)}


@api.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int) -> dict[str, Any]:
    notification = inbox.mark_read(actor(), notification_id)
    commit()
    return notification_json(notification)


@api.post("/notifications/read-all")
def read_all_notifications() -> dict[str, int]:
    marked = inbox.mark_all_read(actor())
    commit()
    return {"marked": marked, "unread": 0}


@api.get("/notifications/settings")
def notification_settings() -> dict[str, Any]:
    return _settings_json()


@api.put("/notifications/settings")
def save_notification_settings() -> dict[str, Any]:
    """A body of kind -> "email" | "app" | "off"; kinds not named keep their channel."""
    inbox.save_channels(actor(), json_body())
    commit()
    return _settings_json()


def _settings_json() -> dict[str, Any]:
    user = actor()
    chosen = inbox.channels_of(user)
    items = [
        {
            "kind": kind,
            "label": KINDS[kind].label,
            "channel": chosen[kind],
            "default": default_channel(user, kind),
        }
        for kind in KINDS
    ]
    return {"email": user.email, "channels": CHANNELS, "items": items}


def _flag(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw not in _FLAGS:
        raise ValidationError(f"{name}: ожидалось 1 или 0", code="invalid_parameter")
    return _FLAGS[raw]
