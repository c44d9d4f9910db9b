"""The huey queue: SQLite-backed in the data dir by default, so one machine needs nothing else."""

from __future__ import annotations

from flask import Flask
from huey import Huey, SqliteHuey

from webapp.config import Settings


def setup_queue(app: Flask, settings: Settings) -> Huey:
    huey = SqliteHuey(
        "casefiles",
        filename=str(settings.data_dir / "jobs.sqlite3"),
        immediate=bool(app.config.get("JOBS_IMMEDIATE", False)),
        results=False,
    )

    @huey.task()
    def run_job(job_id: int) -> None:
        from webapp.jobs.services import execute_job

        with app.app_context():
            execute_job(job_id)

    app.extensions["casefiles.queue"] = huey
    app.extensions["casefiles.run_job"] = run_job
    return huey
