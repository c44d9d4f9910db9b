"""The API's case with its documents (GET /api/v1/cases/{id}): the one case answer that spans areas."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.api import actor, api, shown
from webapp.desk.paging import documents_page
from webapp.desk.serializers import case_with_documents_json
from webapp.documents.services import page_of_documents


@api.get("/cases/<int:case_id>")
def get_case(case_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The case with one page of its documents (`documents_page`, `documents_per_page`) and their total."""
    paging = documents_page(request.args)
    case, documents, total = page_of_documents(actor(), case_id, page=paging.page, per_page=paging.per_page)
    record = case_with_documents_json(case, documents, shown())
    record |= {"documents_total": total, "documents_page": paging.page, "documents_per_page": paging.per_page}
    # The revision a correction (PATCH /api/v1/cases/{id}) names in If-Match.
    return record, {"ETag": f'"{case.revision}"'}
