"""Deputies over the API: `GET /api/v1/deputies` (the caller's, as principal and as deputy; the head's: everyone's),
`POST /api/v1/deputies`, `POST /api/v1/deputies/{id}/revoke`. Dates are the institution's (ISO `YYYY-MM-DD`)."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.api import actor, api, json_body
from webapp.auth.deputies import list_deputies, revoke_deputy
from webapp.auth.deputies_schemas import deputy_json, name_from_input
from webapp.runtime import local_today
from webapp.uow import commit


@api.get("/deputies")
def deputies_list() -> dict[str, Any]:
    """Periods in force and to come; `?past=1` adds those that ended or were revoked."""
    rows = list_deputies(actor(), include_past=request.args.get("past") == "1")
    today = local_today()
    return {"items": [deputy_json(row, today) for row in rows], "total": len(rows)}


@api.post("/deputies")
def deputy_create() -> tuple[dict[str, Any], int]:
    row = name_from_input(actor(), json_body())
    commit()
    return deputy_json(row, local_today()), 201


@api.post("/deputies/<int:deputy_id>/revoke")
def deputy_revoke(deputy_id: int) -> dict[str, Any]:
    row = revoke_deputy(actor(), deputy_id)
    commit()
    return deputy_json(row, local_today())
