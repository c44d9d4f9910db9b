"""A worker killed with SIGKILL mid-job, with real `casefiles worker` processes: the programs it started die with
it, and another worker sweeps its scratch folder (the copy of the document in it) and completes the job once the
dead worker's lease lapses: one started afterwards (SQLite queue, a real LibreOffice conversion), or one already
running (Redis queue, a stand-in program that forks as LibreOffice does). Leases last LEASE seconds here."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from flask import Flask

from document_templates.pdf import soffice_path
from tests import stand_in_jobs
from tests.dying import environment
from tests.processes import alive, command_name, descendants, wait_for
from tests.redis_server import redis_server
from webapp import create_app
from webapp.config import Settings
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.services import create_job
from webapp.uow import commit

REPO = Path(__file__).parents[2]
LEASE = 2
CASEFILES = str(Path(sys.executable).with_name("casefiles"))


class Workers:
    """`casefiles worker` processes on one environment, each logging to a file; all stopped at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.started = env, logs, list[subprocess.Popen[bytes]]()

    def start(self, *command: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"worker-{len(self.started)}.log").open("wb") as log:
            worker = subprocess.Popen(
                [*command, "worker", "--threads", "1"], env=self.env, cwd=REPO, stdout=log, stderr=log
            )
        self.started.append(worker)
        return worker

    def log_of(self, worker: subprocess.Popen[bytes]) -> Path:
        return self.logs / f"worker-{self.started.index(worker)}.log"

    def stop_all(self) -> None:
        for worker in self.started:
            if worker.poll() is None:
                worker.send_signal(signal.SIGINT)  # huey's graceful stop: the running job ends first
        for worker in self.started:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


@pytest.fixture
def temporary(tmp_path: Path) -> Path:
    """The workers' system temporary folder (TMPDIR), where their scratch folders go."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


@contextlib.contextmanager
def _web(settings: Settings) -> Iterator[Flask]:
    """The web side: jobs go to the queue, for the worker processes (none run here)."""
    app = create_app({"TESTING": True}, settings=settings)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _unfinished_jobs() -> int:
    db.session.expire_all()
    return len(db.session.scalars(db.select(Job.id).where(Job.status != "done")).all())


def _job(job_id: int) -> Job:
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job is not None
    return job


def _scratch_folders(temporary: Path) -> list[Path]:
    return sorted(temporary.glob("casefiles-worker-*"))


def _upload_a_docx() -> int:
    """A case with a DOCX document (its PDF copy, by LibreOffice, is queued on upload); the id of the PDF job. Plain
    text would not do: its PDF copy is laid out in the worker itself, with no program to kill."""
    from webapp.auth.services import create_user, ensure_district
    from webapp.cases.schemas import CaseInput
    from webapp.cases.services import open_case
    from webapp.documents.schemas import DocumentMeta, Upload
    from webapp.documents.services import add_document
    from webapp.nomenclature.schemas import EntryInput
    from webapp.nomenclature.services import create_entry
    from webapp.policy import SYSTEM

    ensure_district("u1")
    user = create_user("spec", role="specialist", password="long-password-1", district_codes=["u1"])
    create_entry(SYSTEM, EntryInput(index="04-05", title="Личные дела", year=2026, retention_years=75))
    case = open_case(user, CaseInput(nomenclature_index="04-05", year=2026, title="Дело", district="u1"))
    act = docx.Document()
    for n in range(2000):
        act.add_paragraph(f"Строка {n}: акт обследования условий проживания семьи")
    content = io.BytesIO()
    act.save(content)
    content.seek(0)
    upload = Upload(content, "act.docx")  # under 256 KiB: indexed at once, no index job
    add_document(user, case.id, DocumentMeta(title="Акт"), upload)
    commit()
    return db.session.scalars(db.select(Job.id).where(Job.kind == "pdf_rendition")).one()


def test_a_worker_killed_mid_conversion_leaves_nothing_running_and_the_next_worker_finishes(
    settings: Settings, temporary: Path, tmp_path: Path
) -> None:
    assert soffice_path(), "LibreOffice is needed (scripts/test.sh installs it)"
    settings = dataclasses.replace(settings, job_lease_seconds=LEASE)
    workers = Workers(environment(settings, temporary), tmp_path)
    with _web(settings):
        job_id = _upload_a_docx()
        try:
            first = workers.start(CASEFILES)
            wait_for(lambda: "soffice.bin" in map(command_name, descendants(first.pid)), 90, "LibreOffice to start")
            started = descendants(first.pid)
            (scratch,) = _scratch_folders(temporary)
            assert list(scratch.glob("casefiles-pdf-*/source.docx"))  # the copy of the document
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
            wait_for(lambda: not any(alive(pid) for pid in started), 10, "LibreOffice to die with its worker")
            assert (_job(job_id).status, scratch.exists()) == ("running", True)  # as the worker left them

            second = workers.start(CASEFILES)
            wait_for(lambda: _job(job_id).status == "done", 120, f"the job to be done (see {workers.log_of(second)})")
            job = _job(job_id)
            assert (job.attempts, job.worker.split("/")[1]) == (2, str(second.pid))
            assert not scratch.exists()  # swept by the second worker at its start
            # The PDF is followed by its page images (another job): once every job is done, no copy is left.
            wait_for(lambda: _unfinished_jobs() == 0, 120, f"the page images (see {workers.log_of(second)})")
            (own,) = _scratch_folders(temporary)
            assert [path.name for path in own.iterdir()] == ["lock"]  # the jobs' copies went when they ended
        finally:
            workers.stop_all()
        assert _scratch_folders(temporary) == []  # the second removed its own when it stopped


def test_on_redis_a_running_worker_takes_over_the_job_of_one_that_died(
    settings: Settings, temporary: Path, tmp_path: Path
) -> None:
    with redis_server(tmp_path) as url:
        settings = dataclasses.replace(settings, job_lease_seconds=LEASE, queue_url=url)
        workers = Workers(environment(settings, temporary), tmp_path)
        with _web(settings):
            try:
                pair = [workers.start(sys.executable, "-c", stand_in_jobs.WORKER) for _ in range(2)]
                wait_for(lambda: len(_scratch_folders(temporary)) == 2, 30, "both workers to start")
                job_id = create_job(stand_in_jobs.KIND, {}).id
                commit()
                wait_for(lambda: any(descendants(worker.pid) for worker in pair), 30, "a worker to start the program")
                doomed, survivor = sorted(pair, key=lambda worker: not descendants(worker.pid))
                started = descendants(doomed.pid)
                assert _job(job_id).worker.split("/")[1] == str(doomed.pid)
                os.kill(doomed.pid, signal.SIGKILL)
                doomed.wait()
                wait_for(lambda: not any(alive(pid) for pid in started), 10, "the program to die with its worker")
                log = workers.log_of(survivor)
                wait_for(lambda: _job(job_id).status == "done", 30, f"the survivor to finish the job (see {log})")
                job = _job(job_id)
                assert (job.attempts, job.result, job.worker.split("/")[1]) == (2, {"attempt": 2}, str(survivor.pid))
                wait_for(lambda: len(_scratch_folders(temporary)) == 1, 10, "the dead worker's folder to be swept")
            finally:
                workers.stop_all()
