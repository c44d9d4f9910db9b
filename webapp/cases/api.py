"""Case endpoints."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.api import actor, api, json_body, page_params, paginated, revision_seen, shown
from webapp.cases import corrections, grants, lifecycle, services
from webapp.cases.schemas import CaseEdit, CaseFilters, CaseInput, CloseInput, GrantInput, ReasonInput
from webapp.cases.serializers import case_json, grant_json, history_json
from webapp.uow import commit
from webapp.validation import parse_input, parse_optional_int


@api.post("/cases")
def create_case() -> tuple[dict[str, Any], int]:
    case = services.open_case(actor(), parse_input(CaseInput, json_body()))
    commit()
    return case_json(case, shown()), 201


@api.get("/cases")
def list_cases() -> dict[str, Any]:
    filters = CaseFilters(
        district=request.args.get("district") or None,
        status=request.args.get("status") or None,
        year=parse_optional_int(request.args.get("year"), "year", minimum=1990, maximum=2100),
        nomenclature=request.args.get("nomenclature") or None,
        number=request.args.get("number") or None,
    )
    page, per_page = page_params()
    items, total = services.list_cases(actor(), filters, page=page, per_page=per_page)
    cut = shown()
    return paginated(items, total, lambda case: case_json(case, cut))


@api.patch("/cases/<int:case_id>")
def edit_case(case_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Correct the case's details (webapp.cases.corrections), against the revision named by If-Match or `revision`."""
    data = parse_input(CaseEdit, json_body())
    case = corrections.edit_case(actor(), case_id, data, revision=revision_seen(data.revision))
    commit()
    return case_json(case, shown()), 200, {"ETag": f'"{case.revision}"'}


@api.get("/cases/<int:case_id>/history")
def case_history(case_id: int) -> dict[str, Any]:
    case = services.get_case(actor(), case_id)
    cut = shown()
    items = [history_json(event, case, cut) for event in lifecycle.case_history(case)]
    return {"items": items, "total": len(items)}


@api.post("/cases/<int:case_id>/close")
def close_case(case_id: int) -> dict[str, Any]:
    case = lifecycle.close_case(actor(), case_id, parse_input(CloseInput, json_body()).closed_on)
    commit()
    return case_json(case, shown())


@api.post("/cases/<int:case_id>/reopen")
def reopen_case(case_id: int) -> dict[str, Any]:
    case = lifecycle.reopen_case(actor(), case_id, parse_input(ReasonInput, json_body()).reason)
    commit()
    return case_json(case, shown())


@api.post("/cases/<int:case_id>/hold")
def set_hold(case_id: int) -> dict[str, Any]:
    case = lifecycle.set_legal_hold(actor(), case_id, parse_input(ReasonInput, json_body()).reason)
    commit()
    return case_json(case, shown())


@api.post("/cases/<int:case_id>/hold/release")
def release_hold(case_id: int) -> dict[str, Any]:
    case = lifecycle.release_legal_hold(actor(), case_id, parse_input(ReasonInput, json_body()).reason)
    commit()
    return case_json(case, shown())


@api.get("/cases/<int:case_id>/grants")
def case_grants(case_id: int) -> dict[str, Any]:
    items = grants.active_grants(actor(), case_id)
    case, cut = services.get_case(actor(), case_id), shown()
    return {"items": [grant_json(grant, case, cut) for grant in items], "total": len(items)}


@api.post("/cases/<int:case_id>/grants")
def grant_case_access(case_id: int) -> tuple[dict[str, Any], int]:
    body = parse_input(GrantInput, json_body())
    grant = grants.grant_access(actor(), case_id, body.username, body.reason)
    commit()
    return grant_json(grant, services.get_case(actor(), case_id), shown()), 201


@api.delete("/cases/<int:case_id>/grants/<int:grant_id>")
def revoke_case_access(case_id: int, grant_id: int) -> tuple[str, int]:
    grants.revoke_access(actor(), case_id, grant_id)
    commit()
    return "", 204
