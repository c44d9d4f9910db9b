"""Notifications as the API answers them and the inbox shows them, with the path of the page of their object."""

from __future__ import annotations

from typing import Any

from webapp.notifications.kinds import KINDS, text_of
from webapp.notifications.models import Notification


def link_of(notification: Notification) -> str | None:
    """The path of the page its object is on: a hearing's page, a document or a task on its case's page, the case
    page, or the storage page for an integrity failure or an overdue backup. Paths, not URLs: e-mails prefix
    CASEFILES_PUBLIC_URL."""
    if notification.hearing_id is not None:
        return f"/hearings/{notification.hearing_id}"
    if notification.case_id is not None:
        path = f"/cases/{notification.case_id}"
        if notification.task_id is not None:
            return f"{path}#task-{notification.task_id}"
        if notification.document_id is not None:
            return f"{path}#document-{notification.document_id}"
        return path
    if notification.kind == "integrity_failed":
        return "/admin/fixity"
    if notification.kind == "backup_overdue":
        return "/admin/fixity#backups"
    return None


def notification_json(notification: Notification) -> dict[str, Any]:
    on_behalf_of = notification.on_behalf_of
    return {
        "id": notification.id,
        "kind": notification.kind,
        "label": KINDS[notification.kind].label,
        "text": text_of(notification),
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
        "link": link_of(notification),
        "case_id": notification.case_id,
        "document_id": notification.document_id,
        "task_id": notification.task_id,
        "hearing_id": notification.hearing_id,
        "on_behalf_of": (
            {"username": on_behalf_of.username, "full_name": on_behalf_of.full_name} if on_behalf_of else None
        ),
    }
