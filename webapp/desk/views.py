"""The case list with the role's dashboard above it, and the case page: the case, its documents with their
workflow and signing panels, its support journal and deadlines, its grants and history."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import login_required

from webapp.cases import grants, services
from webapp.cases.corrections import FIELD_LABELS, edit_choices, specialists
from webapp.cases.lifecycle import case_history
from webapp.cases.models import CASE_STATUSES
from webapp.cases.permissions import can_write_case
from webapp.cases.schemas import CaseFilters
from webapp.cases.serializers import Disclosure
from webapp.desk.dashboard import dashboard
from webapp.desk.paging import DOCUMENTS_PER_PAGE, documents_page
from webapp.desk.serializers import case_with_documents_json
from webapp.documents.models import DOCUMENT_STATUSES, DOCUMENT_TYPES
from webapp.documents.panels import correction_panels
from webapp.documents.services import document_titles, page_of_documents
from webapp.hearings.services import hearings_of_case
from webapp.pagination import page_count
from webapp.policy import Action, allowed
from webapp.previews.delivery import first_page_thumbnails
from webapp.runtime import local_today
from webapp.signing.panels import PAPER_ROWS, TRANSITION_LABELS, document_panels
from webapp.support.panels import case_support
from webapp.tasks.panels import case_tasks
from webapp.ui import current_actor, ui
from webapp.uow import commit
from webapp.validation import parse_int, parse_optional_int

PER_PAGE = 50
EVENT_LABELS = {
    "close": "Закрыто",
    "reopen": "Открыто повторно",
    "hold": "Установлено удержание",
    "release": "Удержание снято",
    "expert_review": "Экспертиза ценности (ЭК)",
    "transfer": "Передано в архив",
    "destroy": "Уничтожение",
    "edit": "Исправлены сведения дела",
    "document_edit": "Исправлены сведения документа",
    "checkout_broken": "Снята блокировка документа",
}


@ui.get("/")
@login_required
def cases() -> str:
    page = parse_int(request.args.get("page"), "page", default=1)
    status = request.args.get("status") or None
    filters = CaseFilters(
        status=status if status in CASE_STATUSES else None,
        nomenclature=request.args.get("nomenclature") or None,
        year=parse_optional_int(request.args.get("year"), "year", minimum=1990, maximum=2100),
    )
    items, total = services.list_cases(current_actor(), filters, page=page, per_page=PER_PAGE)
    pages = page_count(total, PER_PAGE)
    scope = {key: value for key, value in (("nomenclature", filters.nomenclature), ("year", filters.year)) if value}
    board = dashboard(current_actor(), local_today()) if page == 1 and not status and not scope else None
    return render_template(
        "cases/list.html",
        cases=items,
        total=total,
        page=page,
        pages=pages,
        status=status,
        scope=scope,
        board=board,
        # The head's bulk change of the responsible specialist of the cases ticked in the list.
        specialists=specialists() if allowed(current_actor(), Action.ASSIGN_RESPONSIBLE) else [],
    )


@ui.get("/cases/<int:case_id>")
@login_required
def case(case_id: int) -> str:
    actor = current_actor()
    paging = documents_page(request.args)
    case, documents, total = page_of_documents(actor, case_id, page=paging.page, per_page=paging.per_page)
    shown = Disclosure(actor)
    may_grant = allowed(actor, Action.GRANT_CASE_ACCESS)
    titles = document_titles(case)
    support = case_support(actor, case, titles)
    page = render_template(
        "cases/detail.html",
        case=case,
        record=case_with_documents_json(case, documents, shown),  # what of the case and its documents is shown
        documents_total=total,
        paging=paging,
        default_per_page=DOCUMENTS_PER_PAGE,
        documents_pages=paging.pages(total),
        first_number=(paging.page - 1) * paging.per_page + 1,
        may_read=shown.shows_content(case),
        may_write=can_write_case(actor, case),
        may_grant=may_grant,
        document_types=DOCUMENT_TYPES,
        document_statuses=DOCUMENT_STATUSES,
        max_upload_mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
        grants=grants.active_grants(actor, case_id) if may_grant else [],
        grantable=grants.grantable_users() if may_grant else [],
        panels=document_panels(actor, documents, shown),
        corrections=correction_panels(actor, documents),
        transition_labels=TRANSITION_LABELS,
        paper_rows=PAPER_ROWS,
        history=case_history(case),
        event_labels=EVENT_LABELS,
        edit=edit_choices(actor, case),  # «Изменить»: the fields this viewer may correct
        field_labels=FIELD_LABELS,
        may_close=allowed(current_actor(), Action.CLOSE_CASES),
        may_archive=allowed(current_actor(), Action.SET_HOLDS),
        support=support,
        hearing_items=hearings_of_case(actor, case_id),  # «Заседания»: the case's agenda items, newest first
        tasks=case_tasks(actor, case, titles, local_today()),  # «Задачи»: the case's tasks, «Поручить задачу»
        # The first page of each document's latest version, linking to the viewer.
        thumbnails=first_page_thumbnails(
            (document.id, document.latest_version.number) for document in documents if document.latest_version
        )
        if shown.shows_content(case) and case.status != "destroyed"
        else {},
    )
    # The journal's read is audited. Committed after rendering: a commit expires every loaded row, and the page
    # would load each document, version and signature again one by one.
    commit()
    return page
