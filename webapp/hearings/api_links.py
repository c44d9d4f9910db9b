"""External members' personal links: made and revoked by the hearing's managers (webapp.hearings.links). The
answer to making one is the only place its URL ever appears."""

from __future__ import annotations

from typing import Any

from flask import url_for

from webapp.api import actor, api
from webapp.hearings import links
from webapp.uow import commit


@api.post("/hearings/<int:hearing_id>/members/<int:member_id>/link")
def make_hearing_link(hearing_id: int, member_id: int) -> tuple[dict[str, Any], int]:
    made = links.make_link(actor(), hearing_id, member_id)
    commit()
    link = made.link
    return {
        "id": link.id,
        "hearing_id": link.hearing_id,
        "member_id": link.member_id,
        "url": url_for("ui.link_open", token=made.token, _external=True),
        "expires_at": link.expires_at.isoformat(),
        "created_at": link.created_at.isoformat(),
    }, 201


@api.delete("/hearings/<int:hearing_id>/members/<int:member_id>/link")
def revoke_hearing_link(hearing_id: int, member_id: int) -> tuple[str, int]:
    links.revoke_link(actor(), hearing_id, member_id)
    commit()
    return "", 204
