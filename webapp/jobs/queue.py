"""The huey queue: SQLite-backed in the data dir by default, so one machine needs nothing else; Redis
(CASEFILES_QUEUE_URL) when web processes and workers run on several machines."""

from __future__ import annotations

from flask import Flask
from huey import Huey, SqliteHuey, crontab

from webapp.config import Settings
from webapp.extensions import db


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

    @huey.periodic_task(crontab(minute="*/10"))
    def purge_exports() -> None:
        """Exported case files are deleted once their time is up (CASEFILES_EXPORT_TTL_HOURS)."""
        from webapp.exports.services import purge_expired_exports

        with app.app_context():
            purge_expired_exports()
            db.session.commit()

    @huey.periodic_task(crontab(minute="*/10"))
    def purge_search_queries() -> None:
        """The search page's kept words go once unused for CASEFILES_SESSION_MINUTES (webapp/search/queries.py)."""
        from webapp.search.queries import purge_stale_queries

        with app.app_context():
            purge_stale_queries()

    app.extensions["casefiles.queue"] = huey
    app.extensions["casefiles.run_job"] = run_job
    return huey
