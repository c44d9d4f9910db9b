"""The huey queue: SQLite-backed in the data dir by default, so one machine needs nothing else; Redis
(CASEFILES_QUEUE_URL) when web processes and workers run on several machines."""

from __future__ import annotations

from flask import Flask
from huey import Huey, SqliteHuey, crontab

from webapp.config import Settings
from webapp.events import Chore, housekeeping
from webapp.uow import commit


def setup_queue(app: Flask, settings: Settings) -> Huey:
    immediate = bool(app.config.get("JOBS_IMMEDIATE", False))
    huey: Huey
    if settings.queue_url:
        from huey import RedisHuey  # needs the `redis` extra

        huey = RedisHuey("casefiles", url=settings.queue_url, immediate=immediate, results=False)
    else:
        huey = SqliteHuey(
            "casefiles", filename=str(settings.data_dir / "jobs.sqlite3"), immediate=immediate, results=False
        )

    @huey.task()
    def run_job(job_id: int) -> None:
        from webapp.jobs.services import execute_job

        with app.app_context():
            execute_job(job_id)

    for hook in housekeeping():  # registered in webapp.wiring; each a periodic task of its own
        _schedule(huey, app, hook)

    app.extensions["casefiles.queue"] = huey
    app.extensions["casefiles.run_job"] = run_job
    return huey


def _schedule(huey: Huey, app: Flask, hook: Chore) -> None:
    def run() -> None:
        with app.app_context():
            hook()
            commit()

    huey.periodic_task(crontab(minute="*/10"), name=f"{hook.__module__}.{hook.__qualname__}")(run)
