"""Which cases a user reaches: the object-level rules (districts, grants), in one place every service asks.

What a role may do at all (approve, close, keep the archive, ...) is the policy table in webapp/policy.py.

A deputy in force (webapp.auth.deputies) reaches, besides their own cases, those where their principal's approval
acts wait (`acting_cases`): they see and read them, as a grant would, and write nothing more."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from webapp.auth.models import Deputy, District, User
from webapp.auth.roles import Role
from webapp.cases.models import Case, CaseGrant
from webapp.documents.models import Document, DocumentVersion
from webapp.extensions import db
from webapp.policy import Action, allowed, roles_with
from webapp.runtime import local_today
from webapp.signing.models import Signature

# Roles that see every case of the department: its metadata (lists, case pages, document lists)...
DEPARTMENT_WIDE_ROLES = frozenset({Role.HEAD, Role.ARCHIVIST})
# ... and the roles that also read every case's content (document bytes, PDF copies, form values, search text).
CONTENT_WIDE_ROLES = frozenset({Role.HEAD})
# Specialists work the cases of their districts; other roles' districts (if any) give no access.
DISTRICT_ROLES = frozenset({Role.SPECIALIST})


# The role of the approving signature (webapp.signing.services.APPROVAL_ROLE, which imports this module).
APPROVAL_SIGNATURE = "утверждаю"


def _granted(user: User) -> Select[int]:
    return select(CaseGrant.case_id).where(CaseGrant.user_id == user.id, CaseGrant.in_force())


def acting_cases(user: User) -> Select[int]:
    """The open cases where a principal the user stands in for today has approval acts waiting: a document on
    approval, or approved and not yet signed «утверждаю». Deliberately narrow: a deputy takes the principal's
    approvals, so reads what they approve and sign, not the principal's whole reach (their lists, search and writes
    stay their own). A principal counts when active and of a role that approves and reads every case (the head), so
    the deputy reads nothing the principal would not."""
    today = local_today()
    principal = select(Deputy.id).join(User, User.id == Deputy.principal_id)
    in_force = principal.where(
        Deputy.deputy_id == user.id,
        Deputy.revoked_at.is_(None),
        Deputy.starts_on <= today,
        Deputy.ends_on >= today,
        User.is_active.is_(True),
        User.role.in_(roles_with(Action.APPROVE_DOCUMENTS) & CONTENT_WIDE_ROLES),
    )
    version = aliased(DocumentVersion)
    latest = select(func.max(version.number)).where(version.document_id == Document.id).correlate(Document)
    approval_signed = exists(
        select(Signature.id)
        .join(DocumentVersion, DocumentVersion.id == Signature.version_id)
        .where(
            DocumentVersion.document_id == Document.id,
            DocumentVersion.number == latest.scalar_subquery(),
            Signature.role == APPROVAL_SIGNATURE,
        )
        .correlate(Document)
    )
    waiting = or_(Document.status == "on_approval", and_(Document.status == "approved", ~approval_signed))
    acts = select(Document.case_id).join(Case, Case.id == Document.case_id).where(Case.status == "open")
    return acts.where(exists(in_force), waiting)


def _reached(user: User) -> CompoundSelect[int]:
    """The cases reached beyond role and districts: grants in force, and a deputy's `acting_cases`."""
    return _granted(user).union(acting_cases(user))


def reached_case_ids(user: User) -> frozenset[int]:
    return frozenset(db.session.scalars(_reached(user)))


def granted_case_ids(user: User) -> frozenset[int]:
    """The cases opened to the user by a grant in force (see CaseGrant), a commission member's included."""
    return frozenset(db.session.scalars(_granted(user)))


def writably_granted_case_ids(user: User) -> frozenset[int]:
    """The cases opened to the user by a grant in force that lets them add documents: not a commission member's,
    which is for reading a hearing's cases."""
    return frozenset(db.session.scalars(_granted(user).where(CaseGrant.hearing_id.is_(None))))


def sees_all_cases(user: User) -> bool:
    return user.role in DEPARTMENT_WIDE_ROLES


def _works_in(user: User, case: Case) -> bool:
    return user.role in DISTRICT_ROLES and case.district.code in user.district_codes


def content_scope(role: str, district_codes: Sequence[str] | frozenset[str]) -> frozenset[str] | None:
    """Whose case content a role reads without a grant: None is every case (the head), else the districts."""
    if role in CONTENT_WIDE_ROLES:
        return None
    if role in DISTRICT_ROLES:
        return frozenset(district_codes)
    return frozenset()


def can_see_case(user: User, case: Case) -> bool:
    """The case's metadata: number, heading, status, its documents' titles and versions."""
    return sees_all_cases(user) or _works_in(user, case) or case.id in reached_case_ids(user)


def can_read_case(user: User, case: Case) -> bool:
    """The case's content: every read of a document's bytes, PDF copy, form values or text goes through this."""
    # The grants are read only when the role and districts do not settle it: the case page asks for each document.
    return user.role in CONTENT_WIDE_ROLES or _works_in(user, case) or case.id in reached_case_ids(user)


def content_reader(user: User) -> Callable[[Case], bool]:
    """can_read_case for many cases (a list, an inventory): the user's grants (and a deputy's waiting acts) are
    read once, and only when a case comes that the role and districts do not settle: a specialist's answer about a
    case of their district, or the head's about any case, makes no query."""
    reached: frozenset[int] | None = None

    def reads(case: Case) -> bool:
        nonlocal reached
        if user.role in CONTENT_WIDE_ROLES or _works_in(user, case):
            return True
        if reached is None:
            reached = reached_case_ids(user)
        return case.id in reached

    return reads


def can_write_case(user: User, case: Case) -> bool:
    """Adding documents and versions, submitting them: whoever reads the content, except administrators and
    commission members reading a hearing's case."""
    if not allowed(user, Action.WRITE_CASES):
        return False
    return user.role in CONTENT_WIDE_ROLES or _works_in(user, case) or case.id in writably_granted_case_ids(user)


def can_open_case_in(user: User, district: District) -> bool:
    if not allowed(user, Action.OPEN_CASES):
        return False
    return sees_all_cases(user) or district.code in user.district_codes


def readable_cases_clause(user: User) -> ColumnElement[bool] | None:
    """A WHERE clause limiting a Case query to the cases the user sees (None: no limit)."""
    if sees_all_cases(user):
        return None
    district_ids = [d.id for d in user.districts] if user.role in DISTRICT_ROLES else []
    return or_(Case.district_id.in_(district_ids), Case.id.in_(_granted(user)), Case.id.in_(acting_cases(user)))


def content_cases_clause(user: User) -> ColumnElement[bool] | None:
    """A WHERE clause limiting a Case query to the cases whose content the user reads (None: no limit)."""
    if user.role in CONTENT_WIDE_ROLES:
        return None
    district_ids = [d.id for d in user.districts] if user.role in DISTRICT_ROLES else []
    return or_(Case.district_id.in_(district_ids), Case.id.in_(_granted(user)), Case.id.in_(acting_cases(user)))


def search_scope(user: User) -> tuple[frozenset[str] | None, frozenset[int]]:
    """Whose documents' text the user may search: (districts, None meaning all; plus these granted cases)."""
    if user.role in CONTENT_WIDE_ROLES:
        return None, frozenset()
    districts = user.district_codes if user.role in DISTRICT_ROLES else frozenset()
    return districts, granted_case_ids(user)
