"""What the administrators are shown of the backups: the last runs (the «Хранилище» page) and whether a backup is
overdue (the dashboard's warning, the daily notification in webapp.notifications.backups). Reads BackupRun rows
only; `casefiles backup` writes them (webapp.backups.services).

Overdue: no good backup started within CASEFILES_BACKUP_MAX_AGE_HOURS. A backup holds the data as it was when it
started (the database is copied first), so its age counts from `started_at`. An installation that never backed up
is overdue once its first case is older than that: before any case exists there is nothing that cannot be entered
again in minutes (users, the nomenclature; a signing CA that has signed nothing), and a warning on a fresh
installation before its first scheduled backup could run would teach administrators to ignore it. From the first
case on, the clock is the one a backup's age runs on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from webapp.backups.models import BackupRun
from webapp.cases.models import Case
from webapp.dbtypes import utcnow
from webapp.extensions import db

RECENT = 10  # runs listed on the page


def last_backup() -> BackupRun | None:
    """The latest run, whatever its outcome."""
    return db.session.scalars(select(BackupRun).order_by(BackupRun.started_at.desc(), BackupRun.id.desc())).first()


def last_good_backup() -> BackupRun | None:
    """The latest run that ended well."""
    query = select(BackupRun).where(BackupRun.outcome == "ok")
    return db.session.scalars(query.order_by(BackupRun.started_at.desc(), BackupRun.id.desc())).first()


def recent_backups(limit: int = RECENT) -> list[BackupRun]:
    query = select(BackupRun).order_by(BackupRun.started_at.desc(), BackupRun.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def max_age() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["CASEFILES"].backup_max_age_hours)


def backup_overdue(now: dt.datetime | None = None) -> bool:
    """No good backup within the allowed age, once there is data worth keeping (see the module's docstring). One
    query: the latest good backup's start and the first case's creation, side by side."""
    last_good = select(BackupRun.started_at).where(BackupRun.outcome == "ok").order_by(BackupRun.started_at.desc())
    first_case = select(Case.created_at).order_by(Case.id).limit(1)
    started_at, first_case_at = db.session.execute(
        select(last_good.limit(1).scalar_subquery(), first_case.scalar_subquery())
    ).one()
    oldest_allowed = (now or utcnow()) - max_age()
    if started_at is not None:
        return bool(started_at < oldest_allowed)
    return first_case_at is not None and first_case_at < oldest_allowed


@dataclass
class BackupOverview:
    """The «Резервные копии» section of the «Хранилище» page."""

    last: BackupRun | None
    last_good: BackupRun | None  # shown when it is not the last (the last one failed)
    overdue: bool
    max_age_hours: int
    recent: list[BackupRun] = field(default_factory=list)


def backup_overview(now: dt.datetime | None = None) -> BackupOverview:
    recent = recent_backups()
    last = recent[0] if recent else None
    last_good = last if last is not None and last.outcome == "ok" else last_good_backup()
    hours = current_app.config["CASEFILES"].backup_max_age_hours
    return BackupOverview(last, last_good, backup_overdue(now), hours, recent)
