"""Who may do what with commissions and hearings: the object-level rules, in one place every service asks.

- Building agendas and protocols, sending agendas, making links: the head (Action.MANAGE_HEARINGS) and the
  commission's secretary (a current member of it with the role «secretary» who has an account).
- Seeing a hearing: whoever manages it; its commission's current internal members; and whoever sees a case on
  its agenda (a specialist sees the hearings of their cases).
- Seeing an agenda item (its case, question, documents and decision): whoever manages the hearing, its
  commission's internal members once the agenda is sent, and whoever sees the item's case. Others who see the
  hearing are shown that there are more items, not what they are.
- Reading the documents of an item's case: through the case's own rules, which include the time-limited grants
  given to internal members when the agenda is sent (CaseGrant.hearing_id, expires_at).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select, true

from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.cases.permissions import can_see_case, readable_cases_clause
from webapp.exceptions import Forbidden, NotFound
from webapp.extensions import db
from webapp.hearings.models import Commission, CommissionMember, Hearing, HearingItem
from webapp.policy import POLICY, Action, allowed


def is_secretary(user: User, commission: Commission) -> bool:
    return any(m.user_id == user.id and m.role == "secretary" for m in commission.current_members)


def is_member(user: User, commission: Commission) -> bool:
    """A current member with an account (chair and secretary included)."""
    return any(m.user_id == user.id for m in commission.current_members)


def may_manage(user: User, commission: Commission) -> bool:
    return allowed(user, Action.MANAGE_HEARINGS) or is_secretary(user, commission)


def require_manager(user: User, commission: Commission) -> None:
    if not may_manage(user, commission):
        rule = POLICY[Action.MANAGE_HEARINGS]
        raise Forbidden(rule.refusal, code=rule.code)


def may_read_materials(user: User, hearing: Hearing) -> bool:
    """The hearing's package: its managers, and its commission's internal members once the agenda is sent (until
    the window ends: the package is gone then)."""
    commission = hearing.commission
    return may_manage(user, commission) or (hearing.agenda_sent_at is not None and is_member(user, commission))


def can_see_hearing(user: User, hearing: Hearing) -> bool:
    commission = hearing.commission
    if may_manage(user, commission) or is_member(user, commission):
        return True
    return any(can_see_case(user, item.case) for item in hearing.items)


def can_see_item(user: User, item: HearingItem) -> bool:
    hearing = item.hearing
    if hearing is not None:
        commission = hearing.commission
        if may_manage(user, commission):
            return True
        if hearing.agenda_sent_at is not None and is_member(user, commission):
            return True
    elif allowed(user, Action.MANAGE_HEARINGS):  # a planned item waiting for a hearing
        return True
    return can_see_case(user, item.case)


def visible_hearings_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause limiting a Hearing query to the hearings the user sees."""
    if allowed(user, Action.MANAGE_HEARINGS):
        return true()
    membership = exists().where(
        CommissionMember.commission_id == Hearing.commission_id,
        CommissionMember.user_id == user.id,
        CommissionMember.removed_at.is_(None),
    )
    cases = select(Case.id)
    readable = readable_cases_clause(user)
    if readable is not None:
        cases = cases.where(readable)
    on_agenda = exists().where(HearingItem.hearing_id == Hearing.id, HearingItem.case_id.in_(cases))
    return or_(membership, on_agenda)


def get_visible_hearing(user: User, hearing_id: int) -> Hearing:
    """The hearing, or «not found» for one the user does not see: its existence does not leak."""
    hearing = db.session.get(Hearing, hearing_id)
    if hearing is None or not can_see_hearing(user, hearing):
        raise NotFound("Заседание не найдено")
    return hearing
