"""A job kind for tests that kill workers: imported by `casefiles worker` processes a test starts (see
tests/webapp/test_worker_crash.py). Its first run starts a program that forks and runs for minutes, as
LibreOffice does, through the production path (run_program); a later run finishes at once."""

from __future__ import annotations

from webapp.jobs.models import Job
from webapp.jobs.programs import run_program
from webapp.jobs.services import runner

KIND = "test_stand_in"
WORKER = "import tests.stand_in_jobs; from webapp.cli import main; main()"  # python -c WORKER worker ...


@runner(KIND)
def _stand_in(job: Job) -> None:
    if job.attempts == 1:
        run_program(["sh", "-c", "sleep 300 & sleep 300 & wait"], timeout=600)
    job.result = {"attempt": job.attempts}
