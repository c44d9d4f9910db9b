"""The audit log over the API (heads and administrators)."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.api import actor, api, page_params, paginated
from webapp.audit.models import AuditEvent
from webapp.audit.services import AuditFilters, list_events
from webapp.validation import parse_optional_date, parse_optional_int


def audit_filters() -> AuditFilters:
    """The filters from the query string (shared by the API and the page)."""
    return AuditFilters(
        actor=request.args.get("actor") or None,
        action=request.args.get("action") or None,
        object_type=request.args.get("object_type") or None,
        object_id=parse_optional_int(request.args.get("object_id"), "object_id"),
        date_from=parse_optional_date(request.args.get("date_from"), "date_from"),
        date_to=parse_optional_date(request.args.get("date_to"), "date_to"),
    )


@api.get("/audit")
def audit_log() -> dict[str, Any]:
    page, per_page = page_params()
    items, total = list_events(actor(), audit_filters(), page=page, per_page=per_page)
    return paginated(items, total, event_json)


def event_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details,
        "hash": event.hash,
    }
