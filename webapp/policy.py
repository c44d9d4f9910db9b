"""Who may do what, by role: the one table of role-level rules, checked with `require` and `allowed`.

Services call `require(actor, Action.X)` before they act; pages ask `allowed(Action.X)` (a Jinja global for the
logged-in user). Which case, district or grant a user reaches is an object-level rule and lives in
webapp/cases/permissions.py. The command line acts as SYSTEM, which passes every check and is recorded in the audit
log as the system (no user id)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from webapp.auth.models import User
from webapp.auth.roles import Role
from webapp.exceptions import Forbidden

SPECIALIST, HEAD, ARCHIVIST, ADMIN = Role.SPECIALIST, Role.HEAD, Role.ARCHIVIST, Role.ADMIN


class Action(StrEnum):
    OPEN_CASES = "open_cases"
    WRITE_CASES = "write_cases"
    TAKE_CASES = "take_cases"
    PREPARE_DOCUMENTS = "prepare_documents"
    SEE_DEADLINES = "see_deadlines"
    SIGN_COMPILED = "sign_compiled"
    APPROVE_DOCUMENTS = "approve_documents"
    SIGN_APPROVAL = "sign_approval"
    CANCEL_JOURNAL_ENTRIES = "cancel_journal_entries"
    GRANT_CASE_ACCESS = "grant_case_access"
    ASSIGN_RESPONSIBLE = "assign_responsible"
    TRANSFER_CASES = "transfer_cases"
    CONFIRM_ACCESS_REQUESTS = "confirm_access_requests"
    COMPUTE_REPORT = "compute_report"
    CLOSE_CASES = "close_cases"
    REOPEN_CASES = "reopen_cases"
    SET_HOLDS = "set_holds"
    EDIT_NOMENCLATURE = "edit_nomenclature"
    VIEW_ARCHIVE = "view_archive"
    KEEP_ARCHIVE = "keep_archive"
    APPROVE_DESTRUCTION = "approve_destruction"
    BREAK_CHECKOUTS = "break_checkouts"
    NAME_DEPUTIES = "name_deputies"
    MANAGE_HEARINGS = "manage_hearings"
    READ_AUDIT_LOG = "read_audit_log"
    SEE_ALL_JOBS = "see_all_jobs"
    MANAGE_USERS = "manage_users"
    DEACTIVATE_USERS = "deactivate_users"
    MANAGE_ALL_TOKENS = "manage_all_tokens"
    MANAGE_TEMPLATES = "manage_templates"
    SEE_STORAGE = "see_storage"
    TRUST_AUTHORITIES = "trust_authorities"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    refusal: str  # the Forbidden message (never personal data)
    code: str = "forbidden"


def _rule(roles: set[Role], refusal: str, code: str = "forbidden") -> Rule:
    return Rule(frozenset(roles), refusal, code)


# Read it like README's "Who sees what": each action, the roles that may take it, and what the others are told.
POLICY: dict[Action, Rule] = {
    # The department's case work
    Action.OPEN_CASES: _rule({SPECIALIST, HEAD, ARCHIVIST}, "Открывать дела может сотрудник отделения"),
    Action.WRITE_CASES: _rule({SPECIALIST, HEAD, ARCHIVIST}, "Администратор не меняет содержимое дел"),
    Action.TAKE_CASES: _rule({SPECIALIST}, "Ответственным за дело бывает специалист участка"),
    Action.PREPARE_DOCUMENTS: _rule({SPECIALIST, HEAD}, "Документы готовят специалист и заведующий"),
    Action.SEE_DEADLINES: _rule({SPECIALIST, HEAD}, "Сроки видят специалист и заведующий"),
    Action.SIGN_COMPILED: _rule({SPECIALIST, HEAD}, "Подписывает специалист участка или заведующий"),
    # The head
    Action.APPROVE_DOCUMENTS: _rule({HEAD}, "Утверждает документы заведующий отделением"),
    Action.SIGN_APPROVAL: _rule({HEAD}, "Подписать в роли «утверждаю» может только заведующий отделением"),
    Action.CANCEL_JOURNAL_ENTRIES: _rule({HEAD}, "Отменить запись может её автор или заведующий отделением"),
    Action.GRANT_CASE_ACCESS: _rule({HEAD}, "Открывать доступ к делу может заведующий отделением"),
    Action.ASSIGN_RESPONSIBLE: _rule({HEAD}, "Ответственного специалиста назначает заведующий отделением"),
    Action.TRANSFER_CASES: _rule({HEAD}, "Передаёт дело на другой участок заведующий отделением"),
    Action.CONFIRM_ACCESS_REQUESTS: _rule(
        {HEAD}, "Изменения доступа подтверждает заведующий отделением", code="head_only"
    ),
    Action.COMPUTE_REPORT: _rule({HEAD}, "Статистический отчёт отделения формирует заведующий отделением"),
    Action.APPROVE_DESTRUCTION: _rule({HEAD}, "Акт об уничтожении утверждает заведующий отделением"),
    Action.BREAK_CHECKOUTS: _rule({HEAD}, "Снять чужую блокировку документа может заведующий отделением"),
    # Naming and revoking someone else's deputy, seeing everyone's; one's own, anyone (webapp.auth.deputies)
    Action.NAME_DEPUTIES: _rule({HEAD}, "Заместителя другому сотруднику назначает заведующий отделением"),
    # Commissions and their hearings (a commission's secretary builds its agendas and protocols too: the object-
    # level rule is in webapp/hearings/permissions.py)
    Action.MANAGE_HEARINGS: _rule(
        {HEAD}, "Повестку и протокол заседания готовят заведующий отделением и секретарь комиссии"
    ),
    # The archive
    Action.CLOSE_CASES: _rule({ARCHIVIST, HEAD}, "Закрывают дело архивариус или заведующий отделением"),
    Action.REOPEN_CASES: _rule({ARCHIVIST}, "Открыть закрытое дело может только архивариус"),
    Action.SET_HOLDS: _rule({ARCHIVIST}, "Приостановку уничтожения (legal hold) устанавливает архивариус"),
    Action.EDIT_NOMENCLATURE: _rule({ARCHIVIST, ADMIN}, "Номенклатуру ведёт архивариус"),
    Action.VIEW_ARCHIVE: _rule({ARCHIVIST, HEAD}, "Акты об уничтожении видят архивариус и заведующий отделением"),
    Action.KEEP_ARCHIVE: _rule({ARCHIVIST}, "Описи и акты об уничтожении ведёт архивариус"),
    # Oversight and administration
    Action.READ_AUDIT_LOG: _rule({HEAD, ADMIN}, "Журнал аудита видят заведующий и администратор"),
    Action.SEE_ALL_JOBS: _rule({HEAD, ADMIN}, "Чужие задачи видят заведующий и администратор"),
    Action.MANAGE_USERS: _rule({ADMIN}, "Учётными записями управляет администратор"),
    Action.DEACTIVATE_USERS: _rule({ADMIN}, "Деактивирует пользователей администратор"),
    Action.MANAGE_ALL_TOKENS: _rule({ADMIN}, "Чужие токены видит администратор"),
    Action.MANAGE_TEMPLATES: _rule({ADMIN}, "Шаблоны меняет администратор"),
    Action.SEE_STORAGE: _rule({ADMIN}, "Сведения о хранилище доступны администратору"),
    Action.TRUST_AUTHORITIES: _rule({ADMIN}, "Доверенные удостоверяющие центры ведёт администратор"),
}


@dataclass(frozen=True)
class SystemActor:
    """The command line run on the server: the operator's authority, no account. Passes every check; its audit
    events have no user id and say `"by": "system"` in their details."""

    name: str = "system"
    id: None = None
    full_name: str = ""
    role_label: str = ""


SYSTEM = SystemActor()
Actor = User | SystemActor


def allowed(actor: Actor, action: Action) -> bool:
    if isinstance(actor, SystemActor):
        return True
    return actor.role in POLICY[action].roles


def require(actor: Actor, action: Action) -> None:
    """Raise Forbidden with the action's message unless the actor may take it."""
    if not allowed(actor, action):
        rule = POLICY[action]
        raise Forbidden(rule.refusal, code=rule.code)


def roles_with(action: Action) -> frozenset[Role]:
    """The roles that may take the action (for queries: `User.role.in_(roles_with(...))`)."""
    return POLICY[action].roles
