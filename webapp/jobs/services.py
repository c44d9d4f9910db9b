"""Creating, running and reading background jobs.

A job row is written in the caller's transaction; after commit its id goes to the queue (webapp.uow). Runners
are registered per kind and report progress; a runner's JobFailed says why in words for people.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select, update

from webapp.auth.models import User
from webapp.dbtypes import utcnow
from webapp.exceptions import NotFound
from webapp.extensions import db
from webapp.jobs.models import Job

log = logging.getLogger(__name__)
Runner = Callable[[Job], None]
_RUNNERS: dict[str, Runner] = {}
_PENDING_KEY = "casefiles.jobs_to_enqueue"
STALE_AFTER = dt.timedelta(minutes=30)


class JobFailed(Exception):
    """Raised by a runner with a message fit for the person who asked for the job."""


def runner(kind: str) -> Callable[[Runner], Runner]:
    def register(func: Runner) -> Runner:
        _RUNNERS[kind] = func
        return func

    return register


def create_job(kind: str, params: dict[str, int], actor: User | None = None) -> Job:
    job = Job(kind=kind, params=params, created_by_id=actor.id if actor else None)
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append(job.id)
    return job


def enqueue_committed_jobs() -> None:
    """After commit: hand new jobs to the queue. A job whose hand-over fails stays queued for `requeue`."""
    job_ids = db.session.info.pop(_PENDING_KEY, [])
    for job_id in job_ids:
        try:
            current_app.extensions["casefiles.run_job"](job_id)
        except Exception as exc:
            log.warning("job %s could not be queued (%s); `casefiles worker` requeues it", job_id, type(exc).__name__)


def discard_uncommitted_jobs() -> None:
    db.session.info.pop(_PENDING_KEY, None)


def requeue_waiting_jobs(stale_after: dt.timedelta = STALE_AFTER) -> int:
    """Queue again every job still waiting, and jobs stuck running (their worker died). Queueing twice is
    harmless: a job runs only once it is claimed."""
    stale = utcnow() - stale_after
    db.session.execute(update(Job).where(Job.status == "running", Job.updated_at < stale).values(status="queued"))
    ids = db.session.scalars(select(Job.id).where(Job.status == "queued").order_by(Job.id)).all()
    db.session.commit()
    for job_id in ids:
        current_app.extensions["casefiles.run_job"](job_id)
    return len(ids)


def execute_job(job_id: int) -> None:
    if not _claim(job_id):
        return  # done, failed, or taken by another worker
    try:
        job = db.session.get(Job, job_id)
        assert job is not None
        _RUNNERS[job.kind](job)
        job = db.session.get(Job, job_id)
        assert job is not None
        job.status, job.progress = "done", 1.0
        from webapp.uow import commit  # a job is a unit of work: its index changes and follow-up jobs go out too

        commit()
    except JobFailed as exc:
        _fail(job_id, str(exc))
    except Exception as exc:  # the message of an arbitrary error may quote data: log its type only
        log.error("job %s failed: %s", job_id, type(exc).__name__)
        _fail(job_id, "Внутренняя ошибка при выполнении задачи")


def _claim(job_id: int) -> bool:
    """Atomically move a queued job to running, so a job queued twice still runs once."""
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="running", progress=0.0, error="", updated_at=utcnow())
    )
    db.session.commit()
    return bool(getattr(claimed, "rowcount", 0) == 1)


def _fail(job_id: int, message: str) -> None:
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if job is not None:
        job.status, job.error = "failed", message
        db.session.commit()


def set_progress(job: Job, progress: float) -> None:
    job.progress = max(0.0, min(1.0, progress))
    db.session.commit()


def refreshed(job: Job) -> Job:
    """The job as it is now (an immediate queue may have run it since it was created)."""
    db.session.refresh(job)
    return job


def get_job(actor: User, job_id: int) -> Job:
    """People see their own jobs; heads and admins see all."""
    job = db.session.get(Job, job_id)
    if job is None or (job.created_by_id != actor.id and actor.role not in ("head", "admin")):
        raise NotFound("Задача не найдена")
    return job
