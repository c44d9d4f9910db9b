"""Case pages: the list of cases the user may see, and one case with its documents."""

from __future__ import annotations

from flask import render_template, request
from flask_login import login_required

from webapp.cases import services
from webapp.cases.lifecycle import case_history
from webapp.cases.schemas import CaseFilters
from webapp.documents.services import documents_of_case
from webapp.ui import current_actor, ui
from webapp.validation import parse_int

PER_PAGE = 50
EVENT_LABELS = {
    "close": "Закрыто",
    "reopen": "Открыто повторно",
    "hold": "Установлено удержание",
    "release": "Удержание снято",
}


@ui.get("/")
@login_required
def cases() -> str:
    page = parse_int(request.args.get("page"), "page", default=1)
    status = request.args.get("status") or None
    filters = CaseFilters(status=status if status in ("open", "closed") else None)
    items, total = services.list_cases(current_actor(), filters, page=page, per_page=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render_template("cases/list.html", cases=items, total=total, page=page, pages=pages, status=status)


@ui.get("/cases/<int:case_id>")
@login_required
def case(case_id: int) -> str:
    case, documents = documents_of_case(current_actor(), case_id)
    return render_template(
        "cases/detail.html", case=case, documents=documents, history=case_history(case), event_labels=EVENT_LABELS
    )
