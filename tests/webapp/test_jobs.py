"""Background jobs: claimed once under a lease, failures said in words, jobs of dead workers requeued (and given
up when they keep killing their worker), status per API.md."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest
from flask import Flask

from tests.conftest import World
from webapp.auth.models import User
from webapp.extensions import db
from webapp.jobs import services
from webapp.jobs.leases import LeaseKeeper, worker_name
from webapp.jobs.models import Job
from webapp.jobs.services import refreshed
from webapp.uow import commit

ran_jobs: list[int] = []


@services.runner("test_count")
def _count(job: Job) -> None:
    ran_jobs.append(job.id)
    services.set_progress(job, 0.5)


seen: list[tuple[str, str, dt.datetime | None, int]] = []
taken_over: list[list[int]] = []


@services.runner("test_look")
def _look(job: Job) -> None:
    seen.append((job.status, job.worker, job.lease_expires_at, job.attempts))


@services.runner("test_slow")
def _slow(job: Job) -> None:
    time.sleep(2.0)  # twice the lease of the test that runs it
    taken_over.append(services.requeue_expired_jobs())


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


def _running(worker: str = "elsewhere/1/x", lease_in: float = 60, attempts: int = 1) -> Job:
    """A job another worker claimed, its lease ending `lease_in` seconds from now."""
    lease = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lease_in)
    job = Job(kind="test_count", params={}, status="running", worker=worker, lease_expires_at=lease, attempts=attempts)
    db.session.add(job)
    return job


def test_requeue_takes_waiting_jobs_and_those_whose_lease_lapsed(app: Flask, world: World) -> None:
    ran_jobs.clear()
    waiting = Job(kind="test_count", params={})
    db.session.add(waiting)
    lapsed, busy = _running(lease_in=-1), _running(lease_in=60)
    unleased = _running()  # left running by a worker of a version without leases
    unleased.lease_expires_at = None
    db.session.commit()
    assert services.requeue_waiting_jobs() == 3
    assert sorted(ran_jobs) == sorted([waiting.id, lapsed.id, unleased.id])
    db.session.refresh(lapsed)
    assert (lapsed.status, lapsed.attempts, lapsed.worker) == ("done", 2, worker_name())
    db.session.refresh(busy)
    assert (busy.status, busy.worker) == ("running", "elsewhere/1/x")


def test_a_claimed_job_is_leased_to_its_worker(app: Flask, world: World) -> None:
    seen.clear()
    before = dt.datetime.now(dt.UTC)
    job = services.create_job("test_look", {}, _user("spec1"))
    commit()
    status, worker, lease, attempts = seen[0]
    assert (status, worker, attempts) == ("running", worker_name(), 1)
    lease_seconds = app.config["CASEFILES"].job_lease_seconds
    assert (
        before + dt.timedelta(seconds=lease_seconds)
        <= lease
        <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lease_seconds)
    )
    assert refreshed(job).status == "done"


def test_a_long_job_keeps_its_lease_while_its_worker_lives(app: Flask, world: World) -> None:
    app.config["CASEFILES"] = dataclasses.replace(app.config["CASEFILES"], job_lease_seconds=1)
    taken_over.clear()
    job = services.create_job("test_slow", {}, _user("spec1"))
    commit()  # runs for twice its lease without reporting progress, then looks for lapsed jobs
    assert taken_over == [[]]
    assert (refreshed(job).status, job.attempts) == ("done", 1)


def test_a_job_that_keeps_killing_its_worker_is_given_up(app: Flask, world: World) -> None:
    ran_jobs.clear()
    twice = _running(lease_in=-1, attempts=services.MAX_ATTEMPTS - 1)
    too_often = _running(lease_in=-1, attempts=services.MAX_ATTEMPTS)
    too_often.created_by_id = _user("spec1").id
    db.session.commit()
    assert services.requeue_expired_jobs() == [twice.id]
    assert ran_jobs == [twice.id]
    db.session.refresh(too_often)
    assert (too_often.status, too_often.error) == ("failed", services.GIVEN_UP)
    body = world["spec1"].get(f"/api/v1/jobs/{too_often.id}").get_json()
    assert (body["status"], body["error"]) == ("failed", services.GIVEN_UP)


def test_a_lease_taken_over_is_not_renewed(app: Flask, world: World) -> None:
    mine, other = _running(worker=worker_name()), _running()
    db.session.commit()
    lease = dt.timedelta(seconds=300)
    assert LeaseKeeper(db.engine, mine.id, lease).renew()
    assert not LeaseKeeper(db.engine, other.id, lease).renew()
    db.session.refresh(mine)
    db.session.refresh(other)
    assert mine.lease_expires_at is not None and other.lease_expires_at is not None
    assert mine.lease_expires_at - other.lease_expires_at > dt.timedelta(seconds=200)


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
