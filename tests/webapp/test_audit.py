"""The audit log: append-only and hash-chained (a changed, removed or inserted event is found), ordered under
concurrent writers, readable by heads and administrators with filters, and free of personal data."""

from __future__ import annotations

import threading
from typing import Any

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.conftest import World
from tests.webapp.test_pages import _csrf, login
from webapp.audit.chain import verify_chain
from webapp.audit.models import AuditChain, AuditEvent
from webapp.audit.services import record_event
from webapp.cli import main
from webapp.extensions import db
from webapp.uow import commit


def _activity(world: World) -> dict[str, Any]:
    case = world.open_case()
    document = world.upload(case["id"], "Акт: семья Ивановых".encode())
    world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/content")
    world["spec1"].get("/api/v1/search?q=Ивановых")
    return document


def _verify() -> Any:
    return CliRunner().invoke(main, ["audit", "verify"], catch_exceptions=False)


def test_the_chain_holds_and_names_the_first_changed_event(app: Flask, world: World) -> None:
    _activity(world)
    clean = _verify()
    assert clean.exit_code == 0, clean.output
    count = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    assert f"OK: {count} events" in clean.output
    read = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "version.read"))
    assert read is not None
    db.session.execute(text("UPDATE audit_events SET actor_id = NULL WHERE seq = :seq"), {"seq": read.seq})
    db.session.commit()
    broken = _verify()
    assert broken.exit_code == 1
    assert f"BROKEN at event {read.seq}: содержимое события изменено" in broken.output


def test_a_removed_event_and_a_cut_tail_are_found(app: Flask, world: World) -> None:
    _activity(world)
    last = db.session.scalar(db.select(db.func.max(AuditEvent.seq)))
    db.session.execute(text("DELETE FROM audit_events WHERE seq = :seq"), {"seq": last})
    db.session.commit()
    report = verify_chain()
    assert not report.ok and report.broken_at == last and "голова цепочки" in report.reason
    db.session.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    db.session.commit()
    report = verify_chain()
    assert not report.ok and report.broken_at == 2


def test_concurrent_writers_make_one_unbroken_chain(app: Flask, world: World) -> None:
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            with app.app_context():
                for number in range(10):
                    record_event(None, "test.concurrent", "test", worker * 100 + number)
                    commit()
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_chain()
    assert report.ok, report.reason
    head = db.session.get(AuditChain, 1)
    assert head is not None and head.length == report.checked
    seqs = db.session.scalars(db.select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, len(seqs) + 1))


def test_reads_searches_and_logins_are_on_record_without_personal_data(
    app: Flask, world: World, client: FlaskClient
) -> None:
    document = _activity(world)
    login(client, "spec1")
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"auth.login", "version.read", "search.query", "document.create", "case.open"} <= actions
    search = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "search.query"))
    assert search is not None and search.details == {"hits": 1}
    everything = " ".join(str(event.details) for event in db.session.scalars(db.select(AuditEvent)))
    assert "Ивановых" not in everything and document["title"] not in everything


def test_heads_and_admins_read_the_log_with_filters(app: Flask, world: World, client: FlaskClient) -> None:
    document = _activity(world)
    for role in ("spec1", "archivist"):
        assert world[role].get("/api/v1/audit").status_code == 403
    reads = world["head"].get(f"/api/v1/audit?action=version.read&object_id={document['id']}").get_json()
    assert reads["total"] == 1 and reads["items"][0]["object_type"] == "document"
    by_prefix = world["admin"].get("/api/v1/audit?action=version.&actor=spec1").get_json()
    assert {item["action"] for item in by_prefix["items"]} == {"version.read"}
    assert world["head"].get("/api/v1/audit?date_from=2999-01-01").get_json()["total"] == 0
    assert world["head"].get("/api/v1/audit?object_id=abc").status_code == 400
    login(client, "head")
    page = client.get("/audit?action=version.").get_data(as_text=True)
    assert "Журнал аудита" in page and "version.read" in page and "auth.login" not in page
    answer = client.post("/audit/verify", data={"csrf_token": _csrf(page)}, follow_redirects=True)
    assert "Цепочка журнала цела" in answer.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": _csrf(page)})
    login(client, "spec1")
    assert client.get("/audit").status_code == 403
