"""Working copies: «Взять на редактирование» locks a document to its holder; others' new versions (uploads, form
re-fills, restores, paper scans) and check-outs get 423 `locked`; the holder's new version releases it; the holder
cancels, the head breaks it with a reason kept in the case's history; stale locks are on the head's first screen."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import ApiClient, World
from tests.webapp.test_forms import fill
from tests.webapp.test_pages import _csrf, forget_request_state, login
from webapp.audit.models import AuditEvent
from webapp.cases.models import CaseEvent
from webapp.dbtypes import utcnow
from webapp.documents.models import DocumentCheckout
from webapp.extensions import db


def _grant_spec2(world: World, case_id: int) -> None:
    """A second writer of the case: spec2, of another district, by a grant."""
    body = {"username": "spec2", "reason": "замещает специалиста"}
    assert world["head"].post(f"/api/v1/cases/{case_id}/grants", json=body).status_code == 201


def _checkout(api: ApiClient, document_id: int) -> Any:
    return api.post(f"/api/v1/documents/{document_id}/checkout", json={})


def _cancel(api: ApiClient, document_id: int, body: dict[str, Any] | None = None) -> Any:
    return api.client.delete(f"/api/v1/documents/{document_id}/checkout", headers=api._headers(), json=body or {})


def test_a_checked_out_document_refuses_others_with_423(world: World) -> None:
    case = world.open_case()
    _grant_spec2(world, case["id"])
    doc = world.upload(case["id"], b"first")
    taken = _checkout(world["spec1"], doc["id"])
    assert taken.status_code == 201, taken.get_json()
    assert taken.get_json()["checkout"]["holder"] == "spec1"
    record = world["spec2"].get(f"/api/v1/documents/{doc['id']}").get_json()
    assert record["checkout"]["holder_name"] == "Тест spec1"
    assert record["checkout"]["since"]

    for api in (world["spec2"], world["head"]):
        refused = api.upload(f"/api/v1/documents/{doc['id']}/versions", b"theirs", base_version="1")
        assert refused.status_code == 423, refused.get_json()
        error = refused.get_json()["error"]
        assert error["code"] == "locked"
        assert re.search(r"у Тест spec1 с \d\d\.\d\d\.\d{4} \d\d:\d\d", error["message"]), error["message"]
        again = _checkout(api, doc["id"])
        assert again.status_code == 423
        restore = api.post(f"/api/v1/documents/{doc['id']}/versions/1/restore", json={"base_version": 1})
        assert restore.status_code == 423
    assert _checkout(world["archivist"], doc["id"]).status_code == 403  # no writer of this case
    assert _checkout(world["admin"], doc["id"]).status_code == 404
    assert len(world["spec1"].get(f"/api/v1/documents/{doc['id']}").get_json()["versions"]) == 1

    checked_in = world["spec1"].upload(f"/api/v1/documents/{doc['id']}/versions", b"edited", base_version="1")
    assert checked_in.status_code == 201  # the holder's version is the check-in
    assert world["spec1"].get(f"/api/v1/documents/{doc['id']}").get_json()["checkout"] is None
    assert db.session.get(DocumentCheckout, doc["id"]) is None
    later = world["spec2"].upload(f"/api/v1/documents/{doc['id']}/versions", b"theirs", base_version="2")
    assert later.status_code == 201


def test_a_form_refill_and_a_paper_scan_are_refused_too(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    _grant_spec2(world, case["id"])
    form = fill(world, case["id"]).get_json()
    assert _checkout(world["spec2"], form["id"]).status_code == 201
    fields = world["spec1"].get(f"/api/v1/documents/{form['id']}/versions/1/fields").get_json()["fields"]
    refill = world["spec1"].post(f"/api/v1/documents/{form['id']}/versions", json={"base_version": 1, "fields": fields})
    assert refill.status_code == 423
    login(client, "spec1")
    forget_request_state()
    token = _csrf(client.get(f"/cases/{case['id']}").get_data(as_text=True))
    forget_request_state()
    scan = client.post(
        f"/documents/{form['id']}/paper",
        data={
            "csrf_token": token,
            "base_version": "1",
            "signer_name": "Иванова А. А.",
            "signer_role": "составил",
            "file": (io.BytesIO(b"%PDF-1.4 scan"), "scan.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert scan.status_code == 302
    forget_request_state()
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Документ на редактировании у Тест spec2" in page  # the flashed refusal
    assert "На редактировании у Тест spec2 с" in page  # the card's line
    assert len(world["spec1"].get(f"/api/v1/documents/{form['id']}").get_json()["versions"]) == 1


def test_the_holder_cancels_and_only_the_head_breaks_with_a_reason(world: World) -> None:
    case = world.open_case()
    _grant_spec2(world, case["id"])
    doc = world.upload(case["id"])
    assert _cancel(world["spec1"], doc["id"]).status_code == 409  # nothing checked out
    assert _checkout(world["spec1"], doc["id"]).status_code == 201
    assert _checkout(world["spec1"], doc["id"]).status_code == 201  # one's own again: the same check-out
    assert _cancel(world["spec1"], doc["id"]).status_code == 204
    assert _checkout(world["spec2"], doc["id"]).status_code == 201

    refused = _cancel(world["spec1"], doc["id"], {"reason": "нужно срочно"})
    assert refused.status_code == 403  # a specialist does not break another's lock
    no_reason = _cancel(world["head"], doc["id"])
    assert no_reason.status_code == 400
    assert no_reason.get_json()["error"]["message"].startswith("reason:")
    assert _cancel(world["head"], doc["id"], {"reason": "   "}).status_code == 400
    assert _cancel(world["head"], doc["id"], {"reason": "x", "force": True}).status_code == 400
    assert db.session.get(DocumentCheckout, doc["id"]) is not None

    broken = _cancel(world["head"], doc["id"], {"reason": "сотрудник в отпуске"})
    assert broken.status_code == 204
    assert db.session.get(DocumentCheckout, doc["id"]) is None
    event = db.session.scalars(db.select(CaseEvent).where(CaseEvent.action == "checkout_broken")).one()
    assert (event.case_id, event.document_id, event.reason) == (case["id"], doc["id"], "сотрудник в отпуске")
    audit = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "case.checkout_broken")).one()
    assert audit.details["document_id"] == doc["id"] and "отпуске" not in str(audit.details)
    assert _checkout(world["spec1"], doc["id"]).status_code == 201


def test_checkout_only_in_open_cases(world: World) -> None:
    case = world.open_case()
    doc = world.upload(case["id"])
    today = dt.date.today().isoformat()
    assert world["archivist"].post(f"/api/v1/cases/{case['id']}/close", json={"closed_on": today}).status_code == 200
    refused = _checkout(world["spec1"], doc["id"])
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "case_closed"


def test_stale_checkouts_on_the_heads_first_screen(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    fresh = world.upload(case["id"], title="Свежий документ")
    old = world.upload(case["id"], title="Забытый документ")
    assert _checkout(world["spec1"], fresh["id"]).status_code == 201
    assert _checkout(world["spec1"], old["id"]).status_code == 201
    checkout = db.session.get(DocumentCheckout, old["id"])
    assert checkout is not None
    checkout.since = utcnow() - dt.timedelta(hours=73)  # CASEFILES_CHECKOUT_STALE_HOURS: 72 by default
    db.session.commit()
    login(client, "head")
    forget_request_state()
    page = client.get("/").get_data(as_text=True)
    section = page[page.index('id="stale-checkouts"') :]
    section = section[: section.index("</div>")]
    assert "Забытый документ" in section and "у Тест spec1" in section
    assert "Свежий документ" not in section
    forget_request_state()


def test_checkout_from_the_case_page(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    doc = world.upload(case["id"], b"first")
    login(client, "spec1")
    forget_request_state()
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Взять на редактирование" in page
    token = _csrf(page)
    forget_request_state()
    taken = client.post(f"/documents/{doc['id']}/checkout", data={"csrf_token": token})
    assert taken.status_code == 302
    assert taken.headers["Location"].endswith(f"#document-{doc['id']}")
    forget_request_state()
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Отменить редактирование" in page and "На редактировании у Тест spec1" in page
    forget_request_state()
    checked_in = client.post(
        f"/documents/{doc['id']}/checkin",
        data={"csrf_token": token, "base_version": "1", "file": (io.BytesIO(b"edited"), "act.txt")},
        content_type="multipart/form-data",
    )
    assert checked_in.status_code == 302
    forget_request_state()
    record = world["spec1"].get(f"/api/v1/documents/{doc['id']}").get_json()
    assert [v["number"] for v in record["versions"]] == [1, 2] and record["checkout"] is None

    assert _checkout(world["spec1"], doc["id"]).status_code == 201
    client.post("/logout", data={"csrf_token": token})
    forget_request_state()
    login(client, "head")
    forget_request_state()
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Снять блокировку" in page
    token = _csrf(page)
    forget_request_state()
    empty = client.post(f"/documents/{doc['id']}/checkout/cancel", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 302
    assert db.session.get(DocumentCheckout, doc["id"]) is not None
    forget_request_state()
    broken = client.post(f"/documents/{doc['id']}/checkout/cancel", data={"csrf_token": token, "reason": "в отпуске"})
    assert broken.status_code == 302
    assert db.session.get(DocumentCheckout, doc["id"]) is None
    forget_request_state()
    history = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "Снята блокировка документа" in history
