"""Support journal, case profile and deadline endpoints."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.api import actor, api, json_body, page_params, shown
from webapp.cases.schemas import ProfileInput
from webapp.cases.serializers import case_json
from webapp.cases.services import update_profile
from webapp.runtime import local_today
from webapp.support import services
from webapp.support.deadlines import Fact
from webapp.support.models import SupportEvent
from webapp.support.schemas import CancelInput, DeadlineFilters, ReportInput, SupportEventInput
from webapp.support.services import CaseDeadline
from webapp.uow import commit
from webapp.validation import parse_input


@api.put("/cases/<int:case_id>/profile")
def set_profile(case_id: int) -> dict[str, Any]:
    case = update_profile(actor(), case_id, parse_input(ProfileInput, json_body()))
    commit()
    return case_json(case, shown())


@api.get("/cases/<int:case_id>/journal")
def journal(case_id: int) -> dict[str, Any]:
    _, entries = services.case_journal(actor(), case_id)
    commit()
    return {"items": [entry_json(entry) for entry in entries], "total": len(entries)}


@api.post("/cases/<int:case_id>/journal")
def add_entry(case_id: int) -> tuple[dict[str, Any], int]:
    data = parse_input(SupportEventInput, json_body())
    entry = services.record_support_event(actor(), case_id, data, today=local_today())
    commit()
    return entry_json(entry), 201


@api.post("/journal/<int:entry_id>/cancel")
def cancel_entry(entry_id: int) -> dict[str, Any]:
    entry = services.cancel_support_event(actor(), entry_id, parse_input(CancelInput, json_body()).reason)
    commit()
    return entry_json(entry)


@api.get("/deadlines")
def deadlines() -> dict[str, Any]:
    filters = DeadlineFilters.from_args(request.args)
    page, per_page = page_params()
    found = services.find_deadlines(actor(), filters, local_today())
    chunk = found[(page - 1) * per_page : page * per_page]
    return {"items": [deadline_json(item) for item in chunk], "total": len(found)}


def entry_json(entry: SupportEvent) -> dict[str, Any]:
    return {
        "id": entry.id,
        "case_id": entry.case_id,
        "kind": entry.kind,
        "detail": entry.detail,
        "label": entry.label,
        "occurred_on": entry.occurred_on.isoformat(),
        "note": entry.note,
        "document_id": entry.document_id,
        "recorded_by": entry.recorded_by.username,
        "recorded_at": entry.recorded_at.isoformat(),
        "cancelled": entry.cancelled_at is not None,
        "cancel_reason": entry.cancel_reason,
    }


def deadline_json(item: CaseDeadline) -> dict[str, Any]:
    deadline = item.deadline
    return {
        "case_id": deadline.case_id,
        "case_number": item.case.number,
        "district": item.case.district.code,
        "responsible": item.case.responsible.username if item.case.responsible else None,
        "kind": deadline.kind,
        "kind_label": deadline.kind_label,
        "starts_on": deadline.starts_on.isoformat(),
        "earliest_on": deadline.earliest_on.isoformat() if deadline.earliest_on else None,
        "due_on": deadline.due_on.isoformat(),
        "status": deadline.status,
        "status_label": deadline.status_label,
        "met_on": deadline.met_on.isoformat() if deadline.met_on else None,
        "met_by": _fact_json(deadline.met_by),
        "started_by": _fact_json(deadline.started_by),
    }


def _fact_json(fact: Fact | None) -> dict[str, Any] | None:
    if fact is None or fact.source == "case":
        return None
    return {"type": "journal_entry" if fact.source == "event" else "document", "id": fact.id, "on": fact.on.isoformat()}


@api.get("/reports/statistical")
def statistical_report() -> dict[str, Any]:
    report = services.department_report(actor(), request.args.get("period", ""))
    return {
        "period": report.period.code,
        "start": report.period.start.isoformat(),
        "end": report.period.end.isoformat(),
        "indicators": [
            {
                "code": code,
                "label": indicator.label,
                "value": indicator.value,
                "manual": indicator.manual,
                "cases": [{"case_id": case_id, "count": count} for case_id, count in sorted(indicator.cases.items())],
            }
            for code, indicator in report.indicators.items()
        ],
        "notes": report.notes,
    }


@api.post("/reports/statistical")
def save_statistical_report() -> tuple[dict[str, Any], int]:
    data = parse_input(ReportInput, json_body())
    document = services.save_report(
        actor(),
        data.period,
        data.case_id,
        {code: (item.value, item.note) for code, item in data.corrections.items()},
        institution=data.institution,
        today=local_today(),
    )
    commit()
    return {"document_id": document.id, "case_id": document.case_id, "title": document.title}, 201
