"""Commission hearing endpoints: commissions and their members, the questions the head keeps, hearings, their
agendas, sending the agenda, holding the hearing and its decisions. The package, the protocol and the external
members' links have modules of their own (api_package, api_protocol, api_links).

Times are UTC ISO 8601 in answers; `starts_at` in a body may carry its offset (or none: the institution's time)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic
from flask import request

from webapp.api import actor, api, json_body, page_params, paginated
from webapp.cases.serializers import Disclosure
from webapp.exceptions import ValidationError
from webapp.hearings import services
from webapp.hearings.schemas import CommissionInput, DecisionInput, HearingInput, ItemInput, MemberInput, QuestionInput
from webapp.hearings.serializers import (
    case_hearing_json,
    commission_json,
    hearing_json,
    item_json,
    member_json,
    question_json,
)
from webapp.uow import commit
from webapp.validation import RecordId, StrictInput, parse_input, parse_optional_date


class DocumentsInput(StrictInput):
    """The documents of the item's case to present, in order."""

    document_ids: list[RecordId] = pydantic.Field(max_length=200)


# --- commissions ----------------------------------------------------------------------------------------


@api.get("/commissions")
def list_commissions() -> dict[str, Any]:
    """Active commissions; `?all=1` with those no longer active."""
    found = services.list_commissions(active_only=request.args.get("all") != "1")
    return {"items": [commission_json(commission, actor()) for commission in found], "total": len(found)}


@api.post("/commissions")
def create_commission() -> tuple[dict[str, Any], int]:
    commission = services.create_commission(actor(), parse_input(CommissionInput, json_body()))
    commit()
    return commission_json(commission, actor()), 201


@api.get("/commissions/<int:commission_id>")
def get_commission(commission_id: int) -> dict[str, Any]:
    return commission_json(services.get_commission(commission_id), actor())


@api.post("/commissions/<int:commission_id>/members")
def add_commission_member(commission_id: int) -> tuple[dict[str, Any], int]:
    member = services.add_member(actor(), commission_id, parse_input(MemberInput, json_body()))
    commit()
    return member_json(member), 201


@api.delete("/commissions/<int:commission_id>/members/<int:member_id>")
def remove_commission_member(commission_id: int, member_id: int) -> tuple[str, int]:
    services.remove_member(actor(), commission_id, member_id)
    commit()
    return "", 204


@api.get("/commissions/<int:commission_id>/planned")
def planned_hearing_items(commission_id: int) -> dict[str, Any]:
    """Items a repeat decision planned for a later hearing, not yet on an agenda."""
    items = services.planned_items(actor(), commission_id)
    shown = Disclosure(actor())
    return {"items": [item_json(item, actor(), shown) for item in items], "total": len(items)}


# --- questions the head keeps ---------------------------------------------------------------------------


@api.get("/hearing-questions")
def list_hearing_questions() -> dict[str, Any]:
    found = services.list_questions(active_only=request.args.get("all") != "1")
    return {"items": [question_json(question) for question in found], "total": len(found)}


@api.post("/hearing-questions")
def add_hearing_question() -> tuple[dict[str, Any], int]:
    question = services.add_question(actor(), parse_input(QuestionInput, json_body()).title)
    commit()
    return question_json(question), 201


@api.delete("/hearing-questions/<int:question_id>")
def retire_hearing_question(question_id: int) -> tuple[str, int]:
    services.retire_question(actor(), question_id)
    commit()
    return "", 204


# --- hearings -------------------------------------------------------------------------------------------


@api.get("/hearings")
def list_hearings() -> dict[str, Any]:
    """The hearings the caller sees, newest first; `from` and `to` (dates, both included, in the institution's
    time) limit the period, as a month's calendar asks."""
    start, end = _period()
    page, per_page = page_params()
    found, total = services.find_hearings(actor(), start=start, end=end, page=page, per_page=per_page)
    return paginated(found, total, lambda hearing: hearing_json(hearing, actor()))


def _period() -> tuple[dt.datetime | None, dt.datetime | None]:
    first = parse_optional_date(request.args.get("from"), "from")
    last = parse_optional_date(request.args.get("to"), "to")
    if first is not None and last is not None and first > last:
        raise ValidationError("to: дата раньше, чем from", code="invalid_parameter")
    start = services.to_utc(dt.datetime.combine(first, dt.time())) if first else None
    end = services.to_utc(dt.datetime.combine(last + dt.timedelta(days=1), dt.time())) if last else None
    return start, end


@api.post("/hearings")
def create_hearing() -> tuple[dict[str, Any], int]:
    hearing = services.create_hearing(actor(), parse_input(HearingInput, json_body()))
    commit()
    return hearing_json(hearing, actor(), with_items=True), 201


@api.get("/hearings/<int:hearing_id>")
def get_hearing(hearing_id: int) -> dict[str, Any]:
    hearing = services.get_hearing(actor(), hearing_id)
    commit()  # the read is on record
    return hearing_json(hearing, actor(), with_items=True)


@api.get("/cases/<int:case_id>/hearings")
def case_hearings(case_id: int) -> dict[str, Any]:
    """The case's agenda items, newest hearing first, each with its hearing."""
    items = services.hearings_of_case(actor(), case_id)
    shown = Disclosure(actor())
    return {"items": [case_hearing_json(item, actor(), shown) for item in items], "total": len(items)}


# --- the agenda -----------------------------------------------------------------------------------------


@api.post("/hearings/<int:hearing_id>/items")
def add_hearing_item(hearing_id: int) -> tuple[dict[str, Any], int]:
    item = services.add_item(actor(), hearing_id, parse_input(ItemInput, json_body()))
    commit()
    return item_json(item, actor(), Disclosure(actor())), 201


@api.delete("/hearings/<int:hearing_id>/items/<int:item_id>")
def remove_hearing_item(hearing_id: int, item_id: int) -> tuple[str, int]:
    services.remove_item(actor(), hearing_id, item_id)
    commit()
    return "", 204


@api.put("/hearings/<int:hearing_id>/items/<int:item_id>/documents")
def set_hearing_item_documents(hearing_id: int, item_id: int) -> dict[str, Any]:
    document_ids = parse_input(DocumentsInput, json_body()).document_ids
    item = services.set_item_documents(actor(), hearing_id, item_id, document_ids)
    commit()
    return item_json(item, actor(), Disclosure(actor()))


@api.post("/hearings/<int:hearing_id>/planned/<int:item_id>")
def put_planned_hearing_item(hearing_id: int, item_id: int) -> dict[str, Any]:
    item = services.put_planned_item(actor(), hearing_id, item_id)
    commit()
    return item_json(item, actor(), Disclosure(actor()))


# --- sending, holding, deciding -------------------------------------------------------------------------


@api.post("/hearings/<int:hearing_id>/send-agenda")
def send_hearing_agenda(hearing_id: int) -> dict[str, Any]:
    hearing = services.send_agenda(actor(), hearing_id)
    commit()
    return hearing_json(hearing, actor(), with_items=True)


@api.post("/hearings/<int:hearing_id>/held")
def mark_hearing_held(hearing_id: int) -> dict[str, Any]:
    hearing = services.mark_held(actor(), hearing_id)
    commit()
    return hearing_json(hearing, actor(), with_items=True)


@api.put("/hearings/<int:hearing_id>/items/<int:item_id>/decision")
def record_hearing_decision(hearing_id: int, item_id: int) -> dict[str, Any]:
    item = services.record_decision(actor(), hearing_id, item_id, parse_input(DecisionInput, json_body()))
    commit()
    return item_json(item, actor(), Disclosure(actor()))
