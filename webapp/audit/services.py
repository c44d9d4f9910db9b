"""Recording audit events in the caller's transaction."""

from __future__ import annotations

from typing import Any

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db


def record_event(
    actor: User | None, action: str, object_type: str, object_id: int | None, **details: Any
) -> AuditEvent:
    """Add an event; details hold ids and codes only, never names or document text."""
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )
    db.session.add(event)
    return event
