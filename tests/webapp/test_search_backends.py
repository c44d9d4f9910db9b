"""Which index searches use (CASEFILES_SEARCH), indexing inside the unit of work on PostgreSQL, and moving an
existing installation from the whoosh folder to PostgreSQL with `casefiles search migrate --to postgres`."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import delete, select

from search_index import SearchIndex
from search_index.postgres import PostgresIndexWriter, PostgresSearchIndex
from tests.conftest import ApiClient, World
from webapp import create_app, events
from webapp.config import ConfigurationError, Settings, load_settings
from webapp.extensions import db
from webapp.jobs.services import enqueue_committed_jobs
from webapp.runtime import search_index
from webapp.search.models import IndexOutbox, SearchSwitch
from webapp.search.services import drain_outbox, migrate_to_postgres

on_postgres = pytest.mark.skipif(
    not os.environ.get("CASEFILES_TEST_DATABASE_URL"), reason="runs in the PostgreSQL pass of scripts/test.sh"
)
OVERRIDES = {"TESTING": True, "JOBS_IMMEDIATE": True, "AUTO_PDF": False, "AUTO_OCR": False, "AUTO_PREVIEWS": False}


def test_postgres_search_needs_a_postgres_database(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(ConfigurationError, match="CASEFILES_SEARCH=postgres needs a PostgreSQL"):
        load_settings({"CASEFILES_DATA_DIR": str(tmp_path), "CASEFILES_SEARCH": "postgres"})
    with pytest.raises(ConfigurationError, match="CASEFILES_SEARCH must be one of"):
        load_settings({"CASEFILES_DATA_DIR": str(tmp_path), "CASEFILES_SEARCH": "solr"})


def test_on_sqlite_auto_searches_the_whoosh_folder(app: Flask) -> None:
    if os.environ.get("CASEFILES_TEST_DATABASE_URL"):
        pytest.skip("the SQLite pass checks this")
    assert isinstance(search_index(), SearchIndex)


def _found(world: World, words: str) -> list[int]:
    return [hit["document_id"] for hit in world["spec1"].get(f"/api/v1/search?q={words}").get_json()["items"]]


def _unapplied() -> int:
    db.session.expire_all()
    return len(db.session.scalars(select(IndexOutbox.id).where(IndexOutbox.applied_at.is_(None))).all())


@pytest.fixture
def no_drain_after_commit(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what joined the unit of work's own transaction is in the index (after create_app has wired)."""
    monkeypatch.setattr(events, "_after_commit", [enqueue_committed_jobs])


@on_postgres
@pytest.mark.usefixtures("no_drain_after_commit")
def test_a_new_installation_on_postgresql_indexes_inside_the_unit_of_work(world: World) -> None:
    assert isinstance(search_index(), PostgresSearchIndex)
    switch = db.session.get(SearchSwitch, "postgres")  # stays there once it holds documents
    assert switch is not None and switch.built_from is None  # nothing to replay: never on another index
    document = world.upload(world.open_case()["id"], "Семья Петровых проживает в общежитии".encode())
    assert (_found(world, "общежитие"), _unapplied()) == ([document["id"]], 0)
    world["spec1"].upload(f"/api/v1/documents/{document['id']}/versions", "Семья переехала".encode(), base_version="1")
    assert (_found(world, "общежитие"), _found(world, "переехать")) == ([], [document["id"]])


@on_postgres
@pytest.mark.usefixtures("no_drain_after_commit")
def test_an_index_failure_never_fails_the_change_and_leaves_it_queued(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: PostgresIndexWriter, docs: object) -> None:
        raise RuntimeError("disk full")

    case = world.open_case()
    with monkeypatch.context() as patch:
        patch.setattr(PostgresIndexWriter, "index", broken)
        response = world["spec1"].upload(f"/api/v1/cases/{case['id']}/documents", "Акт обследования".encode())
        assert response.status_code == 201
    assert (_unapplied(), search_index().count()) == (1, 0)
    assert drain_outbox() == 1  # the next drain (after any commit, or the job) applies it
    assert _found(world, "обследование") == [response.get_json()["id"]]


@contextlib.contextmanager
def _another_process(settings: Settings) -> Iterator[Flask]:
    """Another web process on the same database and data folder."""
    other = create_app(OVERRIDES, settings=settings)
    with other.app_context():
        yield other
        db.session.remove()
        db.engine.dispose()


def _upload_through(app: Flask, world: World, case_id: int, text: str) -> int:
    client = ApiClient(app.test_client(), world["spec1"].token)
    response = client.upload(f"/api/v1/cases/{case_id}/documents", text.encode())
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


@on_postgres
def test_an_installation_with_documents_moves_to_postgresql_by_search_migrate(world: World, settings: Settings) -> None:
    case = world.open_case()
    first = world.upload(case["id"], "Акт обследования жилищных условий".encode())["id"]
    on_whoosh = dataclasses.replace(settings, search="whoosh")
    with _another_process(on_whoosh) as old:  # an installation from before PostgreSQL search
        second = _upload_through(old, world, case["id"], "Социальный паспорт семьи")
        db.session.execute(delete(SearchSwitch))
        db.session.commit()
    with _another_process(settings):  # "auto" with documents and no switch: stays on whoosh
        assert isinstance(search_index(), SearchIndex)
    with _another_process(on_whoosh) as old:
        assert migrate_to_postgres() == 2
        assert db.session.get(SearchSwitch, "postgres") is not None
        third = _upload_through(old, world, case["id"], "Заключение о нуждаемости")  # still running on whoosh
    with _another_process(settings) as new:  # restarted: on PostgreSQL, with what the old one did meanwhile
        assert isinstance(search_index(), PostgresSearchIndex)
        client = ApiClient(new.test_client(), world["spec1"].token)
        found = {
            words: [hit["document_id"] for hit in client.get(f"/api/v1/search?q={words}").get_json()["items"]]
            for words in ("обследование", "паспорт", "нуждаемость")
        }
        assert found == {"обследование": [first], "паспорт": [second], "нуждаемость": [third]}
