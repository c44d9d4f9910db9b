"""What follows what (webapp.wiring): a published fact reaches its subscribers inside the publisher's transaction,
and a reaction is added by writing a subscriber and registering it."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.conftest import World
from webapp.auth.models import User
from webapp.blobs.retention import request_retention
from webapp.cases.events import CaseClosed, CaseOpened, HoldReleased, HoldSet, RetentionExtended
from webapp.documents.events import VersionAdded
from webapp.documents.media import TEXT
from webapp.documents.models import DocumentVersion
from webapp.events import publish, subscribe, subscribers_of, unsubscribe
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.services import discard_uncommitted_jobs
from webapp.renditions.services import request_rendition
from webapp.search.models import IndexOutbox
from webapp.search.ocr import request_ocr
from webapp.search.services import index_document
from webapp.wiring import wire


def test_the_wiring_registers_each_reaction_once(app: Flask) -> None:
    wire()  # create_app() wired already: again changes nothing
    assert subscribers_of(VersionAdded) == [index_document, request_rendition, request_ocr]
    for retention_changed in (CaseClosed, HoldSet, HoldReleased, RetentionExtended):
        assert subscribers_of(retention_changed) == [request_retention]
    assert subscribers_of(CaseOpened) == []


def test_a_version_added_queues_its_indexing_and_its_pdf_copy_in_the_transaction(app: Flask, world: World) -> None:
    document = world.upload(world.open_case()["id"])
    version = db.session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == document["id"])).one()
    author = db.session.scalars(select(User).where(User.username == "spec1")).one()
    app.config["AUTO_PDF"] = True
    outbox_before = db.session.scalar(select(db.func.count(IndexOutbox.id))) or 0

    publish(VersionAdded(document["id"], version.id, 1, TEXT, author.id))

    rows = db.session.scalars(select(IndexOutbox).order_by(IndexOutbox.id)).all()
    assert len(rows) == outbox_before + 1
    assert (rows[-1].document_id, rows[-1].operation) == (document["id"], "index")
    job = db.session.scalars(select(Job).where(Job.kind == "pdf_rendition")).one()
    assert (job.params, job.created_by_id, job.status) == ({"version_id": version.id}, author.id, "queued")
    db.session.rollback()  # nothing is committed: the rows go with the transaction
    discard_uncommitted_jobs()
    assert db.session.scalars(select(Job).where(Job.kind == "pdf_rendition")).all() == []


def test_a_subscriber_added_hears_every_new_version(app: Flask, world: World) -> None:
    heard: list[VersionAdded] = []
    subscribe(VersionAdded, heard.append)
    try:
        case = world.open_case()
        first = world.upload(case["id"], b"first")
        second = world.upload(case["id"], b"second")
    finally:
        unsubscribe(VersionAdded, heard.append)
    author = db.session.scalars(select(User).where(User.username == "spec1")).one()
    assert [(event.document_id, event.number, event.media_type, event.actor_id) for event in heard] == [
        (first["id"], 1, TEXT, author.id),
        (second["id"], 1, TEXT, author.id),
    ]
    assert heard.append not in subscribers_of(VersionAdded)
