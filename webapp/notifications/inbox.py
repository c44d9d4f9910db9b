"""A user's own notifications (the inbox and the bell's count) and their choice of channel per kind. Every function
takes the user whose inbox it is: nobody reads or marks another's notifications."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select, update

from webapp.auth.models import User
from webapp.dbtypes import utcnow
from webapp.exceptions import NotFound, ValidationError
from webapp.extensions import db
from webapp.notifications.kinds import KINDS
from webapp.notifications.models import CHANNELS, Notification, NotificationSetting
from webapp.notifications.services import channel_for, default_channel
from webapp.pagination import paginate


def check_kind(kind: str | None) -> str | None:
    """A kind filter: one of KINDS, or None for every kind."""
    if kind in (None, ""):
        return None
    if kind not in KINDS:
        raise ValidationError(f"kind: неизвестный вид уведомления; допустимы: {', '.join(KINDS)}", code="invalid_kind")
    return kind


def find_notifications(
    user: User, *, unread_only: bool = False, kind: str | None = None, page: int = 1, per_page: int = 50
) -> tuple[Sequence[Notification], int]:
    """The user's notifications, newest first, with how many there are in all (with the same filters)."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if check_kind(kind) is not None:
        query = query.where(Notification.kind == kind)
    return paginate(query, Notification.created_at.desc(), Notification.id.desc(), page=page, per_page=per_page)


def unread_count(user_id: int) -> int:
    """The bell's number: one count over the index (user_id, read_at)."""
    count = db.session.scalar(
        select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return count or 0


def get_own(user: User, notification_id: int) -> Notification:
    """The user's notification; another's is not found (its existence is nobody else's business)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound("Уведомление не найдено", code="notification_not_found")
    return notification


def mark_read(user: User, notification_id: int) -> Notification:
    notification = get_own(user, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def mark_all_read(user: User) -> int:
    """Every unread notification of the user is read now; how many were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return int(getattr(result, "rowcount", 0) or 0)


def channels_of(user: User) -> dict[str, str]:
    """Each kind's channel for the user: their choice, else the default for their role."""
    return {kind: channel_for(user, kind) for kind in KINDS}


def save_channels(user: User, choices: Mapping[str, object]) -> dict[str, str]:
    """Set the channels named (kind -> "email", "app" or "off"); all or nothing: an unknown kind or channel
    changes none. A choice equal to the role's default is kept as no choice."""
    for kind, channel in choices.items():
        if kind not in KINDS:
            raise ValidationError(f"{kind}: неизвестный вид уведомления", code="invalid_kind")
        if not isinstance(channel, str) or channel not in CHANNELS:
            raise ValidationError(f"{kind}: ожидалось одно из: {', '.join(CHANNELS)}", code="invalid_channel")
    for kind, channel in choices.items():
        row = db.session.get(NotificationSetting, (user.id, kind))
        if channel == default_channel(user, kind):  # no row: the role's default, which follows a new role
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(NotificationSetting(user_id=user.id, kind=kind, channel=channel))
        else:
            row.channel = str(channel)
    db.session.flush()
    return channels_of(user)
