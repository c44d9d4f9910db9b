"""The index is derived data: a crash between commit and indexing loses nothing, a rebuild runs beside the live
index and catches up with changes made meanwhile, and `search check` reports drift. These are the whoosh folder's
tests, on either database (PostgreSQL's index: tests/webapp/test_search_backends.py)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from search_index import SearchQuery
from tests.conftest import ApiClient, World
from tests.dying import in_the_app
from tests.webapp.test_pages import login
from webapp import create_app
from webapp.config import Settings
from webapp.extensions import db
from webapp.search.models import IndexOutbox


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, search="whoosh")


# A process that commits a new document and is killed (SIGKILL) before it indexes it.
DYING_WRITER = in_the_app(
    """
    add_document(user, case.id, DocumentMeta(title="Акт"), Upload(io.BytesIO("патронаж семьи".encode()), "a.txt"))
    webapp.search.services.drain_outbox = lambda **_: os.kill(os.getpid(), signal.SIGKILL)
    webapp.uow.commit()
    """
)


def test_a_kill_between_commit_and_indexing_loses_no_index_entry(tmp_path: Path) -> None:
    env = {**os.environ, "CASEFILES_DATA_DIR": str(tmp_path), "PYTHONPATH": str(Path(__file__).parents[2])}
    env.pop("CASEFILES_DATABASE_URL", None)
    died = subprocess.run([sys.executable, "-c", DYING_WRITER], env=env, capture_output=True, text=True, check=False)
    assert died.returncode == -signal.SIGKILL, died.stderr

    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'casefiles.db'}",
        storage="local",
        s3_endpoint_url=None,
        s3_bucket=None,
        secret_key="x",
        max_upload_bytes=1024,
        institution_name="",
    )
    index_dir = settings.index_dir
    from search_index import SearchIndex

    assert SearchIndex(index_dir).count() == 0  # committed, never indexed
    app = create_app(settings=settings)  # starting again replays the outbox
    with app.app_context():
        result = app.extensions["casefiles.search_index"].search(SearchQuery(text="семья"))
        assert [hit.title for hit in result.hits] == ["Акт"]
        assert db.session.scalar(db.select(db.func.count()).where(IndexOutbox.applied_at.is_(None))) == 0
        db.session.remove()
        db.engine.dispose()


def test_reindex_catches_up_with_changes_made_while_it_builds(app: Flask, world: World) -> None:
    from webapp.search.services import reindex_all

    case = world.open_case()
    for number in range(3):
        world.upload(case["id"], f"акт обследования номер {number}".encode())
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if len(seen) == 1:  # while the fresh index is being built, someone files a new act
            world.upload(case["id"], "патронаж многодетной семьи".encode())

    assert reindex_all(progress=progress) == 3
    assert seen[0] == (3, 3)
    assert world["spec1"].get("/api/v1/search?q=многодетная").get_json()["total"] == 1  # not lost by the swap
    assert world["spec1"].get("/api/v1/search?q=обследование").get_json()["total"] == 3


def test_search_check_reports_drift(app: Flask, world: World) -> None:
    from webapp.cli import main

    case = world.open_case()
    first = world.upload(case["id"], "акт".encode())
    second = world.upload(case["id"], "заявление".encode())
    run = app.test_cli_runner()
    clean = run.invoke(main, ["search", "check"])
    assert clean.exit_code == 0, clean.output
    index = app.extensions["casefiles.search_index"]
    index.remove([first["id"]])
    stale = _indexed_copy(app, second["id"], version=7)
    index.index([stale, _indexed_copy(app, second["id"], document_id=999)])
    drift = run.invoke(main, ["search", "check"])
    assert drift.exit_code == 1
    assert f"missing: 1 (document ids: {first['id']})" in drift.output
    assert f"stale: 1 (document ids: {second['id']})" in drift.output
    assert "extra: 1 (document ids: 999)" in drift.output
    assert CliRunner().invoke(main, ["search", "--help"]).exit_code == 0


def _indexed_copy(app: Flask, source_id: int, **changes: Any) -> Any:
    import dataclasses

    from webapp.documents.models import Document
    from webapp.search.services import _to_indexed

    document = db.session.get(Document, source_id)
    assert document is not None
    return dataclasses.replace(_to_indexed(document), **changes)


def test_a_large_text_upload_is_indexed_by_a_job_not_in_the_request(app: Flask, world: World, monkeypatch) -> None:
    from webapp.jobs.models import Job
    from webapp.jobs.services import execute_job
    from webapp.search.services import INLINE_TEXT_BYTES

    handed_over: list[int] = []
    monkeypatch.setitem(app.extensions, "casefiles.run_job", handed_over.append)  # no worker running yet
    case = world.open_case()
    large = ("Заключение о многодетной семье. " * (INLINE_TEXT_BYTES // 40)).encode()
    assert len(large) > INLINE_TEXT_BYTES
    world.upload(case["id"], large, filename="large.txt", title="Большое заключение")
    world.upload(case["id"], "Справка о доходах".encode(), filename="small.txt", title="Справка")
    world.upload(case["id"], large, filename="large2.txt", title="Второе заключение")

    def found(words: str) -> int:
        return world["spec1"].get(f"/api/v1/search?q={words}").get_json()["total"]

    assert found("справка") == 1  # small files are indexed right after the commit, even behind a large one
    assert found("многодетная семья") == 0
    jobs = db.session.scalars(db.select(Job).where(Job.kind == "search_index")).all()
    assert [job.status for job in jobs] == ["queued"] and handed_over == [jobs[0].id]  # one job for both
    execute_job(jobs[0].id)
    assert found("многодетная семья") == 2
    assert db.session.get(Job, jobs[0].id).result == {"indexed": 2}


def _lose(index_dir: Path, how: str) -> None:
    """Take the index away as a careless move or a disk fault would."""
    if how == "moved":
        index_dir.rename(index_dir.with_name("index-moved-away"))
        return
    for path in index_dir.iterdir():
        path.write_bytes(os.urandom(max(64, path.stat().st_size)))


def _unavailable(answer: Any) -> str:
    assert answer.status_code == 503, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    assert error["code"] == "search_unavailable"
    message: str = error["message"]
    return message


# whoosh leaves the file it was reading open when it finds garbage in it (freed with a ResourceWarning).
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("how", ["moved", "garbage"])
def test_a_lost_or_damaged_index_answers_503_and_keeps_changes_queued_until_reindex(
    app: Flask, world: World, client: FlaskClient, how: str
) -> None:
    from webapp.cli import main

    case = world.open_case()
    first = world.upload(case["id"], "акт обследования многодетной семьи".encode())
    _lose(app.config["CASEFILES"].index_dir, how)
    api = world["spec1"]
    message = _unavailable(api.get("/api/v1/search?q=семья"))
    assert "casefiles reindex" in message and "администратор" in message
    _unavailable(api.get(f"/api/v1/documents/{first['id']}/similar"))

    second = world.upload(case["id"], "заявление многодетной семьи о помощи".encode())  # uploads go on
    assert api.get(f"/api/v1/documents/{second['id']}/versions/1/content").data.startswith("заявление".encode())
    queued = db.session.scalars(db.select(IndexOutbox.document_id).where(IndexOutbox.applied_at.is_(None))).all()
    assert second["id"] in queued  # kept for later, not lost

    login(client, "spec1")
    page = client.get("/search?q=семья", follow_redirects=True)  # the words may be kept out of the URL first
    assert page.status_code == 503 and "casefiles reindex" in page.get_data(as_text=True)
    similar = client.get(f"/documents/{first['id']}/similar")
    assert similar.status_code == 503 and "casefiles reindex" in similar.get_data(as_text=True)
    assert client.get(f"/cases/{case['id']}").status_code == 200  # the rest of the work goes on

    run = app.test_cli_runner()
    check = run.invoke(main, ["search", "check"])
    assert check.exit_code == 1
    assert ("missing" if how == "moved" else "damaged") in check.output and "casefiles reindex" in check.output
    rebuilt = run.invoke(main, ["reindex"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert api.get("/api/v1/search?q=семья").get_json()["total"] == 2
    assert run.invoke(main, ["search", "check"]).output.endswith("index matches the database\n")
    assert db.session.scalar(db.select(db.func.count()).where(IndexOutbox.applied_at.is_(None))) == 0


def test_a_restart_without_the_index_does_not_make_an_empty_one(app: Flask, world: World, settings: Settings) -> None:
    from webapp.cli import main

    case = world.open_case()
    world.upload(case["id"], "акт обследования семьи".encode())
    index_dir = settings.index_dir
    shutil.rmtree(index_dir)
    restarted = create_app({"TESTING": True, "JOBS_IMMEDIATE": True}, settings=settings)
    with restarted.app_context():
        assert not index_dir.exists()  # an empty index would silently find nothing
        run = restarted.test_cli_runner()
        assert "search index: " in (init := run.invoke(main, ["init"])).output
        assert "missing: run `casefiles reindex`" in init.output and not index_dir.exists()
        _unavailable(ApiClient(restarted.test_client(), world["spec1"].token).get("/api/v1/search?q=семья"))
        assert run.invoke(main, ["reindex"]).exit_code == 0
        assert (
            ApiClient(restarted.test_client(), world["spec1"].token).get("/api/v1/search?q=семья").get_json()["total"]
            == 1
        )
        db.session.remove()
        db.engine.dispose()
