"""The nomenclature page: the year's sections and entries with case counts; CSV import for the archivist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.exceptions import FORM_ERRORS, DomainError, ValidationError
from webapp.extensions import db
from webapp.nomenclature import services
from webapp.nomenclature.schemas import EntryInput, EntryUpdate
from webapp.policy import Action, allowed, require
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_input, parse_int

MAX_CSV_BYTES = 2 * 1024 * 1024


@ui.get("/nomenclature")
@login_required
def nomenclature() -> str:
    year = parse_int(request.args.get("year"), "year", default=dt.date.today().year, minimum=1990, maximum=2100)
    return render_template(
        "nomenclature/tree.html",
        year=year,
        sections=services.nomenclature_tree(year),
        may_edit=allowed(current_actor(), Action.EDIT_NOMENCLATURE),
    )


@ui.post("/nomenclature/import")
@login_required
def nomenclature_import() -> Response:
    _require_keeper()
    year = parse_int(request.form.get("year"), "year", default=dt.date.today().year, minimum=1990, maximum=2100)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError("Выберите CSV-файл номенклатуры")
        if upload.content_length and upload.content_length > MAX_CSV_BYTES:
            raise ValidationError("Файл номенклатуры больше 2 МБ")
        entries = services.import_csv(current_actor(), upload.stream, year)
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
        for detail in exc.details[:20]:
            flash(f"Строка {detail.get('line', '—')}: {detail.get('field', '')} — {detail.get('message', '')}", "error")
    else:
        flash(f"Загружено статей: {len(entries)}", "success")
    return redirect(url_for("ui.nomenclature", year=year))


def _require_keeper() -> None:
    require(current_actor(), Action.EDIT_NOMENCLATURE)


def _entry_form() -> dict[str, Any]:
    """The entry form's fields as the service takes them: years, or «постоянно» ticked."""
    form = request.form
    permanent = form.get("permanent") == "on"
    years = (form.get("retention_years") or "").strip()
    return {
        "title": form.get("title", "").strip(),
        "retention_years": None if permanent or not years else parse_int(years, "retention_years", default=0),
        "permanent": permanent,
        "epk": form.get("epk") == "on",
        "article": form.get("article", "").strip(),
        "note": form.get("note", "").strip(),
    }


@ui.route("/nomenclature/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def nomenclature_edit(entry_id: int) -> str | Response:
    _require_keeper()
    entry = services.get_entry(entry_id)
    values = services.entry_values(entry)
    if request.method == "POST":
        try:
            values = _entry_form()
            services.update_entry(current_actor(), entry_id, parse_input(EntryUpdate, values))
            commit()
        except FORM_ERRORS as exc:
            db.session.rollback()
            flash(_message(exc), "error")
        else:
            flash(f"Статья {entry.index} сохранена", "success")
            return redirect(url_for("ui.nomenclature", year=entry.year))
    return render_template("nomenclature/edit.html", entry=entry, values=values)


@ui.post("/nomenclature/new")
@login_required
def nomenclature_new() -> Response:
    year = parse_int(request.form.get("year"), "year", default=dt.date.today().year, minimum=1990, maximum=2100)
    try:
        _require_keeper()
        data = {**_entry_form(), "index": request.form.get("index", "").strip(), "year": year}
        entry = services.create_entry(current_actor(), parse_input(EntryInput, data))
        commit()
    except FORM_ERRORS as exc:
        flash(_message(exc), "error")
    else:
        flash(f"Статья {entry.index} добавлена", "success")
    return redirect(url_for("ui.nomenclature", year=year))


@ui.post("/nomenclature/copy")
@login_required
def nomenclature_copy() -> Response:
    year = parse_int(
        request.form.get("from_year"), "from_year", default=dt.date.today().year, minimum=1990, maximum=2099
    )
    try:
        _require_keeper()
        entries = services.copy_year(current_actor(), year, year + 1)
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.nomenclature", year=year))
    flash(f"Номенклатура на {year + 1} год создана копированием: статей {len(entries)}", "success")
    return redirect(url_for("ui.nomenclature", year=year + 1))


@ui.post("/nomenclature/<int:entry_id>/delete")
@login_required
def nomenclature_delete(entry_id: int) -> Response:
    year = parse_int(request.form.get("year"), "year", default=dt.date.today().year, minimum=1990, maximum=2100)
    try:
        _require_keeper()
        services.delete_entry(current_actor(), entry_id)
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash("Статья удалена", "success")
    return redirect(url_for("ui.nomenclature", year=year))


def _message(exc: DomainError) -> str:
    details = "; ".join(str(detail.get("message", "")) for detail in exc.details if isinstance(detail, dict))
    return f"{exc.message}: {details}" if details else exc.message
