"""The protocol of a hearing: `POST /hearings/{id}/protocol` renders it from the decisions into the commission's
protocols case (a new version of the same document when rendered again). Submitting, approving and signing it are
the documents' own endpoints; its approval files the decisions back into the cases (webapp.hearings.filing)."""

from __future__ import annotations

from typing import Any

from webapp.api import actor, api, shown
from webapp.documents.serializers import document_json
from webapp.hearings.protocol import render_protocol
from webapp.hearings.serializers import hearing_json
from webapp.uow import commit


@api.post("/hearings/<int:hearing_id>/protocol")
def render_hearing_protocol(hearing_id: int) -> tuple[dict[str, Any], int]:
    hearing = render_protocol(actor(), hearing_id)
    commit()
    assert hearing.protocol_document is not None
    return {
        "hearing": hearing_json(hearing, actor()),
        "document": document_json(hearing.protocol_document, shown()),
    }, 201
