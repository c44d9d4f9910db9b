"""Making notifications: `notify` is what every subscriber calls (webapp.notifications.subscribers); the rest reads
and changes a user's own notifications and choices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from webapp.auth.deputies import deputies_in_force
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.cases.permissions import can_see_case
from webapp.extensions import db
from webapp.notifications.kinds import KINDS
from webapp.notifications.mail import queue_immediate_mail
from webapp.notifications.models import Notification, NotificationSetting
from webapp.policy import Action, allowed
from webapp.runtime import local_today


def notify(
    kind: str,
    recipients: Iterable[User],
    *,
    actor_id: int | None = None,
    case: Case | None = None,
    document_id: int | None = None,
    task_id: int | None = None,
    hearing_id: int | None = None,
    params: dict[str, Any] | None = None,
    dedup_key: str | None = None,
) -> list[Notification]:
    """Tell each recipient, and whoever stands in for them today (webapp.auth.deputies), that `kind` happened.
    Nobody is told of their own act, of a case they may not see, or of a kind they turned off; a `dedup_key`
    already given to a user is not given again (a deadline checked every day is announced once). The rows join
    the caller's unit of work."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    today = local_today()
    made: list[Notification] = []
    seen: set[int] = set()
    for recipient, principal in _with_deputies(recipients, today):
        if recipient.id in seen or recipient.id == actor_id or not recipient.is_active:
            continue
        seen.add(recipient.id)
        if case is not None and not can_see_case(recipient, case):
            continue
        channel = channel_for(recipient, kind)
        if channel == "off" or (dedup_key is not None and _given(recipient.id, dedup_key)):
            continue
        notification = Notification(
            user_id=recipient.id,
            kind=kind,
            actor_id=actor_id,
            on_behalf_of_id=principal.id if principal is not None else None,
            case_id=case.id if case is not None else None,
            document_id=document_id,
            task_id=task_id,
            hearing_id=hearing_id,
            params=dict(params or {}),
            dedup_key=dedup_key,
            channel=channel,
        )
        db.session.add(notification)
        made.append(notification)
    db.session.flush()
    queue_immediate_mail(made)  # those taken by e-mail: a message in the outbox, sent by a job after commit
    return made


def _with_deputies(recipients: Iterable[User], today: dt.date) -> list[tuple[User, User | None]]:
    """Each recipient (for themselves), then each of their deputies in force today (for them)."""
    pairs: list[tuple[User, User | None]] = []
    for user in recipients:
        pairs.append((user, None))
        pairs.extend((deputy, user) for deputy in deputies_in_force(user.id, today))
    return pairs


def _given(user_id: int, dedup_key: str) -> bool:
    found = db.session.scalar(
        select(Notification.id).where(Notification.user_id == user_id, Notification.dedup_key == dedup_key)
    )
    return found is not None


def channel_for(user: User, kind: str) -> str:
    """The user's choice for `kind` ("email", "app" or "off"), else the kind's default for their role."""
    chosen = db.session.get(NotificationSetting, (user.id, kind))
    if chosen is not None:
        return chosen.channel
    return default_channel(user, kind)


def default_channel(user: User, kind: str) -> str:
    """The kind's channel for the user's role when they have not chosen (webapp.notifications.kinds)."""
    rule = KINDS[kind].email
    by_mail = allowed(user, rule) if isinstance(rule, Action) else rule
    return "email" if by_mail else "app"
