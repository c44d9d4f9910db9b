"""Draining the search outbox into the whoosh folder: the index's write lock is taken once a batch, and a batch
that was not full ends the drain (the rows queued when the lock was taken were all seen)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import World
from webapp import events
from webapp.extensions import db
from webapp.jobs.services import enqueue_committed_jobs
from webapp.runtime import search_index
from webapp.search.models import IndexOutbox
from webapp.search.services import drain_outbox

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("CASEFILES_TEST_DATABASE_URL")), reason="the whoosh folder's drain (SQLite pass)"
)


@pytest.fixture
def lock_takes(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the takes of the index's write lock."""
    index = search_index()
    original = index.writing
    taken: list[int] = []

    def counted() -> AbstractContextManager[object]:
        taken.append(1)
        return original()

    monkeypatch.setattr(index, "writing", counted)
    yield taken


def _found(world: World, words: str) -> list[int]:
    return [hit["document_id"] for hit in world["spec1"].get(f"/api/v1/search?q={words}").get_json()["items"]]


def _unapplied() -> int:
    db.session.expire_all()
    return len(db.session.scalars(select(IndexOutbox.id).where(IndexOutbox.applied_at.is_(None))).all())


def test_an_upload_is_indexed_after_its_commit_with_one_take_of_the_lock(world: World, lock_takes: list[int]) -> None:
    case = world.open_case()
    lock_takes.clear()
    document = world.upload(case["id"], "Акт обследования жилищных условий".encode(), title="Акт")
    assert len(lock_takes) == 1
    assert _unapplied() == 0
    assert _found(world, "жилищных") == [document["id"]]


def test_a_full_batch_goes_on_and_a_short_one_ends_the_drain(
    world: World, lock_takes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = world.open_case()
    monkeypatch.setattr(events, "_after_commit", [enqueue_committed_jobs])  # queued, not drained
    ids = [world.upload(case["id"], f"Заключение номер {n}".encode(), title=f"Заключение {n}")["id"] for n in range(3)]
    assert _unapplied() == 3
    lock_takes.clear()
    assert drain_outbox(batch_size=2) == 3
    assert len(lock_takes) == 2  # two rows (full: on), one row (short: done)
    assert _unapplied() == 0
    assert sorted(_found(world, "заключение")) == sorted(ids)
    lock_takes.clear()
    assert drain_outbox(batch_size=2) == 0 and lock_takes == []  # nothing queued: no lock at all
