"""What administrators see of the backups (webapp.backups.status): the «Хранилище» page's section, the dashboard's
warning while a backup is overdue, and the notification once a day. The runs are BackupRun rows written here as
`casefiles backup` writes them when it ends."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import World
from tests.webapp.test_dashboard import _home
from tests.webapp.test_pages import forget_request_state, login
from webapp.auth.models import User
from webapp.backups.models import BackupRun
from webapp.backups.status import backup_overdue, last_backup, last_good_backup
from webapp.cases.models import Case
from webapp.dbtypes import utcnow
from webapp.extensions import db
from webapp.notifications.backups import warn_backup_overdue
from webapp.notifications.kinds import text_of
from webapp.notifications.models import Notification
from webapp.notifications.serializers import link_of
from webapp.runtime import local_time
from webapp.uow import commit

WARNING = "Резервная копия просрочена"


def _run(hours_ago: float, outcome: str = "ok", **fields: object) -> BackupRun:
    started_at = utcnow() - dt.timedelta(hours=hours_ago)
    values: dict[str, object] = {
        "destination": "/srv/backups/casefiles",
        "set_name": started_at.strftime("%Y%m%dT%H%M%SZ") if outcome == "ok" else None,
        "blobs": 120,
        "blobs_copied": 7,
        "bytes_copied": 3 * 1024 * 1024,
        "message": "",
    }
    values.update(fields)
    run = BackupRun(started_at=started_at, finished_at=started_at + dt.timedelta(minutes=4), outcome=outcome, **values)
    db.session.add(run)
    commit()
    return run


def _shown(moment: dt.datetime) -> str:
    return local_time(moment).strftime("%d.%m.%Y %H:%M")


def _age_cases(hours: float) -> None:
    """Every case was opened `hours` ago: the installation has held data that long."""
    for case in db.session.scalars(select(Case)):
        case.created_at = utcnow() - dt.timedelta(hours=hours)
    commit()


def _storage_page(client: FlaskClient, username: str = "admin") -> tuple[int, str]:
    forget_request_state()
    login(client, username)
    answer = client.get("/admin/fixity")
    return answer.status_code, html.unescape(answer.get_data(as_text=True))


def _section(page: str) -> str:
    return page.split('id="backups"')[1].split("</section>")[0]


def test_the_storage_page_shows_the_last_backup(app: Flask, world: World, client: FlaskClient) -> None:
    _run(30, set_name="20261201T020000Z", blobs=80, blobs_copied=80)
    run = _run(2, blobs=123, blobs_copied=9, bytes_copied=5 * 1024 * 1024)

    status, page = _storage_page(client)

    assert status == 200
    section = _section(page)
    last = section.split("Последняя копия:")[1].split("</p>")[0]
    assert _shown(run.started_at) in last and _shown(run.finished_at) in last
    assert "успешно" in last and str(run.set_name) in last and "/srv/backups/casefiles" in last
    assert "Файлов в хранилище: 123, скопировано: 9 (5,0 МБ)" in last
    assert "casefiles backup DEST" in section and "casefiles backup verify SRC" in section
    assert WARNING not in page and "Последняя успешная копия" not in section  # the last one is the good one
    runs = section.split("Последние запуски")[1]
    assert runs.index(_shown(run.started_at)) < runs.index("20261201T020000Z")  # the latest first


def test_a_failed_last_backup_shows_its_message_and_the_last_good_one(
    app: Flask, world: World, client: FlaskClient
) -> None:
    good = _run(50)
    failed = _run(1, "failed", message="pg_dump: server version 16.4; pg_dump version 15.8", blobs=0)
    assert last_backup() == failed and last_good_backup() == good

    status, page = _storage_page(client)

    assert status == 200
    section = _section(page)
    last = section.split("Последняя копия:")[1].split("</p>")[0]
    assert _shown(failed.started_at) in last and "с ошибкой" in last
    assert "pg_dump: server version 16.4; pg_dump version 15.8" in section
    last_good = section.split('id="last-good-backup"')[1].split("</p>")[0]
    assert _shown(good.started_at) in last_good and str(good.set_name) in last_good
    assert WARNING in section  # the good one is 50 hours old


def test_no_backup_yet_says_so_and_is_not_overdue_before_there_is_data(
    app: Flask, world: World, client: FlaskClient
) -> None:
    status, page = _storage_page(client)
    assert status == 200 and "Резервных копий ещё не было" in _section(page) and WARNING not in page
    assert backup_overdue() is False  # nothing to keep yet
    world.open_case()
    assert backup_overdue() is False  # the first case is minutes old: a daily schedule has not had its chance
    assert backup_overdue(utcnow() + dt.timedelta(hours=27)) is True
    _age_cases(27)
    assert WARNING in _storage_page(client)[1]


def test_overdue_counts_from_the_last_good_backups_start(app: Flask, world: World) -> None:
    world.open_case()
    _age_cases(24 * 30)
    _run(25)
    assert backup_overdue() is False
    assert backup_overdue(utcnow() + dt.timedelta(hours=2)) is True  # 27 hours since it started
    _run(0.5, "failed", message="нет места на диске")
    assert backup_overdue(utcnow() + dt.timedelta(hours=2)) is True  # a failed run is no backup
    settings = app.config["CASEFILES"]
    app.config["CASEFILES"] = dataclasses.replace(settings, backup_max_age_hours=48)
    try:
        assert backup_overdue(utcnow() + dt.timedelta(hours=2)) is False
    finally:
        app.config["CASEFILES"] = settings


def test_the_dashboard_warns_administrators_only_while_overdue(app: Flask, world: World, client: FlaskClient) -> None:
    world.open_case()
    _age_cases(48)
    admin = html.unescape(_home(client, "admin"))
    warning = admin.split('id="backup-overdue"')[1].split("</p>")[0]
    assert WARNING in warning and "26 ч." in warning and "/admin/fixity#backups" in warning
    for username in ("spec1", "head", "archivist"):
        assert WARNING not in _home(client, username)

    _run(3)
    assert WARNING not in _home(client, "admin")
    _run(1, "failed", message="нет места на диске")  # a failure with a recent good backup: the page tells it
    assert WARNING not in _home(client, "admin")


def test_administrators_are_told_once_a_day_while_overdue(app: Flask, world: World) -> None:
    world.open_case()
    _age_cases(48)
    admin = db.session.scalars(select(User).where(User.username == "admin")).one()

    assert warn_backup_overdue() == 1
    commit()
    assert warn_backup_overdue() == 0  # the same day: once
    commit()
    [told] = db.session.scalars(select(Notification).where(Notification.kind == "backup_overdue")).all()
    assert told.user_id == admin.id and told.case_id is None
    assert text_of(told) == "Успешной резервной копии нет дольше 26 ч. (последняя успешная — не было)"
    assert link_of(told) == "/admin/fixity#backups"

    good = _run(30)
    tomorrow = utcnow() + dt.timedelta(days=1)
    assert warn_backup_overdue(tomorrow) == 1  # still overdue the next day: told again
    commit()
    latest = db.session.scalars(select(Notification).where(Notification.kind == "backup_overdue")).all()[-1]
    expected = f"Успешной резервной копии нет дольше 26 ч. (последняя успешная — {_shown(good.started_at)})"
    assert text_of(latest) == expected
    assert {row.user_id for row in db.session.scalars(select(Notification))} == {admin.id}  # no one else


def test_no_notification_while_a_good_backup_is_recent(app: Flask, world: World) -> None:
    world.open_case()
    _age_cases(48)
    _run(2)
    assert warn_backup_overdue() == 0
    commit()
    assert db.session.scalars(select(Notification).where(Notification.kind == "backup_overdue")).all() == []
    # The day is not marked: a backup that falls overdue later the same day is told that day (here: the allowed
    # age shortened to an hour).
    settings = app.config["CASEFILES"]
    app.config["CASEFILES"] = dataclasses.replace(settings, backup_max_age_hours=1)
    try:
        assert warn_backup_overdue() == 1
    finally:
        app.config["CASEFILES"] = settings


def test_the_page_is_refused_to_others_with_its_backups(app: Flask, world: World, client: FlaskClient) -> None:
    _run(1, "failed", message="нет места на диске")
    for username in ("spec1", "head"):
        status, page = _storage_page(client, username)
        assert status == 403 and "Резервные копии" not in page and "/srv/backups" not in page
