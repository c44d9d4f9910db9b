"""Creating, running and reading background jobs.

A job row is written in the caller's transaction; after commit its id goes to the queue (enqueue_committed_jobs,
an after-commit hook registered in webapp.wiring). Runners
are registered per kind and report progress; a runner's JobFailed says why in words for people. A worker runs a
job under a lease (webapp.jobs.leases); a job whose lease lapsed goes back to the queue, up to MAX_ATTEMPTS runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from flask import current_app
from sqlalchemy import and_, or_, select, update

from webapp.auth.models import User
from webapp.dbtypes import utcnow
from webapp.exceptions import NotFound
from webapp.extensions import db
from webapp.jobs.leases import LeaseKeeper, lease_length, worker_name
from webapp.jobs.models import Job
from webapp.policy import Action, allowed
from webapp.uow import commit

log = logging.getLogger(__name__)
Runner = Callable[[Job], None]
_RUNNERS: dict[str, Runner] = {}
_PENDING_KEY = "casefiles.jobs_to_enqueue"
MAX_ATTEMPTS = 3  # runs cut off by the death of their worker before a job is given up
GIVEN_UP = (
    "Задача прервана: обработчик фоновых задач трижды аварийно завершался во время её выполнения. "
    "Обратитесь к администратору"
)


class JobFailed(Exception):
    """Raised by a runner with a message fit for the person who asked for the job."""


def runner(kind: str) -> Callable[[Runner], Runner]:
    def register(func: Runner) -> Runner:
        _RUNNERS[kind] = func
        return func

    return register


def create_job(
    kind: str, params: dict[str, int], actor: User | None = None, *, created_by_id: int | None = None
) -> Job:
    """A job row in the caller's transaction, asked for by `actor` (or the user of `created_by_id`), if anyone."""
    job = Job(kind=kind, params=params, created_by_id=actor.id if actor else created_by_id)
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append(job.id)
    return job


def enqueue_committed_jobs() -> None:
    """After commit: hand new jobs to the queue. A job whose hand-over fails stays queued for `requeue`."""
    _hand_over(db.session.info.pop(_PENDING_KEY, []))


def _hand_over(job_ids: Iterable[int]) -> None:
    for job_id in job_ids:
        try:
            current_app.extensions["casefiles.run_job"](job_id)
        except Exception as exc:
            log.warning("job %s could not be queued (%s); `casefiles worker` requeues it", job_id, type(exc).__name__)


def discard_uncommitted_jobs() -> None:
    db.session.info.pop(_PENDING_KEY, None)


def requeue_waiting_jobs() -> int:
    """At a worker's start: queue again every job still waiting (its hand-over may have failed), and the running
    jobs whose lease lapsed. Queueing twice is harmless: a job runs only once it is claimed."""
    requeued = requeue_expired_jobs()
    waiting = db.session.scalars(select(Job.id).where(Job.status == "queued").order_by(Job.id)).all()
    db.session.commit()
    others = [job_id for job_id in waiting if job_id not in requeued]
    _hand_over(others)
    return len(requeued) + len(others)


def requeue_expired_jobs(now: dt.datetime | None = None) -> list[int]:
    """Put back in the queue the running jobs whose lease lapsed (their worker died, or lost the database), and
    give up those cut off MAX_ATTEMPTS times already: such a job is likely what kills its worker. A job left
    running by a worker of a version without leases has none and counts as lapsed. Returns the requeued ids."""
    lapsed = and_(
        Job.status == "running", or_(Job.lease_expires_at.is_(None), Job.lease_expires_at < (now or utcnow()))
    )
    requeued = []
    for job_id, attempts in db.session.execute(select(Job.id, Job.attempts).where(lapsed).order_by(Job.id)).all():
        given_up = attempts >= MAX_ATTEMPTS
        outcome = {"status": "failed", "error": GIVEN_UP} if given_up else {"status": "queued", "progress": 0.0}
        changed = db.session.execute(
            update(Job).where(Job.id == job_id, lapsed).values(lease_expires_at=None, **outcome)
        )
        if getattr(changed, "rowcount", 0) != 1:
            continue  # renewed meanwhile, or another worker got there first
        log.warning("job %s: its worker stopped renewing the lease; %s", job_id, outcome["status"])
        if not given_up:
            requeued.append(job_id)
    db.session.commit()
    _hand_over(requeued)
    return requeued


def execute_job(job_id: int) -> None:
    lease = lease_length()
    if not _claim(job_id, lease):
        return  # done, failed, or taken by another worker
    try:
        job = db.session.get(Job, job_id)
        assert job is not None
        with LeaseKeeper(db.engine, job_id, lease):
            _RUNNERS[job.kind](job)
        job = db.session.get(Job, job_id)
        assert job is not None
        job.status, job.progress = "done", 1.0
        commit()  # a job is a unit of work: its index changes and follow-up jobs go out too
    except JobFailed as exc:
        _fail(job_id, str(exc))
    except Exception as exc:  # the message of an arbitrary error may quote data: log its type only
        log.error("job %s failed: %s", job_id, type(exc).__name__)
        _fail(job_id, "Внутренняя ошибка при выполнении задачи")


def _claim(job_id: int, lease: dt.timedelta) -> bool:
    """Atomically move a queued job to running under this worker's lease, so a job queued twice runs once."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(
            status="running",
            progress=0.0,
            error="",
            worker=worker_name(),
            lease_expires_at=now + lease,
            attempts=Job.attempts + 1,
            updated_at=now,
        )
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
    """Record the job's progress, which renews its lease as well."""
    job.progress = max(0.0, min(1.0, progress))
    job.lease_expires_at = utcnow() + lease_length()
    db.session.commit()


def refreshed(job: Job) -> Job:
    """The job as it is now (an immediate queue may have run it since it was created)."""
    db.session.refresh(job)
    return job


def get_job(actor: User, job_id: int) -> Job:
    """People see their own jobs; heads and admins see all."""
    job = db.session.get(Job, job_id)
    if job is None or (job.created_by_id != actor.id and not allowed(actor, Action.SEE_ALL_JOBS)):
        raise NotFound("Задача не найдена")
    return job
