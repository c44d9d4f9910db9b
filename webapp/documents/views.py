"""Document downloads from the pages."""

from __future__ import annotations

from flask import Response
from flask_login import login_required

from webapp.documents.download import stream_version
from webapp.ui import current_actor, ui


@ui.get("/documents/<int:document_id>/versions/<int:number>/download")
@login_required
def download_version(document_id: int, number: int) -> Response:
    return stream_version(current_actor(), document_id, number)
