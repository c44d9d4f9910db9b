"""The kinds of notification: what the settings page calls each, what the inbox and the e-mails say (never
personal data: only what kind of thing happened, counts, case numbers and dates), and who gets it by e-mail
unless they chose otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webapp.notifications.models import Notification
from webapp.policy import Action


@dataclass(frozen=True)
class Kind:
    label: str  # the settings page and the inbox's filter
    text: str  # str.format with the notification's params and `case` (the case's number)
    # By e-mail unless one chose otherwise: True for everyone, an Action for those who may do it; else in the app.
    email: bool | Action = False


KINDS: dict[str, Kind] = {
    "document_submitted": Kind(
        "Документ передан на утверждение",
        "Документ по делу № {case} передан на утверждение",
        email=Action.APPROVE_DOCUMENTS,
    ),
    "document_returned": Kind(
        "Документ возвращён на доработку", "Документ по делу № {case} возвращён на доработку", email=True
    ),
    "document_approved": Kind("Документ утверждён", "Документ по делу № {case} утверждён"),
    "version_signed": Kind("Документ подписан", "Документ по делу № {case} подписан"),
    "deadline_due": Kind("Приближается срок", "По делу № {case} {due} истекает срок: {deadline}", email=True),
    "deadline_overdue": Kind("Срок пропущен", "По делу № {case} пропущен срок {due}: {deadline}", email=True),
    "case_assigned": Kind("Вам открыто дело", "Вам открыт доступ к делу № {case}", email=True),
    "task_assigned": Kind("Новая задача", "Вам поручена задача по делу № {case}, срок {due}", email=True),
    "task_due": Kind("Приближается срок задачи", "Срок задачи по делу № {case} истекает {due}", email=True),
    "task_overdue": Kind("Задача просрочена", "Задача по делу № {case} просрочена (срок {due})", email=True),
    "task_closed": Kind("Задача закрыта", "Задача по делу № {case}: {status}"),
    "agenda_sent": Kind(
        "Разослана повестка заседания", "Разослана повестка заседания № {number} на {date}", email=True
    ),
    "integrity_failed": Kind(
        "Нарушена целостность хранилища", "Проверка хранилища: файлов с нарушенной целостностью — {count}", email=True
    ),
    "backup_overdue": Kind(
        "Резервная копия просрочена",
        "Успешной резервной копии нет дольше {hours} ч. (последняя успешная — {last})",
        email=True,
    ),
}


def text_of(notification: Notification) -> str:
    """What the inbox and the e-mails say: the kind, the case's number and the non-personal particulars."""
    values = dict(notification.params)
    values["case"] = notification.case.number if notification.case is not None else "—"
    return KINDS[notification.kind].text.format_map(_Blank(values))


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"
