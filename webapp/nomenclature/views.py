"""The nomenclature page: the year's sections and entries with case counts; CSV import for the archivist."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp.exceptions import DomainError, ValidationError
from webapp.nomenclature import services
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_int

MAX_CSV_BYTES = 2 * 1024 * 1024


@ui.get("/nomenclature")
@login_required
def nomenclature() -> str:
    year = parse_int(request.args.get("year"), "year", default=dt.date.today().year, minimum=1990, maximum=2100)
    return render_template(
        "nomenclature/tree.html",
        year=year,
        sections=services.nomenclature_tree(year),
        may_edit=current_actor().role in services.NOMENCLATURE_KEEPERS,
    )


@ui.post("/nomenclature/import")
@login_required
def nomenclature_import() -> Response:
    year = parse_int(request.form.get("year"), "year", default=dt.date.today().year, minimum=1990, maximum=2100)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError("Выберите CSV-файл номенклатуры")
        if upload.content_length and upload.content_length > MAX_CSV_BYTES:
            raise ValidationError("Файл номенклатуры больше 2 МБ")
        if current_actor().role not in services.NOMENCLATURE_KEEPERS:
            raise ValidationError("Номенклатуру ведёт архивариус")
        entries = services.import_csv(current_actor(), upload.stream, year)
        commit()
    except DomainError as exc:
        flash(exc.message, "error")
        for detail in exc.details[:20]:
            flash(f"Строка {detail.get('line', '—')}: {detail.get('field', '')} — {detail.get('message', '')}", "error")
    else:
        flash(f"Загружено статей: {len(entries)}", "success")
    return redirect(url_for("ui.nomenclature", year=year))
