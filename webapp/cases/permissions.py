"""Who may see and do what with case files. The one place these rules live."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false

from webapp.auth.models import District, User
from webapp.cases.models import Case

# Roles that see every case of the department.
DEPARTMENT_WIDE_ROLES = frozenset({"head", "archivist", "admin"})
CASE_OPENING_ROLES = frozenset({"specialist", "head", "archivist"})


def sees_all_cases(user: User) -> bool:
    return user.role in DEPARTMENT_WIDE_ROLES


def can_read_case(user: User, case: Case) -> bool:
    return sees_all_cases(user) or case.district.code in user.district_codes


def can_write_case(user: User, case: Case) -> bool:
    return user.role != "admin" and can_read_case(user, case)


def can_open_case_in(user: User, district: District) -> bool:
    if user.role not in CASE_OPENING_ROLES:
        return False
    return sees_all_cases(user) or district.code in user.district_codes


def readable_cases_clause(user: User) -> ColumnElement[bool] | None:
    """A WHERE clause limiting a Case query to what the user may read (None: no limit)."""
    if sees_all_cases(user):
        return None
    district_ids = [d.id for d in user.districts]
    if not district_ids:
        return false()
    return Case.district_id.in_(district_ids)


def search_scope(user: User) -> frozenset[str] | None:
    """Districts whose documents the user may find (None: all)."""
    return None if sees_all_cases(user) else user.district_codes


CLOSING_ROLES = frozenset({"archivist", "head"})
ARCHIVIST_ROLES = frozenset({"archivist"})


def can_close_case(user: User) -> bool:
    return user.role in CLOSING_ROLES


def can_reopen_or_hold(user: User) -> bool:
    return user.role in ARCHIVIST_ROLES


def can_keep_archive(user: User) -> bool:
    """Inventories, expert review marks, destruction lists and acts."""
    return user.role in ARCHIVIST_ROLES


def can_approve_destruction(user: User) -> bool:
    return user.role == "head"


def can_approve_documents(user: User) -> bool:
    """The head approves, returns and annuls documents, and signs them as «утверждаю»."""
    return user.role == "head"
