"""Pages: pick a template, fill it in, edit a form document (a new version), see what changed."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from document_templates import Manifest
from webapp.documents.services import documents_of_case, get_document, get_version
from webapp.exceptions import BrokenTemplate, Conflict, InvalidForm
from webapp.forms import services
from webapp.forms.html import NO, YES, errors_by_field, values_from_form
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_int, parse_optional_date


@ui.get("/cases/<int:case_id>/forms")
@login_required
def choose_template(case_id: int) -> str:
    case, _ = documents_of_case(current_actor(), case_id)
    return render_template("forms/choose.html", case=case, templates=services.list_templates())


@ui.route("/cases/<int:case_id>/forms/<code>", methods=["GET", "POST"])
@login_required
def fill_form(case_id: int, code: str) -> str | Response:
    case, _ = documents_of_case(current_actor(), case_id)
    template = services.get_template(code)
    manifest = services.manifest_of(template.latest)
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = values_from_form(manifest, request.form)
        try:
            document = services.create_form_document(
                current_actor(),
                case.id,
                code,
                values,
                title=request.form.get("title", "").strip() or None,
                dated_on=parse_optional_date(request.form.get("date"), "date"),
            )
            commit()
        except InvalidForm as exc:
            errors = errors_by_field(exc.details)
            flash(exc.message, "error")
        except BrokenTemplate as exc:  # the form stays filled in
            flash(exc.message, "error")
        else:
            flash("Документ сохранён (версия 1)", "success")
            return redirect(url_for("ui.case", case_id=case.id, _anchor=f"document-{document.id}"))
    return _form_page(manifest, values, errors, case=case, template=template, document=None, base_version=None)


@ui.route("/documents/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit_form(document_id: int) -> str | Response:
    document = get_document(current_actor(), document_id)
    latest = document.latest_version
    form = services.form_of_version(latest) if latest else None
    if latest is None or form is None:
        flash("Этот документ загружен файлом: новую версию загрузите файлом", "error")
        return redirect(url_for("ui.case", case_id=document.case_id))
    manifest, values = form
    errors: dict[str, list[str]] = {}
    base_version = latest.number
    if request.method == "POST":
        values = values_from_form(manifest, request.form)
        base_version = parse_int(request.form.get("base_version"), "base_version", default=0, minimum=0)
        try:
            version = services.add_form_version(
                current_actor(), document.id, base_version, values, request.form.get("comment", "").strip()
            )
            commit()
        except InvalidForm as exc:
            errors = errors_by_field(exc.details)
            flash(exc.message, "error")
        except (Conflict, BrokenTemplate) as exc:
            flash(exc.message, "error")
        else:
            flash(f"Сохранена версия {version.number}", "success")
            return redirect(url_for("ui.form_diff", document_id=document.id, number=version.number))
    else:
        values = services.read_form_values(current_actor(), document.id, latest.number)  # audited
        commit()
    return _form_page(
        manifest, values, errors, case=document.case, template=None, document=document, base_version=base_version
    )


@ui.get("/documents/<int:document_id>/versions/<int:number>/diff")
@login_required
def form_diff(document_id: int, number: int) -> str:
    against = parse_int(request.args.get("against"), "against", default=max(number - 1, 1))
    changes = services.version_diff(current_actor(), document_id, number, against)
    version = get_version(current_actor(), document_id, number)
    commit()
    document = version.document
    return render_template(
        "forms/diff.html", document=document, version=version, against=against, changes=changes, case=document.case
    )


def _form_page(manifest: Manifest, values: dict[str, Any], errors: dict[str, list[str]], **context: Any) -> str:
    return render_template(
        "forms/fill.html", manifest=manifest, values=values, errors=errors, yes=YES, no=NO, **context
    )
