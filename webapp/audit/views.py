"""The audit log page: filter by person, action, object and dates; check the chain."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.audit.api import audit_filters
from webapp.audit.chain import verify_chain
from webapp.audit.models import AuditEvent
from webapp.audit.services import list_events
from webapp.auth.models import User
from webapp.extensions import db
from webapp.pagination import page_count
from webapp.policy import Action, require
from webapp.ui import current_actor, ui
from webapp.validation import parse_int

PER_PAGE = 100
ACTION_GROUPS = {
    "auth.": "Входы и выходы",
    "version.": "Чтение и создание версий",
    "document.": "Документы и согласование",
    "signature.": "Подписи",
    "case.": "Дела: открытие, закрытие, удержание, доступ, выгрузки",
    "export.": "Скачивание выгрузок",
    "search.": "Поиск",
    "inventory.": "Описи",
    "destruction_act.": "Акты об уничтожении",
    "nomenclature.": "Номенклатура",
    "user.": "Пользователи",
    "certificate.": "Сертификаты",
    "deputy.": "Заместители",
    "template.": "Шаблоны",
}


@ui.get("/audit")
@login_required
def audit_page() -> str:
    page = parse_int(request.args.get("page"), "page", default=1)
    filters = audit_filters()
    events, total = list_events(current_actor(), filters, page=page, per_page=PER_PAGE)
    ids = {event.actor_id for event in events if event.actor_id is not None}
    ids |= {user_id for event in events if (user_id := _acting_for(event)) is not None}  # whom a deputy acted for
    people = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}
    users = db.session.scalars(select(User).order_by(User.full_name)).all()
    return render_template(
        "audit/log.html",
        events=events,
        total=total,
        page=page,
        pages=page_count(total, PER_PAGE),
        filters=filters,
        people=people,
        users=users,
        groups=ACTION_GROUPS,
        args={key: value for key, value in request.args.items() if key != "page" and value},
    )


def _acting_for(event: AuditEvent) -> int | None:
    acting_for = (event.details or {}).get("acting_for")
    return acting_for if isinstance(acting_for, int) else None


@ui.post("/audit/verify")
@login_required
def audit_verify_page() -> Response:
    require(current_actor(), Action.READ_AUDIT_LOG)
    report = verify_chain()
    if report.ok:
        flash(f"Цепочка журнала цела: проверено событий — {report.checked}", "success")
    else:
        flash(f"Цепочка журнала нарушена на событии № {report.broken_at}: {report.reason}", "error")
    return redirect(url_for("ui.audit_page"))
