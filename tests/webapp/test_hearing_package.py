"""A hearing's members' package (issue 26): one numbered, bookmarked PDF built by a job (the agenda sheet, per
item the case's cover and the documents presented with their signature sheets, what is new since the case's
previous hearing marked), who may ask for it and read it and when, and its purge once the access window ends."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from pypdf.generic import Destination

from storage import ContentMismatch
from tests.conftest import PASSWORD, ApiClient, World, overwrite_blob
from tests.webapp.test_exports import _scan
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.auth.services import create_api_token, create_user
from webapp.blobs.models import StoredFile
from webapp.dbtypes import utcnow
from webapp.documents.models import DocumentVersion
from webapp.events import housekeeping
from webapp.exports.sheets import NEW_SINCE_LAST
from webapp.extensions import db
from webapp.hearings import package
from webapp.hearings.models import Hearing, HearingItemDocument
from webapp.hearings.package import purge_hearing_packages
from webapp.hearings.schemas import CommissionInput, HearingInput, ItemInput, MemberInput
from webapp.hearings.services import add_item, create_commission, create_hearing, mark_held, send_agenda
from webapp.runtime import blob_store


def _user(username: str) -> User:
    user = db.session.scalar(db.select(User).where(User.username == username))
    assert user is not None
    return user


@pytest.fixture
def scene(world: World, client: Any) -> dict[str, Any]:
    """A commission whose members are `member` (a specialist of a district of their own) and `secretary`; a
    hearing next week with two cases of district u1 on its agenda: the first with a two-page scan signed on
    paper and a one-page act, the second with a three-page report."""
    for username in ("member", "secretary"):
        user = create_user(username, role="specialist", password=PASSWORD, full_name=f"Тест {username}")
        world.clients[username] = ApiClient(client, create_api_token(user))
    first, second = world.open_case(title="Личное дело семьи Первых"), world.open_case(title="Личное дело семьи Вторых")
    signers = json.dumps([{"name": "Первая Анна Ивановна", "role": "получатель услуг"}])
    scan = world.upload(first["id"], _scan(2, "SCAN"), filename="s.pdf", title="Соглашение", paper_signers=signers)
    act = world.upload(first["id"], _scan(1, "ACT"), filename="a.pdf", title="Акт обследования")
    report = world.upload(second["id"], _scan(3, "REPORT"), filename="r.pdf", title="Отчёт")
    head = _user("head")
    commission = create_commission(
        head,
        CommissionInput(
            name="Совет профилактики",
            members=[MemberInput(username="member"), MemberInput(username="secretary", role="secretary")],
        ),
    )
    starts = (utcnow() + dt.timedelta(days=7)).replace(microsecond=0)
    hearing = create_hearing(head, HearingInput(commission_id=commission.id, starts_at=starts, place="Зал № 2"))
    question = "Утверждение индивидуальной программы"
    add_item(head, hearing.id, ItemInput(case_id=first["id"], question=question, document_ids=[scan["id"], act["id"]]))
    add_item(
        head, hearing.id, ItemInput(case_id=second["id"], question="Оценка положения", document_ids=[report["id"]])
    )
    db.session.commit()
    return {
        "commission": commission.id,
        "hearing": hearing.id,
        "first": first,
        "second": second,
        "scan": scan,
        "act": act,
        "report": report,
    }


def _request(world: World, hearing_id: int, username: str = "head") -> Any:
    return world[username].post(f"/api/v1/hearings/{hearing_id}/package")


def _built(world: World, hearing_id: int) -> dict[str, Any]:
    answer = _request(world, hearing_id)
    assert answer.status_code == 202, answer.get_json()
    job: dict[str, Any] = answer.get_json()
    assert answer.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert job["kind"] == "hearing_package" and job["status"] == "done", job  # the test queue ran it already
    return job


def _outline(reader: PdfReader) -> list[Any]:
    """The bookmarks as (title, first page, [children as (title, page)])."""
    tree: list[Any] = []
    for entry in reader.outline:
        if isinstance(entry, Destination):
            tree.append((entry.title, reader.get_destination_page_number(entry) + 1, []))
        else:
            tree[-1][2].extend((child.title, reader.get_destination_page_number(child) + 1) for child in entry)
    return tree


def test_the_package_is_one_numbered_bookmarked_pdf(app: Flask, world: World, scene: dict[str, Any]) -> None:
    _built(world, scene["hearing"])
    answer = world["head"].get(f"/api/v1/hearings/{scene['hearing']}/package")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"] == f'inline; filename="hearing-{scene["hearing"]}-package.pdf"'
    assert "no-store" in answer.headers["Cache-Control"]
    reader = PdfReader(io.BytesIO(answer.data))
    # agenda 1; item 1: cover 1, scan 2 + its signature sheet 1, act 1; item 2: cover 1, report 3
    assert len(reader.pages) == 10
    first, second = scene["first"]["number"], scene["second"]["number"]
    assert _outline(reader) == [
        ("Повестка заседания", 1, []),
        (
            f"1. Дело № {first}: Утверждение индивидуальной программы",
            2,
            [(f"1.1. Соглашение — {NEW_SINCE_LAST}", 3), (f"1.2. Акт обследования — {NEW_SINCE_LAST}", 6)],
        ),
        (f"2. Дело № {second}: Оценка положения", 7, [(f"2.1. Отчёт — {NEW_SINCE_LAST}", 8)]),
    ]
    texts = [page.extract_text() for page in reader.pages]
    for sheet, text in enumerate(texts, start=1):  # every sheet carries its number
        assert str(sheet) in text.split(), (sheet, text[:200])
    agenda = " ".join(texts[0].split())
    assert "ПОВЕСТКА ЗАСЕДАНИЯ № 1" in agenda and "Совет профилактики" in agenda and "Зал № 2" in agenda
    assert "Тестовый центр" in agenda
    assert f"1.1. Соглашение — л. 3–5 — {NEW_SINCE_LAST}" in agenda  # two pages and the signature sheet
    assert "2.1. Отчёт — л. 8–10" in agenda
    assert "SCAN page 2" in texts[3] and "REPORT page 3" in texts[9]
    assert f"ДЕЛО № {first}" in texts[1] and "На 5 (пять) листов" in " ".join(texts[1].split())
    assert "Первая Анна Ивановна" in texts[4]  # the scan's paper signature sheet
    assert "Seal" in (reader.get_fields() or {})  # sealed as exports are


def test_the_agenda_shows_local_time_and_the_versions_shown_are_fixed(
    app: Flask, world: World, scene: dict[str, Any]
) -> None:
    hearing = db.session.get(Hearing, scene["hearing"])
    assert hearing is not None
    hearing.starts_at = dt.datetime(2026, 12, 20, 11, 30, tzinfo=dt.UTC)  # 14:30 in Moscow
    db.session.commit()
    _built(world, scene["hearing"])
    data = world["head"].get(f"/api/v1/hearings/{scene['hearing']}/package").data
    agenda = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert "20.12.2026, 14:30" in agenda
    shown = db.session.scalars(db.select(HearingItemDocument).order_by(HearingItemDocument.id)).all()
    latest = {v.document_id: v.id for v in db.session.scalars(db.select(DocumentVersion))}
    assert [row.version_id for row in shown] == [latest[row.document_id] for row in shown]
    hearing = db.session.get(Hearing, scene["hearing"])
    assert hearing is not None and hearing.package_built_at is not None
    assert hearing.package_file is not None and hearing.package_file.kind == "hearing_package"
    assert hearing.package_file.key.startswith(f"hearings/{hearing.starts_at.year}/{hearing.id}-package-")
    assert "Первых" not in hearing.package_file.key


def test_only_what_was_added_since_the_previous_hearing_is_marked(
    app: Flask, world: World, scene: dict[str, Any]
) -> None:
    """The second case was heard just now, after its report was filed; a new act was added since."""
    head = _user("head")
    just_now = utcnow()
    earlier = create_hearing(head, HearingInput(commission_id=scene["commission"], starts_at=just_now, number="7"))
    report, second = scene["report"], scene["second"]["id"]
    add_item(head, earlier.id, ItemInput(case_id=second, question="Оценка", document_ids=[report["id"]]))
    mark_held(head, earlier.id)
    db.session.commit()
    new_act = world.upload(second, _scan(1, "NEWACT"), filename="n.pdf", title="Акт повторного обследования")
    later = utcnow() + dt.timedelta(days=9)
    hearing = create_hearing(head, HearingInput(commission_id=scene["commission"], starts_at=later))
    item = ItemInput(case_id=second, question="Повторно", document_ids=[report["id"], new_act["id"]])
    add_item(head, hearing.id, item)
    db.session.commit()
    _built(world, hearing.id)
    reader = PdfReader(io.BytesIO(world["head"].get(f"/api/v1/hearings/{hearing.id}/package").data))
    assert _outline(reader)[1][2] == [("1.1. Отчёт", 3), (f"1.2. Акт повторного обследования — {NEW_SINCE_LAST}", 6)]
    agenda = " ".join(reader.pages[0].extract_text().split())
    assert agenda.count(NEW_SINCE_LAST) == 2  # the act's line, and the note that explains the mark
    assert "1.1. Отчёт — л. 3–5 1.2." in agenda
    assert "предыдущее рассмотрение — заседание № 7" in agenda


def test_who_may_ask_for_the_package(app: Flask, world: World, scene: dict[str, Any]) -> None:
    hearing_id = scene["hearing"]
    assert _request(world, hearing_id, "spec2").status_code == 404  # does not see the hearing
    assert _request(world, hearing_id, "admin").status_code == 404
    assert _request(world, hearing_id, "archivist").status_code == 403  # reads every case: sees the hearing
    refused = _request(world, hearing_id, "spec1")  # sees it (their cases) but does not build it
    assert refused.status_code == 403, refused.get_json()
    assert _request(world, hearing_id, "member").status_code == 403
    assert _request(world, hearing_id, "secretary").status_code == 202
    assert _request(world, hearing_id).status_code == 202
    assert _request(world, 999).status_code == 404
    jobs = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "hearing.package_request")).all()
    assert len(jobs) == 2


def test_an_empty_or_approved_hearing_gets_no_package(app: Flask, world: World, scene: dict[str, Any]) -> None:
    soon = utcnow() + dt.timedelta(days=3)
    empty = create_hearing(_user("head"), HearingInput(commission_id=scene["commission"], starts_at=soon))
    db.session.commit()
    answer = _request(world, empty.id)
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "empty_agenda"
    hearing = db.session.get(Hearing, scene["hearing"])
    assert hearing is not None
    hearing.status = "protocol_approved"
    db.session.commit()
    answer = _request(world, scene["hearing"])
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "hearing_status"


def test_who_may_read_it_and_when(app: Flask, world: World, scene: dict[str, Any]) -> None:
    hearing_id = scene["hearing"]
    url = f"/api/v1/hearings/{hearing_id}/package"
    not_built = world["head"].get(url)
    assert not_built.status_code == 409 and not_built.get_json()["error"]["code"] == "package_not_ready"
    _built(world, hearing_id)
    assert world["head"].get(url).status_code == 200
    assert world["secretary"].get(url).status_code == 200  # manages it
    before = world["member"].get(url)  # a member, before the agenda is sent
    assert before.status_code == 403 and before.get_json()["error"]["code"] == "agenda_not_sent"
    send_agenda(_user("head"), hearing_id)
    db.session.commit()
    during = world["member"].get(url)
    assert during.status_code == 200 and during.data.startswith(b"%PDF")
    refused = world["spec1"].get(url)  # sees the hearing (their cases), is no member
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_a_member"
    assert world["spec2"].get(url).status_code == 404  # a specialist of another district
    assert world["admin"].get(url).status_code == 404
    assert world["archivist"].get(url).status_code == 403
    reads = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "hearing.package_read")).all()
    assert [(event.object_type, event.object_id) for event in reads] == [("hearing", hearing_id)] * 3
    hearing = db.session.get(Hearing, hearing_id)
    assert hearing is not None
    hearing.access_until = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    for username in ("member", "head"):
        after = world[username].get(url)
        assert after.status_code == 410 and after.get_json()["error"]["code"] == "package_expired"
    assert _request(world, hearing_id).status_code == 410


def test_a_changed_package_is_not_handed_out(app: Flask, world: World, scene: dict[str, Any]) -> None:
    _built(world, scene["hearing"])
    hearing = db.session.get(Hearing, scene["hearing"])
    assert hearing is not None and hearing.package_file is not None
    overwrite_blob(blob_store(), hearing.package_file.key, b"%PDF-1.7 not what was built")
    answer = world["head"].get(f"/api/v1/hearings/{scene['hearing']}/package")
    assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "blob_corrupted"
    with pytest.raises(ContentMismatch):
        package.read_package(hearing)


def test_progress_is_reported(app: Flask, world: World, scene: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[float] = []
    real = package.set_progress

    def recording(job: Any, fraction: float) -> None:
        reported.append(round(fraction, 3))
        real(job, fraction)

    monkeypatch.setattr(package, "set_progress", recording)
    _built(world, scene["hearing"])
    assert reported == [0.253, 0.507, 0.76, 0.95]  # each of three documents, then the joined PDF (of 0.95)
    assert reported == sorted(reported)


def test_a_new_package_replaces_the_old_and_both_are_purged_in_time(
    app: Flask, world: World, scene: dict[str, Any]
) -> None:
    assert purge_hearing_packages in housekeeping()  # every ten minutes in the worker (webapp.wiring)
    _built(world, scene["hearing"])
    hearing = db.session.get(Hearing, scene["hearing"])
    assert hearing is not None and hearing.package_file is not None
    old_key = hearing.package_file.key
    _built(world, scene["hearing"])
    db.session.refresh(hearing)
    assert hearing.package_file is not None
    new_key = hearing.package_file.key
    assert new_key != old_key
    assert purge_hearing_packages() == 1  # the replaced one
    db.session.commit()
    assert not blob_store().exists(old_key) and blob_store().exists(new_key)
    assert world["head"].get(f"/api/v1/hearings/{scene['hearing']}/package").status_code == 200
    assert purge_hearing_packages() == 0
    send_agenda(_user("head"), scene["hearing"])
    db.session.commit()
    assert purge_hearing_packages(hearing.starts_at) == 0  # the window is still open
    later = hearing.access_until
    assert later is not None
    assert purge_hearing_packages(later + dt.timedelta(seconds=1)) == 1
    db.session.commit()
    assert not blob_store().exists(new_key)
    files = db.session.scalars(db.select(StoredFile).where(StoredFile.kind == "hearing_package")).all()
    assert len(files) == 2 and all(file.deleted_at is not None for file in files)


def test_a_package_stops_being_served_once_its_agenda_changes(app: Flask, world: World, scene: dict[str, Any]) -> None:
    """Removing an item (or choosing other documents) leaves a package that shows another agenda: it is not
    handed out any more (and is purged) until a new one is built."""
    _built(world, scene["hearing"])
    path = f"/api/v1/hearings/{scene['hearing']}/package"
    assert world["head"].get(path).status_code == 200
    hearing = db.session.get(Hearing, scene["hearing"])
    assert hearing is not None
    second = next(item for item in hearing.items if item.case_id == scene["second"]["id"])
    assert world["head"].delete(f"/api/v1/hearings/{scene['hearing']}/items/{second.id}").status_code == 204
    assert world["head"].get(path).status_code == 409
    assert purge_hearing_packages() == 1
    db.session.commit()
    _built(world, scene["hearing"])
    first = hearing.items[0]
    answer = world["head"].put(
        f"/api/v1/hearings/{scene['hearing']}/items/{first.id}/documents", json={"document_ids": [scene["act"]["id"]]}
    )
    assert answer.status_code == 200, answer.get_json()
    assert world["head"].get(path).status_code == 409
