"""The daily deadline check: once per institution day (CASEFILES_TIMEZONE), every outstanding deadline of the open
cases, as the deadlines page computes them (webapp.support.deadlines, on the production calendar), is announced:

- due within CASEFILES_NOTIFY_DUE_DAYS working days: «deadline_due» to the case's responsible specialist;
- overdue: «deadline_overdue» to them;
- overdue by more than CASEFILES_ESCALATE_AFTER_DAYS working days: «deadline_overdue» to the heads too.

Each notice is given once ever (a dedup key per case, deadline kind, due date and notice), so the check may run
again, on another day or after a failure, without repeating itself. Cases are read in batches, each batch's facts
and notices already given in a few queries, so thousands of open cases cost one pass."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.extensions import db
from webapp.notifications.models import DailyMark, Notification
from webapp.notifications.services import notify
from webapp.notifications.subscribers import DATE_FORMAT, users_who_may
from webapp.policy import Action
from webapp.runtime import local_today
from webapp.support.calendar import WorkCalendar
from webapp.support.deadlines import Deadline, case_deadlines, load_facts
from webapp.support.services import work_calendar

SCAN_MARK = "deadline-scan"
BATCH = 500
KEY_PREFIX = "deadline:"


def scan_deadlines_daily() -> int:
    """The ten-minute chore (webapp.wiring): the check, the first time it runs on an institution day; the number of
    notifications made."""
    today = local_today()
    if db.session.get(DailyMark, (SCAN_MARK, today)) is not None:
        return 0
    db.session.add(DailyMark(name=SCAN_MARK, day=today))
    db.session.flush()
    return scan_deadlines(today)


@dataclass(frozen=True)
class Notice:
    name: str  # "due", "overdue", "escalated": part of the dedup key
    kind: str  # the notification's kind
    to_heads: bool


DUE = Notice("due", "deadline_due", to_heads=False)
OVERDUE = Notice("overdue", "deadline_overdue", to_heads=False)
ESCALATED = Notice("escalated", "deadline_overdue", to_heads=True)


class Judge:
    """Which notices a deadline calls for today, in working days of the production calendar."""

    def __init__(self, today: dt.date, workdays: WorkCalendar, due_days: int, escalate_after: int) -> None:
        self.today, self.workdays, self.escalate_after = today, workdays, escalate_after
        self.due_by = workdays.add_working_days(today, due_days)
        self._escalated_from: dict[dt.date, dt.date] = {}

    def notices(self, deadline: Deadline) -> list[Notice]:
        if not deadline.is_outstanding:
            return []
        if deadline.status == "open":
            return [DUE] if self.today <= deadline.due_on <= self.due_by else []
        return [OVERDUE, ESCALATED] if self.today > self._escalation_day(deadline.due_on) else [OVERDUE]

    def _escalation_day(self, due_on: dt.date) -> dt.date:
        """The last day a deadline due on `due_on` is overdue by no more than the escalation period."""
        if due_on not in self._escalated_from:
            self._escalated_from[due_on] = self.workdays.add_working_days(due_on, self.escalate_after)
        return self._escalated_from[due_on]


def scan_deadlines(today: dt.date) -> int:
    """Announce what today calls for in every open case (see the module's docstring); the notifications made."""
    settings = current_app.config["CASEFILES"]
    workdays = work_calendar()
    judge = Judge(today, workdays, settings.notify_due_days, settings.escalate_after_days)
    heads = users_who_may(Action.ASSIGN_RESPONSIBLE)
    made = 0
    for cases in _open_cases():
        by_id = {case.id: case for case in cases}
        given = _given(list(by_id))
        for facts in load_facts(cases):
            case = by_id[facts.case_id]
            for deadline in case_deadlines(facts, workdays, today):
                for notice in judge.notices(deadline):
                    made += _announce(case, deadline, notice, heads, given)
    return made


def _announce(case: Case, deadline: Deadline, notice: Notice, heads: list[User], given: set[tuple[int, str]]) -> int:
    key = f"{KEY_PREFIX}{case.id}:{deadline.kind}:{deadline.due_on.isoformat()}:{notice.name}"
    recipients = heads if notice.to_heads else [case.responsible] if case.responsible is not None else []
    # Cheap for the many notices given on earlier days: nobody left to tell, no call (and no queries) at all.
    untold = [user for user in recipients if (user.id, key) not in given]
    if not untold:
        return 0
    params = {"deadline": deadline.kind_label, "due": deadline.due_on.strftime(DATE_FORMAT)}
    return len(notify(notice.kind, untold, case=case, params=params, dedup_key=key))


def _open_cases() -> Iterator[Sequence[Case]]:
    """The open cases, BATCH at a time in the order of their ids."""
    last_id = 0
    while True:
        query = select(Case).where(Case.status == "open", Case.id > last_id).order_by(Case.id).limit(BATCH)
        cases = db.session.scalars(query).unique().all()
        if not cases:
            return
        yield cases
        last_id = cases[-1].id


def _given(case_ids: list[int]) -> set[tuple[int, str]]:
    """The deadline notices already given about these cases: (user id, dedup key)."""
    query = select(Notification.user_id, Notification.dedup_key).where(
        Notification.case_id.in_(case_ids), Notification.dedup_key.like(f"{KEY_PREFIX}%")
    )
    return {(user_id, key) for user_id, key in db.session.execute(query) if key is not None}
