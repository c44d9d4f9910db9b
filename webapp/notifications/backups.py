"""The daily word on backups: while a backup is overdue (webapp.backups.status), the administrators are told once
per institution day. Checked every ten minutes, so a backup that falls overdue at noon is announced that afternoon;
once the day's notice is given, the check rests until the next day (a daily mark), and its dedup key (one per day)
keeps a second worker from repeating it."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from webapp.backups.status import backup_overdue, last_good_backup
from webapp.extensions import db
from webapp.notifications.models import DailyMark
from webapp.notifications.services import notify
from webapp.notifications.subscribers import DATE_FORMAT, users_who_may
from webapp.policy import Action
from webapp.runtime import local_time, local_today

MARK = "backup-overdue"
NEVER = "не было"


def warn_backup_overdue(now: dt.datetime | None = None) -> int:
    """The ten-minute chore (webapp.wiring): the day's notice to those who see the storage, the first time a backup
    is found overdue on an institution day; the notifications made."""
    today = local_today() if now is None else local_time(now).date()
    if db.session.get(DailyMark, (MARK, today)) is not None or not backup_overdue(now):
        return 0
    db.session.add(DailyMark(name=MARK, day=today))
    db.session.flush()
    last_good = last_good_backup()
    params = {
        "hours": current_app.config["CASEFILES"].backup_max_age_hours,
        "last": local_time(last_good.started_at).strftime(f"{DATE_FORMAT} %H:%M") if last_good else NEVER,
    }
    admins = users_who_may(Action.SEE_STORAGE)
    return len(notify("backup_overdue", admins, params=params, dedup_key=f"{MARK}:{today.isoformat()}"))
