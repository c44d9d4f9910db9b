"""`casefiles worker`: huey's consumer, and what keeps jobs moving when a worker dies.

At start a worker sweeps the scratch folders of dead workers on its machine (webapp.jobs.scratch), makes its
own, and queues again the jobs left waiting or whose lease lapsed. Then a watch thread does the same every half
lease, so a live worker takes over the jobs of a dead one within about a lease and a half. The watch is a thread
of its own, not a huey periodic task: those run at most once a minute, and only when a worker thread is free.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from webapp.extensions import db
from webapp.jobs.scratch import sweep, use_scratch_folder
from webapp.jobs.services import requeue_expired_jobs, requeue_waiting_jobs

log = logging.getLogger(__name__)


def run_worker(app: Flask, threads: int, say: Callable[[str], None]) -> None:
    scratch = use_scratch_folder()
    with app.app_context():
        say(f"requeued {requeue_waiting_jobs()} waiting jobs")
        db.session.remove()
    interval = app.config["CASEFILES"].job_lease_seconds / 2
    Watch(app, scratch.parent, interval).start()
    consumer = app.extensions["casefiles.queue"].create_consumer(workers=threads, worker_type="thread")
    consumer.run()


class Watch(threading.Thread):
    """Every `interval` seconds: requeue the jobs of dead workers and sweep their scratch folders."""

    def __init__(self, app: Flask, temporary_root: Path, interval: float) -> None:
        super().__init__(name="casefiles-job-watch", daemon=True)
        self.app, self.temporary_root, self.interval = app, temporary_root, interval

    def run(self) -> None:
        while True:
            time.sleep(self.interval)
            self.check()

    def check(self) -> None:
        with self.app.app_context():
            try:
                requeue_expired_jobs()
            except Exception as exc:  # the database or the queue is down: next round
                log.warning("job watch: %s", type(exc).__name__)
                db.session.rollback()
            finally:
                db.session.remove()
        try:
            sweep(self.temporary_root)
        except OSError as exc:
            log.warning("job watch: sweep failed (%s)", type(exc).__name__)
