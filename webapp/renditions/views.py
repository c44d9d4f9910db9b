"""The PDF of a version from the pages: the file, or a page that waits for it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.documents.download import stream_blob
from webapp.documents.services import get_version
from webapp.renditions.delivery import fetch_pdf
from webapp.ui import current_actor, ui


@ui.get("/documents/<int:document_id>/versions/<int:number>/pdf")
@login_required
def version_pdf_page(document_id: int, number: int) -> str | Response:
    version = get_version(current_actor(), document_id, number)
    stream, job = fetch_pdf(current_actor(), version)
    if stream is not None:
        return stream_blob(stream, "application/pdf", f"document-{document_id}-v{number}.pdf")
    assert job is not None
    if job.status == "failed":
        flash(f"PDF-копия не получена: {job.error}", "error")
        return redirect(url_for("ui.case", case_id=version.document.case_id))
    return render_template("renditions/pending.html", version=version, job=job)
