"""Deputies (issue 27): naming one for a period, the checks, revoking; during the period the deputy approves,
returns and signs «утверждаю» for the head under their own name, recorded as acting for the head (transition,
signature, audit event, signature sheet, history), reading only the cases where the head's approvals wait."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import PASSWORD, PIN, World
from tests.webapp.test_pages import _csrf, forget_request_state
from tests.webapp.test_signatures import _pdf
from webapp.audit.models import AuditEvent
from webapp.auth.models import Deputy, User
from webapp.documents.models import DocumentTransition
from webapp.extensions import db
from webapp.runtime import local_today
from webapp.signing.models import Signature

DAY = dt.timedelta(days=1)


def _name(world: World, by: str, deputy: str, starts_on: dt.date, ends_on: dt.date, **extra: Any) -> Any:
    body = {"deputy": deputy, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), **extra}
    return world[by].post("/api/v1/deputies", json=body)


def _named(world: World, deputy: str = "spec2", starts_in: int = 0, days: int = 7) -> dict[str, Any]:
    """The head names `deputy` from today + starts_in for `days` days."""
    start = local_today() + starts_in * DAY
    response = _name(world, "head", deputy, start, start + (days - 1) * DAY)
    assert response.status_code == 201, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def _submitted(world: World, case_id: int | None = None) -> dict[str, Any]:
    """A document of spec1's district u1 (which spec2, the deputy, does not work), on approval."""
    case_id = case_id or world.open_case()["id"]
    document: dict[str, Any] = world.upload(case_id, _pdf("Inspection act"), filename="act.pdf", type="other")
    assert world["spec1"].post(f"/api/v1/documents/{document['id']}/submit").status_code == 200
    return document


def _approve(world: World, username: str, document_id: int) -> Any:
    return world[username].post(f"/api/v1/documents/{document_id}/approve", json={"version": 1})


def _sign_approval(world: World, username: str, document_id: int) -> Any:
    return world[username].post(
        f"/api/v1/documents/{document_id}/versions/1/signatures", json={"role": "утверждаю", "pin": PIN}
    )


def _user_id(username: str) -> int:
    user_id = db.session.scalar(select(User.id).where(User.username == username))
    assert user_id is not None
    return user_id


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


# --- naming, listing, revoking ----------------------------------------------------------------------------------


def test_the_head_names_anyones_deputy_and_each_sees_their_own(world: World) -> None:
    today = local_today()
    mine = _name(world, "spec1", "spec2", today, today + 3 * DAY)
    assert mine.status_code == 201, mine.get_json()
    assert mine.get_json()["principal"]["username"] == "spec1" and mine.get_json()["in_force"] is True
    heads = _name(world, "head", "archivist", today + DAY, today + 2 * DAY, principal="head")
    assert heads.status_code == 201 and heads.get_json()["in_force"] is False  # from tomorrow
    for_other = _name(world, "head", "head", today, today, principal="spec2")
    assert for_other.status_code == 201 and for_other.get_json()["principal"]["username"] == "spec2"

    def listed(username: str) -> list[tuple[str, str]]:
        items = world[username].get("/api/v1/deputies").get_json()["items"]
        return sorted((item["principal"]["username"], item["deputy"]["username"]) for item in items)

    everyone = [("head", "archivist"), ("spec1", "spec2"), ("spec2", "head")]
    assert listed("head") == everyone
    assert listed("spec1") == [("spec1", "spec2")]
    assert listed("spec2") == [("spec1", "spec2"), ("spec2", "head")]  # as deputy and as principal
    assert listed("archivist") == [("head", "archivist")]
    assert listed("admin") == []

    created = _events("deputy.create")
    assert [event.object_id for event in created] == [_user_id("spec1"), _user_id("head"), _user_id("spec2")]
    assert created[0].details == {
        "deputy": mine.get_json()["id"],
        "deputy_user": _user_id("spec2"),
        "starts_on": today.isoformat(),
        "ends_on": (today + 3 * DAY).isoformat(),
    }


def test_only_the_head_names_a_deputy_for_someone_else(world: World) -> None:
    today = local_today()
    refused = _name(world, "spec1", "archivist", today, today, principal="spec2")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == "Заместителя другому сотруднику назначает заведующий отделением"
    assert db.session.scalar(select(Deputy.id)) is None


def test_a_deputy_is_checked(world: World) -> None:
    today = local_today()
    inactive = db.session.scalar(select(User).where(User.username == "archivist"))
    assert inactive is not None
    inactive.is_active = False
    db.session.commit()
    cases = {
        "self_deputy": _name(world, "spec1", "spec1", today, today),
        "inactive_deputy": _name(world, "spec1", "archivist", today, today),
        "invalid_deputy": _name(world, "spec1", "admin", today, today),  # never reads case content
        "invalid_period": _name(world, "spec1", "spec2", today + DAY, today),
        "past_period": _name(world, "spec1", "spec2", today - 3 * DAY, today - DAY),
        "period_too_long": _name(world, "spec1", "spec2", today, today + 400 * DAY),
        "unknown_user": _name(world, "spec1", "nobody", today, today),
        "invalid": world["spec1"].post(
            "/api/v1/deputies", json={"deputy": "spec2", "starts_on": "07.12.2026", "ends_on": today.isoformat()}
        ),
    }
    for code, response in cases.items():
        assert response.status_code == 400, (code, response.get_json())
        assert response.get_json()["error"]["code"] == code, (code, response.get_json())
    assert db.session.scalar(select(Deputy.id)) is None


def test_periods_of_one_principal_do_not_overlap(world: World) -> None:
    today = local_today()
    assert _name(world, "spec1", "spec2", today, today + 5 * DAY).status_code == 201
    overlap = _name(world, "spec1", "head", today + 5 * DAY, today + 9 * DAY)
    assert overlap.status_code == 409 and overlap.get_json()["error"]["code"] == "deputy_overlap"
    assert _name(world, "spec1", "head", today + 6 * DAY, today + 9 * DAY).status_code == 201  # the day after
    assert _name(world, "spec2", "spec1", today, today + 5 * DAY).status_code == 201  # another principal


def test_revoking(world: World) -> None:
    named = _named(world, "spec2")
    path = f"/api/v1/deputies/{named['id']}/revoke"
    assert world["spec1"].post(path).status_code == 404  # neither party: not theirs to know of
    assert world["spec2"].post(path).status_code == 403  # the deputy does not end it
    revoked = world["head"].post(path)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"] is not None
    assert revoked.get_json()["in_force"] is False
    again = world["head"].post(path)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "deputy_revoked"
    assert world["head"].get("/api/v1/deputies").get_json()["items"] == []
    assert [item["id"] for item in world["head"].get("/api/v1/deputies?past=1").get_json()["items"]] == [named["id"]]
    assert [event.details["deputy"] for event in _events("deputy.revoke")] == [named["id"]]
    # Freed, the period can be given to someone else.
    assert _name(world, "head", "archivist", local_today(), local_today()).status_code == 201

    ended = _named(world, "spec1", starts_in=10)
    row = db.session.get(Deputy, ended["id"])
    assert row is not None
    row.starts_on, row.ends_on = local_today() - 5 * DAY, local_today() - DAY
    db.session.commit()
    late = world["head"].post(f"/api/v1/deputies/{ended['id']}/revoke")
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "deputy_ended"


# --- acting for the head ------------------------------------------------------------------------------------------


def test_the_deputy_approves_and_signs_for_the_head_only_during_the_period(world: World) -> None:
    document = _submitted(world)
    doc_id = document["id"]
    # Before any deputyship, spec2 (district u2) neither sees this u1 document nor may approve.
    assert _approve(world, "spec2", doc_id).status_code == 404
    upcoming = _named(world, "spec2", starts_in=1)
    assert _approve(world, "spec2", doc_id).status_code == 404  # from tomorrow: not yet
    assert world["spec2"].get("/api/v1/approvals").get_json()["total"] == 0
    row = db.session.get(Deputy, upcoming["id"])
    assert row is not None
    row.starts_on = local_today()  # the period has come
    db.session.commit()

    queue = world["spec2"].get("/api/v1/approvals").get_json()
    assert [item["id"] for item in queue["items"]] == [doc_id]
    assert world["spec2"].get(f"/api/v1/documents/{doc_id}/versions/1/content").data.startswith(b"%PDF")
    approved = _approve(world, "spec2", doc_id)
    assert approved.status_code == 200, approved.get_json()
    signed = _sign_approval(world, "spec2", doc_id)
    assert signed.status_code == 201, signed.get_json()
    assert signed.get_json()["signer_username"] == "spec2" and signed.get_json()["acting_for"] == "head"

    head_id, deputy_id = _user_id("head"), _user_id("spec2")
    step = db.session.scalar(select(DocumentTransition).where(DocumentTransition.action == "approve"))
    assert step is not None and (step.actor_id, step.acting_for_id) == (deputy_id, head_id)
    submit = db.session.scalar(select(DocumentTransition).where(DocumentTransition.action == "submit"))
    assert submit is not None and submit.acting_for_id is None
    signature = db.session.scalar(select(Signature))
    assert signature is not None and (signature.signer_id, signature.acting_for_id) == (deputy_id, head_id)
    [approve_event] = _events("document.approve")
    assert approve_event.actor_id == deputy_id and approve_event.details["acting_for"] == head_id
    [sign_event] = _events("signature.create")
    assert sign_event.details == {"version": 1, "signature": signature.id, "acting_for": head_id}

    steps = world["spec1"].get(f"/api/v1/documents/{doc_id}/workflow").get_json()["items"]
    assert [(s["action"], s["actor"], s["acting_for"]) for s in steps] == [
        ("submit", "spec1", None),
        ("approve", "spec2", "head"),
    ]
    sheet = _sheet(world, "spec1", doc_id)
    assert "Тест spec2, специалист, и. о. заведующего отделением (Тест head)" in sheet
    assert "утверждаю" in sheet

    # Done with the head's acts, the deputy no longer reaches the case; ended, the deputyship gives nothing.
    assert world["spec2"].get(f"/api/v1/documents/{doc_id}").status_code == 404
    second = _submitted(world)
    returned = world["spec2"].post(f"/api/v1/documents/{second['id']}/return", json={"comment": "Нет подписи"})
    assert returned.status_code == 200, returned.get_json()
    assert _events("document.return")[0].details["acting_for"] == head_id
    third = _submitted(world)
    row.ends_on = local_today() - DAY
    row.starts_on = local_today() - 3 * DAY
    db.session.commit()
    assert _approve(world, "spec2", third["id"]).status_code == 404
    assert world["spec2"].get("/api/v1/approvals").get_json()["total"] == 0


def test_a_revoked_deputy_acts_no_more_and_the_head_signs_as_themselves(world: World) -> None:
    document = _submitted(world)
    named = _named(world, "spec2")
    assert world["head"].post(f"/api/v1/deputies/{named['id']}/revoke").status_code == 200
    assert _approve(world, "spec2", document["id"]).status_code == 404
    assert _approve(world, "head", document["id"]).status_code == 200
    assert _sign_approval(world, "head", document["id"]).get_json()["acting_for"] is None
    step = db.session.scalar(select(DocumentTransition).where(DocumentTransition.action == "approve"))
    assert step is not None and step.acting_for_id is None
    assert "acting_for" not in _events("document.approve")[0].details
    assert "и. о." not in _sheet(world, "spec1", document["id"])


def test_the_deputy_takes_approvals_only(world: World) -> None:
    """Annulling, the rest of the case and other cases stay the head's; a specialist's own documents in their own
    district are approved in the head's name too (the deputy stands in for the head, not for their own role)."""
    case = world.open_case()
    waiting = _submitted(world, case["id"])
    draft = world.upload(case["id"], b"Draft", type="other")
    other_case = world.open_case(title="Другое дело")
    _named(world, "spec2")
    # The case with the head's act waiting is read whole (its draft too); a case without one is not seen.
    assert world["spec2"].get(f"/api/v1/documents/{draft['id']}/versions/1/content").status_code == 200
    assert world["spec2"].get(f"/api/v1/cases/{other_case['id']}").status_code == 404
    # Reading is not writing: no new documents in the head's cases, and no annulling.
    upload = world["spec2"].upload(f"/api/v1/cases/{case['id']}/documents", b"More", type="other")
    assert upload.status_code == 403
    annul = world["spec2"].post(f"/api/v1/documents/{waiting['id']}/annul", json={"comment": "Ошибка"})
    assert annul.status_code == 403
    # The specialist's own signing roles are unchanged: «составил» needs their own access to write.
    compiled = world["spec2"].post(
        f"/api/v1/documents/{waiting['id']}/versions/1/signatures", json={"role": "составил", "pin": PIN}
    )
    assert compiled.status_code == 403
    # Signing «утверждаю» before approval is refused like the head's would be.
    early = _sign_approval(world, "spec2", waiting["id"])
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_approved"


def test_a_deputy_of_someone_who_does_not_approve_gains_nothing(world: World) -> None:
    document = _submitted(world)
    today = local_today()
    assert _name(world, "archivist", "spec2", today, today).status_code == 201  # the archivist approves nothing
    assert _approve(world, "spec2", document["id"]).status_code == 404
    assert world["spec2"].get("/api/v1/approvals").get_json()["total"] == 0


# --- pages --------------------------------------------------------------------------------------------------------


def _login(client: FlaskClient, username: str) -> None:
    forget_request_state()
    client.get("/logout")
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page.get_data(as_text=True))}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_the_pages_name_a_deputy_and_show_the_acting_head(app: Flask, world: World, client: FlaskClient) -> None:
    document = _submitted(world)
    _login(client, "head")
    page = client.get("/account/deputies")
    assert page.status_code == 200 and "Назначить заместителя" in page.get_data(as_text=True)
    today = local_today().isoformat()
    form = {"principal": "head", "deputy": "spec2", "starts_on": today, "ends_on": today}
    named = client.post("/account/deputies", data={**form, "csrf_token": _csrf(page.get_data(as_text=True))})
    assert named.status_code == 302
    listed = client.get("/account/deputies").get_data(as_text=True)
    assert "Заместитель назначен" in listed and "Тест spec2" in listed and "действует" in listed

    _login(client, "spec2")
    mine = client.get("/account/deputies").get_data(as_text=True)
    assert "Сегодня вы исполняете обязанности" in mine and "Тест head" in mine
    case_page = client.get(f"/cases/{document['case_id']}")
    assert case_page.status_code == 200 and "Утвердить версию 1" in case_page.get_data(as_text=True)
    decided = client.post(
        f"/documents/{document['id']}/workflow",
        data={
            "action": "approve",
            "version": "1",
            "sign": "1",
            "pin": PIN,
            "csrf_token": _csrf(case_page.get_data(as_text=True)),
        },
    )
    assert decided.status_code == 302

    _login(client, "spec1")
    history = client.get(f"/cases/{document['case_id']}").get_data(as_text=True)
    assert "Тест spec2 (за Тест head)" in history  # the workflow's history
    assert "Тест spec2 (и. о. за Тест head)" in history  # the signature
    _login(client, "head")
    audit = client.get("/audit?action=document.approve").get_data(as_text=True)
    assert "Тест spec2 (за Тест head)" in audit


def _sheet(world: World, username: str, document_id: int) -> str:
    copy = world[username].get(f"/api/v1/documents/{document_id}/versions/1/pdf")
    assert copy.status_code == 200, copy.get_json()
    last = PdfReader(io.BytesIO(copy.data)).pages[-1].extract_text()
    return re.sub(r"\s+", " ", last)


def test_the_deputy_is_told_what_waits_for_the_head(world: World) -> None:
    """notify() tells deputies in force, but never of a case they may not see: the reach lets the deputy see the
    case the head's approval waits in, so the notice reaches them."""
    named = _named(world, "spec2")
    first = _submitted(world)
    items = world["spec2"].get("/api/v1/notifications").get_json()["items"]
    assert [(item["kind"], item["document_id"], item["on_behalf_of"]["username"]) for item in items] == [
        ("document_submitted", first["id"], "head")
    ]
    assert world["head"].post(f"/api/v1/deputies/{named['id']}/revoke").status_code == 200
    _submitted(world)
    assert world["spec2"].get("/api/v1/notifications").get_json()["total"] == 1  # revoked: nothing more


def test_whom_one_stands_in_for_is_read_again_after_a_commit(world: World) -> None:
    """The memo that spares a case page a query per document lasts one transaction."""
    from webapp.auth.deputies import principals_in_force

    today = local_today()
    assert principals_in_force(_user_id("spec2"), today) == []
    _named(world, "spec2")  # another request's transaction
    db.session.commit()
    assert [user.username for user in principals_in_force(_user_id("spec2"), today)] == ["head"]


def test_the_page_offers_approvals_only_when_standing_in_for_the_head(
    app: Flask, world: World, client: FlaskClient
) -> None:
    today = local_today()
    assert _name(world, "spec1", "spec2", today, today).status_code == 201
    _login(client, "spec2")
    page = client.get("/account/deputies").get_data(as_text=True)
    assert "Сегодня вы исполняете обязанности" in page and "Тест spec1" in page
    assert "Вы получаете их уведомления" in page and "Документы на утверждении" not in page
    assert _name(world, "head", "spec2", today, today).status_code == 201
    page = client.get("/account/deputies").get_data(as_text=True)
    assert "Тест head" in page and "Документы на утверждении" in page


def test_the_deputy_finds_the_heads_queue_on_the_first_screen_and_the_approvals_page(
    app: Flask, world: World, client: FlaskClient
) -> None:
    document = _submitted(world)  # in spec1's district, which spec2 does not work
    _login(client, "spec2")
    assert "deputy-approvals" not in client.get("/").get_data(as_text=True)
    assert "На утверждении</a>" not in client.get("/").get_data(as_text=True)
    assert [item["id"] for item in world["spec2"].get("/api/v1/approvals").get_json()["items"]] == []

    _named(world, "spec2")
    first = client.get("/").get_data(as_text=True)
    assert 'id="deputy-approvals"' in first and f"document-{document['id']}" in first
    assert "На утверждении</a>" in first
    listed = client.get("/approvals").get_data(as_text=True)
    assert f"document-{document['id']}" in listed
    assert [item["id"] for item in world["spec2"].get("/api/v1/approvals").get_json()["items"]] == [document["id"]]
