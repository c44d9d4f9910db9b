"""The API's case with its documents (GET /api/v1/cases/{id}): the one case answer that spans areas."""

from __future__ import annotations

from typing import Any

from webapp.api import actor, api, shown
from webapp.desk.serializers import case_with_documents_json
from webapp.documents.services import documents_of_case


@api.get("/cases/<int:case_id>")
def get_case(case_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    case, documents = documents_of_case(actor(), case_id)
    # The revision a correction (PATCH /api/v1/cases/{id}) names in If-Match.
    return case_with_documents_json(case, documents, shown()), {"ETag": f'"{case.revision}"'}
