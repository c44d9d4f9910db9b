"""Leases of running jobs: which worker process runs a job, and until when it vouches for it.

A worker claims a job with a lease of CASEFILES_JOB_LEASE_SECONDS and renews it from a thread of its own every
quarter of that while the job runs (a LibreOffice conversion can run for minutes without reporting progress).
A worker killed mid-job renews nothing, so its lease lapses and any live worker puts the job back in the queue
(webapp.jobs.services.requeue_expired_jobs).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
from types import TracebackType

from flask import current_app
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from webapp.dbtypes import utcnow
from webapp.jobs.models import Job

log = logging.getLogger(__name__)
_names: dict[int, str] = {}


def worker_name() -> str:
    """This process, as leases name it: host, pid and a random part (pids are reused after a restart)."""
    pid = os.getpid()
    if pid not in _names:
        _names[pid] = f"{socket.gethostname()[:80]}/{pid}/{secrets.token_hex(4)}"
    return _names[pid]


def lease_length() -> dt.timedelta:
    return dt.timedelta(seconds=current_app.config["CASEFILES"].job_lease_seconds)


class LeaseKeeper:
    """Renews the lease of a job this process runs, from a thread, until the block ends."""

    def __init__(self, engine: Engine, job_id: int, lease: dt.timedelta) -> None:
        self.engine, self.job_id, self.lease = engine, job_id, lease
        self.worker = worker_name()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, name=f"lease-{job_id}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        # Not joined: a renewal under way may be waiting for the job's row, locked by this thread's own open
        # transaction; it goes through once that transaction ends, and the thread with it.
        self._stop.set()

    def _keep(self) -> None:
        while not self._stop.wait(self.lease.total_seconds() / 4):
            if not self.renew():
                return

    def renew(self) -> bool:
        """Extend the lease; False once the job is no longer this worker's (finished, or taken over after a
        lapse). A database error is logged and the next round tries again."""
        owned = (Job.id == self.job_id, Job.status == "running", Job.worker == self.worker)
        try:
            with self.engine.begin() as connection:
                renewed = connection.execute(update(Job).where(*owned).values(lease_expires_at=utcnow() + self.lease))
        except SQLAlchemyError as exc:
            log.warning("job %s: lease not renewed (%s)", self.job_id, type(exc).__name__)
            return True
        if renewed.rowcount != 1:
            if not self._stop.is_set():
                log.warning("job %s: lease lost; another worker may run the job again", self.job_id)
            return False
        return True
