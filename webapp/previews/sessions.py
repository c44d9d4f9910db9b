"""Viewing sessions: a version opened in the viewer (or its page list fetched through the API) is one audited
opening, a `version.view` event; that event is the session. Its id goes into the page images' URLs (`?view=`),
and the watermark of every page served in the session names the viewer and the moment it began, so a session's
marked pages are the same each time and can be kept (webapp.previews.marked_cache).

Kept server-side in the audit log itself (nothing new to share between machines), bound to its viewer, and
short-lived: a session is valid for CASEFILES_SESSION_MINUTES from its opening. An id that is unknown, someone
else's, another document's or expired is no session: the page is then marked with the current time and not kept,
as without a session at all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app

from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.dbtypes import utcnow
from webapp.extensions import db
from webapp.validation import MAX_ID

VIEW_ACTION = "version.view"


@dataclass(frozen=True)
class ViewSession:
    id: int  # the opening's audit event
    viewer_id: int
    document_id: int
    number: int
    began_at: dt.datetime
    expires_at: dt.datetime


def session_from(event: AuditEvent) -> ViewSession:
    assert event.actor_id is not None and event.object_id is not None
    lifetime = dt.timedelta(minutes=current_app.config["CASEFILES"].session_minutes)
    return ViewSession(
        id=event.id,
        viewer_id=event.actor_id,
        document_id=event.object_id,
        number=int(event.details.get("version", 0)),
        began_at=event.occurred_at,
        expires_at=event.occurred_at + lifetime,
    )


def view_session(actor: User, document_id: int, number: int, raw_id: str | None) -> ViewSession | None:
    """The actor's live session on this version named by `raw_id` (from a URL), or None."""
    if not raw_id or not raw_id.isdigit() or len(raw_id) > len(str(MAX_ID)) or int(raw_id) > MAX_ID:
        return None
    event = db.session.get(AuditEvent, int(raw_id))
    if event is None or event.action != VIEW_ACTION or event.actor_id != actor.id:
        return None
    session = session_from(event)
    if (session.document_id, session.number) != (document_id, number) or session.expires_at <= utcnow():
        return None
    return session
