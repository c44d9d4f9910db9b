"""Creating, running and reading background jobs.

A job row is written in the caller's transaction; after commit its id goes to the queue (webapp.uow). Runners
are registered per kind and report progress; a runner's JobFailed says why in words for people.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select, update

from webapp.auth.models import User
from webapp.exceptions import NotFound
from webapp.extensions import db
from webapp.jobs.models import Job

log = logging.getLogger(__name__)
Runner = Callable[[Job], None]
_RUNNERS: dict[str, Runner] = {}
_PENDING_KEY = "casefiles.jobs_to_enqueue"


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


def requeue_waiting_jobs() -> int:
    """Queue again every job still waiting (the worker does this on start, so no job is lost)."""
    ids = db.session.scalars(select(Job.id).where(Job.status.in_(("queued", "running")))).all()
    db.session.execute(update(Job).where(Job.id.in_(ids)).values(status="queued"))
    db.session.commit()
    for job_id in ids:
        current_app.extensions["casefiles.run_job"](job_id)
    return len(ids)


def execute_job(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.status == "done":
        return
    job.status, job.progress, job.error = "running", 0.0, ""
    db.session.commit()
    try:
        _RUNNERS[job.kind](job)
    except JobFailed as exc:
        _fail(job_id, str(exc))
        return
    except Exception as exc:
        log.error("job %s (%s) failed: %s", job_id, job.kind, type(exc).__name__)
        _fail(job_id, "Внутренняя ошибка при выполнении задачи")
        return
    job = db.session.get(Job, job_id)
    assert job is not None
    job.status, job.progress = "done", 1.0
    db.session.commit()


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
