"""What follows what (webapp.wiring): a published fact reaches its subscribers inside the publisher's transaction,
and a reaction is added by writing a subscriber and registering it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import World
from webapp import errors, events
from webapp.auth.models import District, User
from webapp.blobs.retention import JOB_KIND as RETENTION_JOB
from webapp.blobs.retention import request_retention
from webapp.cases.events import CaseClosed, CaseOpened, HoldReleased, HoldSet, RetentionExtended
from webapp.documents.events import DocumentApproved, DocumentEdited, VersionAdded
from webapp.documents.media import TEXT
from webapp.documents.models import DocumentVersion
from webapp.events import on_rollback, publish, run_after_rollback, subscribe, subscribers_of, unsubscribe
from webapp.exceptions import Conflict
from webapp.extensions import db
from webapp.hearings.filing import file_decisions_back
from webapp.jobs.models import Job
from webapp.jobs.services import create_job, discard_uncommitted_jobs
from webapp.notifications import subscribers as notifications
from webapp.previews.services import request_on_rendition_made, request_on_version_added
from webapp.renditions.events import RenditionMade
from webapp.renditions.services import request_rendition
from webapp.search.models import IndexOutbox
from webapp.search.ocr import request_ocr
from webapp.search.services import index_document
from webapp.tasks.events import TaskAssigned, TaskClosed
from webapp.tasks.notices import tell_assigned, tell_closed
from webapp.uow import commit
from webapp.wiring import wire


def test_the_wiring_registers_each_reaction_once(app: Flask) -> None:
    wire()  # create_app() wired already: again changes nothing
    assert subscribers_of(VersionAdded) == [index_document, request_rendition, request_ocr, request_on_version_added]
    assert subscribers_of(RenditionMade) == [request_on_rendition_made]
    for retention_changed in (CaseClosed, HoldSet, HoldReleased, RetentionExtended):
        assert subscribers_of(retention_changed) == [request_retention]
    assert subscribers_of(CaseOpened) == [notifications.on_case_opened]
    assert subscribers_of(DocumentEdited) == [index_document]
    assert subscribers_of(DocumentApproved) == [file_decisions_back, notifications.on_document_approved]
    assert subscribers_of(TaskAssigned) == [tell_assigned]
    assert subscribers_of(TaskClosed) == [tell_closed]


def test_a_version_added_queues_its_indexing_and_its_pdf_copy_in_the_transaction(app: Flask, world: World) -> None:
    document = world.upload(world.open_case()["id"])
    version = db.session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == document["id"])).one()
    author = db.session.scalars(select(User).where(User.username == "spec1")).one()
    app.config["AUTO_PDF"] = True
    outbox_before = db.session.scalar(select(db.func.count(IndexOutbox.id))) or 0

    publish(VersionAdded(document["id"], version.id, 1, TEXT, author.id))

    rows = db.session.scalars(select(IndexOutbox).order_by(IndexOutbox.id)).all()
    assert len(rows) == outbox_before + 1
    assert (rows[-1].document_id, rows[-1].operation) == (document["id"], "index")
    job = db.session.scalars(select(Job).where(Job.kind == "pdf_rendition")).one()
    assert (job.params, job.created_by_id, job.status) == ({"version_id": version.id}, author.id, "queued")
    db.session.rollback()  # nothing is committed: the rows go with the transaction
    discard_uncommitted_jobs()
    assert db.session.scalars(select(Job).where(Job.kind == "pdf_rendition")).all() == []


def test_a_subscriber_added_hears_every_new_version(app: Flask, world: World) -> None:
    heard: list[VersionAdded] = []
    subscribe(VersionAdded, heard.append)
    try:
        case = world.open_case()
        first = world.upload(case["id"], b"first")
        second = world.upload(case["id"], b"second")
    finally:
        unsubscribe(VersionAdded, heard.append)
    author = db.session.scalars(select(User).where(User.username == "spec1")).one()
    assert [(event.document_id, event.number, event.media_type, event.actor_id) for event in heard] == [
        (first["id"], 1, TEXT, author.id),
        (second["id"], 1, TEXT, author.id),
    ]
    assert heard.append not in subscribers_of(VersionAdded)


def test_a_rollback_hook_runs_once_however_often_it_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "_after_rollback", [])
    ran: list[str] = []

    def first() -> None:
        ran.append("first")

    def second() -> None:
        ran.append("second")

    on_rollback(first)
    on_rollback(second)
    on_rollback(first)
    run_after_rollback()
    assert ran == ["first", "second"]


def test_a_failed_request_never_hands_its_jobs_to_the_queue(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The error handler rolls back and runs the rollback hooks, among them (wired) the one that forgets the jobs
    the request created: a later commit in the same session hands over only its own."""
    handed: list[int] = []
    monkeypatch.setitem(app.extensions, "casefiles.run_job", handed.append)
    created: list[int] = []

    def create_then_fail() -> str:
        created.append(create_job(RETENTION_JOB, {"case_id": 1}).id)
        raise Conflict("refused after the job was created")

    app.add_url_rule("/test/create-then-fail", view_func=create_then_fail)

    answer = app.test_client().get("/test/create-then-fail", headers={"Accept": "application/json"})

    assert answer.status_code == 409
    assert len(created) == 1
    assert db.session.scalars(select(Job)).all() == []  # the row was rolled back
    later = create_job(RETENTION_JOB, {"case_id": 2})
    commit()
    assert handed == [later.id]  # not the failed request's job as well


def test_the_error_handlers_leave_the_jobs_to_the_rollback_hooks() -> None:
    """webapp.errors reaches the jobs area only through the rollback hooks registered in webapp.wiring."""
    tree = ast.parse(Path(errors.__file__).read_text())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert [name for name in imported if name and name.startswith("webapp.jobs")] == []


def test_the_queue_runs_each_housekeeping_chore_every_ten_minutes(app: Flask) -> None:
    from webapp.blobs.relocation import resume_relocations
    from webapp.exports.services import purge_expired_exports
    from webapp.hearings.package import purge_hearing_packages
    from webapp.notifications.backups import warn_backup_overdue
    from webapp.notifications.deadlines import scan_deadlines_daily
    from webapp.notifications.digest import send_digests
    from webapp.notifications.mail import send_due_mail
    from webapp.search.queries import purge_stale_queries
    from webapp.tasks.notices import scan_tasks

    huey = app.extensions["casefiles.queue"]
    scheduled = {task.__name__ for task in huey._registry._periodic_tasks}
    chores = [
        purge_expired_exports,
        purge_stale_queries,
        resume_relocations,
        purge_hearing_packages,
        scan_deadlines_daily,
        scan_tasks,
        warn_backup_overdue,
        send_digests,
        send_due_mail,
    ]
    assert {f"{chore.__module__}.{chore.__qualname__}" for chore in chores} <= scheduled
    assert events.housekeeping() == chores


def test_a_scheduled_chore_runs_in_the_app_and_commits(app: Flask, tmp_path: Path) -> None:
    from huey import SqliteHuey

    from webapp.jobs.queue import _schedule

    calls: list[str] = []

    def chore() -> None:
        db.session.add(District(code="chore", name="Участок, добавленный в работе по расписанию"))
        calls.append("ran")

    huey = SqliteHuey("chores", filename=str(tmp_path / "chores.sqlite3"), immediate=True)
    _schedule(huey, app, chore)
    (task,) = huey._registry._periodic_tasks
    huey.execute(task())
    assert calls == ["ran"]
    with app.app_context():  # a session of its own: the chore's row was committed
        assert db.session.scalar(select(District).where(District.code == "chore")) is not None
