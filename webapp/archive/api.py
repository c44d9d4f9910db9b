"""Archive endpoints: inventories, the destruction list, destruction acts, the expert commission's marks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, request

from webapp.api import actor, api, json_body, shown
from webapp.archive import destruction, inventories
from webapp.archive.files import paper_response
from webapp.archive.schemas import ActInput, InventoryInput
from webapp.archive.serializers import act_json, inventory_json
from webapp.cases import lifecycle
from webapp.cases.schemas import ExpertReviewInput
from webapp.cases.serializers import case_json
from webapp.jobs.api import job_json
from webapp.jobs.services import refreshed
from webapp.uow import commit
from webapp.validation import parse_input, parse_optional_int


@api.get("/archive/inventories")
def list_inventories() -> dict[str, Any]:
    year = parse_optional_int(request.args.get("year"), "year", minimum=1990, maximum=2100)
    items = inventories.list_inventories(actor(), year)
    return {"items": [inventory_json(item) for item in items], "total": len(items)}


@api.post("/archive/inventories")
def compile_inventory() -> tuple[dict[str, Any], int]:
    data = parse_input(InventoryInput, json_body())
    inventory = inventories.compile_inventory(actor(), data.year, data.retention_class, today=dt.date.today())
    commit()
    return _inventory_with_cases(inventory.id), 201


@api.get("/archive/inventories/<int:inventory_id>")
def get_inventory(inventory_id: int) -> dict[str, Any]:
    return _inventory_with_cases(inventory_id)


def _inventory_with_cases(inventory_id: int) -> dict[str, Any]:
    inventory, cut = inventories.get_inventory(actor(), inventory_id), shown()
    cases = [case_json(case, cut) for case in inventories.cases_of_inventory(inventory)]
    return {**inventory_json(inventory), "cases": cases}


@api.get("/archive/inventories/<int:inventory_id>/<any(docx, pdf):kind>")
def inventory_file(inventory_id: int, kind: str) -> Response:
    inventory, data = inventories.inventory_file(actor(), inventory_id, kind)
    commit()
    return paper_response(data, kind, f"opis-{inventory.number}-{inventory.year}")


@api.get("/archive/destruction-list")
def destruction_list() -> dict[str, Any]:
    found, cut = destruction.destruction_list(actor(), dt.date.today()), shown()
    return {
        "ready": [case_json(case, cut) for case in found.ready],
        "awaiting_review": [case_json(case, cut) for case in found.awaiting_review],
        "held": [case_json(case, cut) for case in found.held],
    }


@api.post("/cases/<int:case_id>/expert-review")
def expert_review(case_id: int) -> dict[str, Any]:
    data = parse_input(ExpertReviewInput, json_body())
    case = lifecycle.record_expert_review(
        actor(), case_id, data.decision, data.protocol, extend_years=data.extend_years, today=dt.date.today()
    )
    commit()
    return case_json(case, shown())


@api.get("/archive/destruction-acts")
def list_acts() -> dict[str, Any]:
    items = destruction.list_acts(actor())
    return {"items": [act_json(item) for item in items], "total": len(items)}


@api.post("/archive/destruction-acts")
def draft_act() -> tuple[dict[str, Any], int]:
    data = parse_input(ActInput, json_body())
    act = destruction.draft_act(actor(), data.case_ids, today=dt.date.today())
    commit()
    return _act_with_cases(act.id), 201


@api.get("/archive/destruction-acts/<int:act_id>")
def get_act(act_id: int) -> dict[str, Any]:
    return _act_with_cases(act_id)


def _act_with_cases(act_id: int) -> dict[str, Any]:
    act, cut = destruction.get_act(actor(), act_id), shown()
    return {**act_json(act), "cases": [case_json(case, cut) for case in destruction.cases_of_act(act)]}


@api.post("/archive/destruction-acts/<int:act_id>/approve")
def approve_act(act_id: int) -> tuple[dict[str, Any], int]:
    act, job = destruction.approve_act(actor(), act_id, today=dt.date.today())
    commit()
    return {**_act_with_cases(act.id), "job": job_json(refreshed(job))}, 202


@api.post("/archive/destruction-acts/<int:act_id>/cancel")
def cancel_act(act_id: int) -> dict[str, Any]:
    act = destruction.cancel_act(actor(), act_id)
    commit()
    return _act_with_cases(act.id)


@api.get("/archive/destruction-acts/<int:act_id>/<any(docx, pdf):kind>")
def act_file(act_id: int, kind: str) -> Response:
    act, data = destruction.act_file(actor(), act_id, kind)
    commit()
    return paper_response(data, kind, f"akt-{act.number}-{act.year}")
