"""Pages of social support work: the journal and deadlines on the case page, the department's deadlines, and the
statistical report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.auth.models import District, User
from webapp.cases.models import Case
from webapp.cases.schemas import ProfileInput
from webapp.cases.services import update_profile
from webapp.documents.models import Document
from webapp.exceptions import FORM_ERRORS, ValidationError
from webapp.extensions import db
from webapp.policy import Action, allowed, roles_with
from webapp.runtime import local_today
from webapp.support import services
from webapp.support.deadlines import DEADLINE_KINDS, STATUSES
from webapp.support.report import MANUAL_ROWS, REPORT_TITLE, ROWS, Correction, last_quarter, parse_period
from webapp.support.schemas import DeadlineFilters, SupportEventInput
from webapp.tasks.panels import deadline_tasks
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_input, parse_int, parse_optional_int


@ui.post("/cases/<int:case_id>/journal")
@login_required
def journal_add(case_id: int) -> Response:
    kind, _, detail = request.form.get("what", "").partition(":")
    try:
        data = parse_input(
            SupportEventInput,
            {
                "kind": kind,
                "detail": detail,
                "occurred_on": request.form.get("occurred_on", ""),
                "note": request.form.get("note", ""),
                "document_id": parse_optional_int(request.form.get("document_id"), "document_id"),
            },
        )
        services.record_support_event(current_actor(), case_id, data, today=local_today())
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash("Запись внесена в журнал", "success")
    return redirect(url_for("ui.case", case_id=case_id) + "#journal")


@ui.post("/journal/<int:entry_id>/cancel")
@login_required
def journal_cancel(entry_id: int) -> Response:
    try:
        entry = services.cancel_support_event(current_actor(), entry_id, request.form.get("reason", "").strip())
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
        back = parse_optional_int(request.form.get("case_id"), "case_id")
        return redirect(url_for("ui.case", case_id=back, _anchor="journal") if back else url_for("ui.cases"))
    flash("Запись отменена", "success")
    return redirect(url_for("ui.case", case_id=entry.case_id) + "#journal")


@ui.post("/cases/<int:case_id>/profile")
@login_required
def case_profile(case_id: int) -> Response:
    try:
        data = parse_input(
            ProfileInput,
            {
                "responsible": request.form.get("responsible") or None,
                "categories": request.form.getlist("categories"),
            },
        )
        update_profile(current_actor(), case_id, data)
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
    else:
        flash("Сведения о деле сохранены", "success")
    return redirect(url_for("ui.case", case_id=case_id) + "#support")


@ui.get("/deadlines")
@login_required
def deadlines_page() -> str:
    """Deadlines across the cases the user reads; for the head, tallies per specialist and district."""
    actor = current_actor()
    today = local_today()
    args = request.args.to_dict()
    if "outstanding" not in args and not args.get("status"):
        args["outstanding"] = "1"  # by default, what is still to be done
    filters = DeadlineFilters.from_args(args)
    everything = services.all_deadlines(actor, today, case_id=filters.case_id)
    found = services.select_deadlines(everything, filters)
    tallies = services.department_tallies(everything, today) if allowed(actor, Action.COMPUTE_REPORT) else None
    districts = db.session.scalars(select(District).order_by(District.code)).all()
    takes_cases = User.role.in_(roles_with(Action.TAKE_CASES))
    specialists = db.session.scalars(select(User).where(takes_cases).order_by(User.full_name)).all()
    return render_template(
        "support/deadlines.html",
        items=found[:500],
        total=len(found),
        filters=filters,
        tallies=tallies,
        kinds=DEADLINE_KINDS,
        statuses=STATUSES,
        districts=districts,
        specialists=specialists,
        today=today,
        tasks=deadline_tasks(actor, today),  # the user's tasks beside the computed deadlines
    )


@ui.get("/reports/statistical")
@login_required
def statistical_report() -> str:
    period = request.args.get("period") or last_quarter(local_today()).code
    try:
        report = services.department_report(current_actor(), period)
    except ValidationError as exc:
        flash(exc.message, "error")
        report = services.department_report(current_actor(), last_quarter(local_today()).code)
    return render_template(
        "support/report.html",
        report=report,
        rows=ROWS,
        manual=MANUAL_ROWS,
        periods=_period_choices(local_today()),
        homes=_report_homes(),
        saved=_saved_reports(report.period.title),
        institution=current_app.config["CASEFILES"].institution_name,
    )


@ui.get("/reports/statistical/<code>")
@login_required
def statistical_indicator(code: str) -> str:
    report = services.department_report(current_actor(), request.args.get("period", ""))
    indicator, cases = services.indicator_cases(current_actor(), report, code)
    return render_template("support/indicator.html", report=report, indicator=indicator, cases=cases)


@ui.post("/reports/statistical")
@login_required
def statistical_report_save() -> Response:
    period = request.form.get("period", "")
    try:
        document = services.save_report(
            current_actor(),
            period,
            parse_int(request.form.get("case_id"), "case_id", default=0),
            _corrections(request.form),
            institution=request.form.get("institution", "").strip(),
            today=local_today(),
        )
        commit()
    except FORM_ERRORS as exc:
        flash(exc.message, "error")
        return redirect(url_for("ui.statistical_report", period=period))
    flash(f"Отчёт сохранён в деле {document.case.number}: его можно подписать и отправить на утверждение", "success")
    return redirect(url_for("ui.case", case_id=document.case_id, _anchor=f"document-{document.id}"))


def _corrections(form: Any) -> dict[str, Correction]:
    """The figures the head typed over the computed ones (`value-<code>`, `note-<code>`)."""
    corrections = {}
    for code, _ in ROWS:
        raw = (form.get(f"value-{code}") or "").strip()
        if raw:
            value = parse_int(raw, f"Строка {code}", default=0, minimum=0, maximum=10**6)
            corrections[code] = (value, (form.get(f"note-{code}") or "").strip()[:500])
    return corrections


def _period_choices(today: dt.date) -> list[tuple[str, str]]:
    """The last months, quarters and years to pick from, newest first."""
    choices = []
    for year in (today.year, today.year - 1):
        for quarter in range(4, 0, -1):
            period = parse_period(f"{year}-Q{quarter}")
            if period.start <= today:
                choices.append((period.code, period.title))
        for month in range(12, 0, -1):
            period = parse_period(f"{year}-{month:02d}")
            if period.start <= today:
                choices.append((period.code, period.title))
        choices.append((str(year), f"{year} год"))
    return choices


def _saved_reports(period_title: str) -> list[Document]:
    """Reports of this period already saved from this page (their title names the period)."""
    query = select(Document).where(
        Document.type == "statistical_report", Document.title == f"{REPORT_TITLE} {period_title}"
    )
    return list(db.session.scalars(query.order_by(Document.id)))


def _report_homes() -> list[Case]:
    """Open cases to file the report in: those already holding statistical reports first."""
    holding = select(Document.case_id).where(Document.type == "statistical_report")
    cases = db.session.scalars(select(Case).where(Case.status == "open").order_by(Case.number)).all()
    kept = set(db.session.scalars(holding))
    return sorted(cases, key=lambda case: (case.id not in kept, case.subject.get("kind") != "department", case.number))
