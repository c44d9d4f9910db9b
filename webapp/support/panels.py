"""The support panel of the case page: the journal, the deadlines, the case's categories, and what the viewer may
record or assign there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.cases.permissions import can_read_case, can_write_case
from webapp.cases.schemas import CATEGORIES_BY_KIND
from webapp.documents.services import DocumentTitle
from webapp.extensions import db
from webapp.policy import Action, allowed, roles_with
from webapp.runtime import local_today
from webapp.support import services
from webapp.support.models import EVENT_KINDS

SUPPORTED_KINDS = ("family", "citizen")


def case_support(actor: User, case: Case, documents: Sequence[DocumentTitle]) -> dict[str, Any] | None:
    """What the case page shows of support work (None: the actor does not read the case's content)."""
    if not can_read_case(actor, case):
        return None
    today = local_today()
    _, journal = services.case_journal(actor, case.id)
    deadlines = services.deadlines_of_case(actor, case, today)
    kind = case.subject.get("kind", "")
    return {
        "journal": journal,
        "deadlines": deadlines,
        "deadline_rows": [(case, deadline) for deadline in deadlines],
        "event_kinds": EVENT_KINDS,
        "categories": CATEGORIES_BY_KIND.get(kind, {}),
        "chosen": set(case.subject.get("categories") or ()),
        "keeps_journal": kind in SUPPORTED_KINDS or bool(journal),
        "may_record": can_write_case(actor, case) and case.status == "open",
        "may_assign": allowed(actor, Action.ASSIGN_RESPONSIBLE) and case.status == "open",
        "specialists": _specialists(case) if allowed(actor, Action.ASSIGN_RESPONSIBLE) else [],
        "documents": documents,
        "today": today,
    }


def _specialists(case: Case) -> list[User]:
    query = select(User).where(User.role.in_(roles_with(Action.TAKE_CASES)), User.is_active.is_(True))
    query = query.order_by(User.full_name)
    return [user for user in db.session.scalars(query) if case.district.code in user.district_codes]
