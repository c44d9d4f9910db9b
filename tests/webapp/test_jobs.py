"""Background jobs: claimed once, failures said in words, stuck jobs requeued, status per API.md."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from tests.conftest import World
from webapp.auth.models import User
from webapp.extensions import db
from webapp.jobs import services
from webapp.jobs.models import Job
from webapp.uow import commit

ran_jobs: list[int] = []


@services.runner("test_count")
def _count(job: Job) -> None:
    ran_jobs.append(job.id)
    services.set_progress(job, 0.5)


@services.runner("test_refuse")
def _refuse(job: Job) -> None:
    raise services.JobFailed("Нет данных за период")


@services.runner("test_crash")
def _crash(job: Job) -> None:
    raise RuntimeError("secret family name Ивановы")


def _user(name: str) -> User:
    return db.session.scalars(db.select(User).where(User.username == name)).one()


def test_a_job_queued_twice_runs_once(app: Flask, world: World) -> None:
    ran_jobs.clear()
    job = services.create_job("test_count", {}, _user("spec1"))
    commit()  # the immediate queue runs it now
    app.extensions["casefiles.run_job"](job.id)
    assert ran_jobs == [job.id]
    db.session.refresh(job)
    assert (job.status, job.progress) == ("done", 1.0)


def test_failures_are_reported_without_internals(app: Flask, world: World, caplog: pytest.LogCaptureFixture) -> None:
    refused = services.create_job("test_refuse", {}, _user("spec1"))
    crashed = services.create_job("test_crash", {}, _user("spec1"))
    commit()
    db.session.refresh(refused)
    db.session.refresh(crashed)
    assert (refused.status, refused.error) == ("failed", "Нет данных за период")
    assert (crashed.status, crashed.error) == ("failed", "Внутренняя ошибка при выполнении задачи")
    assert "Ивановы" not in caplog.text


def test_requeue_takes_waiting_and_stuck_jobs(app: Flask, world: World) -> None:
    ran_jobs.clear()
    waiting = Job(kind="test_count", params={})
    stuck = Job(kind="test_count", params={}, status="running")
    busy = Job(kind="test_count", params={}, status="running")
    db.session.add_all([waiting, stuck, busy])
    db.session.flush()
    stuck.updated_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    db.session.commit()
    assert services.requeue_waiting_jobs() == 2
    assert sorted(ran_jobs) == sorted([waiting.id, stuck.id])
    db.session.refresh(busy)
    assert busy.status == "running"


def test_job_status_endpoint(world: World) -> None:
    job = services.create_job("test_refuse", {}, _user("spec1"))
    commit()
    body = world["spec1"].get(f"/api/v1/jobs/{job.id}").get_json()
    assert body == {
        "id": job.id,
        "kind": "test_refuse",
        "status": "failed",
        "progress": 0.0,
        "error": "Нет данных за период",
    }
    assert world["spec2"].get(f"/api/v1/jobs/{job.id}").status_code == 404
    assert world["head"].get(f"/api/v1/jobs/{job.id}").status_code == 200
    assert world["spec1"].get("/api/v1/jobs/999").status_code == 404
