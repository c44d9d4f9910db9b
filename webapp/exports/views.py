"""Exports from the pages: «Сформировать дело для комиссии» on a case and on a selection of cases, a page with
the job's progress, the user's recent exports and their downloads."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.cases.models import Case
from webapp.documents.download import stream_blob
from webapp.exceptions import FORM_ERRORS, Conflict, Gone, ValidationError
from webapp.exports.models import Export
from webapp.exports.services import MEDIA_TYPES, get_export, list_exports, open_export, request_export
from webapp.extensions import db
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import MAX_ID, parse_int


@ui.post("/exports")
@login_required
def export_request() -> Response:
    """From a case page (one case_id) or from the case list (a selection, with a hearing's title)."""
    try:
        case_ids = [parse_int(raw, "case_id", default=0, maximum=MAX_ID) for raw in request.form.getlist("case_id")]
    except ValidationError:
        case_ids = []  # request_export names the problem
    back = request.form.get("back") == "case" and len(case_ids) == 1
    try:
        export = request_export(
            current_actor(),
            case_ids,
            request.form.get("format", "pdf" if len(case_ids) == 1 else "zip"),
            versions=request.form.get("versions", "approved"),
            title=request.form.get("title", ""),
        )
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.case", case_id=case_ids[0]) if back else url_for("ui.cases"))
    return redirect(url_for("ui.export_page", export_id=export.id))


@ui.get("/exports")
@login_required
def exports_page() -> str:
    exports = list_exports(current_actor())
    return render_template("exports/list.html", exports=exports, numbers=_case_numbers(exports))


@ui.get("/exports/<int:export_id>")
@login_required
def export_page(export_id: int) -> str:
    export = get_export(current_actor(), export_id)
    return render_template("exports/detail.html", export=export, numbers=_case_numbers([export]))


@ui.get("/exports/<int:export_id>/download")
@login_required
def export_file(export_id: int) -> Response:
    try:
        export, stream = open_export(current_actor(), export_id)
    except (Gone, Conflict) as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.export_page", export_id=export_id))
    commit()
    return stream_blob(stream, MEDIA_TYPES[export.format], export.filename)


def _case_numbers(exports: list[Export]) -> dict[int, str]:
    ids = {case_id for export in exports for case_id in export.case_ids}
    rows = db.session.execute(select(Case.id, Case.number).where(Case.id.in_(ids)))
    return {case_id: number for case_id, number in rows}
