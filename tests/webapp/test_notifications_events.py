"""Who is told of what (webapp.notifications.subscribers, wired in webapp.wiring) and the daily deadline check
(webapp.notifications.deadlines): each fact notifies the people it concerns, never the actor, never anyone who may
not see the case; deputies in force are told for their principal; each deadline notice is given once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import PIN, World, overwrite_blob
from tests.webapp.test_case_corrections import patch, revision_of
from tests.webapp.test_fixity_gc import run, store_of, version_key  # noqa: F401  (run: a fixture)
from tests.webapp.test_hearings_api import _commission, _hearing, _item
from webapp.auth.models import Deputy, User
from webapp.auth.services import create_user
from webapp.cases.models import Case
from webapp.extensions import db
from webapp.notifications import deadlines
from webapp.notifications.deadlines import scan_deadlines, scan_deadlines_daily
from webapp.notifications.models import Notification
from webapp.runtime import local_time
from webapp.support.deadlines import DEADLINE_KINDS
from webapp.support.models import SupportEvent

Told = tuple[str, str, str | None]  # (recipient, kind, on behalf of)


def told(kind: str | None = None) -> list[Told]:
    """The notifications made so far, oldest first: who was told, what, and for whom."""
    db.session.rollback()  # read what the requests committed
    query = select(Notification).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    rows = db.session.scalars(query).all()
    return [(_name(n.user_id), n.kind, _name(n.on_behalf_of_id) if n.on_behalf_of_id else None) for n in rows]


def _name(user_id: int) -> str:
    return db.session.get_one(User, user_id).username


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def _submit(world: World, who: str, document_id: int) -> None:
    answer = world[who].post(f"/api/v1/documents/{document_id}/submit", json={})
    assert answer.status_code == 200, answer.get_json()


# --- documents ---------------------------------------------------------------------------------------------------


def test_a_submitted_document_tells_the_head_and_the_decision_tells_its_author(world: World) -> None:
    case = world.open_case("spec1", "u1")
    document = world.upload(case["id"], b"Inspection act")
    _submit(world, "spec1", document["id"])
    assert told("document_submitted") == [("head", "document_submitted", None)]
    notice = db.session.scalars(select(Notification).where(Notification.kind == "document_submitted")).one()
    assert (notice.case_id, notice.document_id, notice.actor_id) == (case["id"], document["id"], _user("spec1").id)

    returned = world["head"].post(f"/api/v1/documents/{document['id']}/return", json={"comment": "Дополнить акт"})
    assert returned.status_code == 200
    assert told("document_returned") == [("spec1", "document_returned", None)]

    _submit(world, "spec1", document["id"])
    approved = world["head"].post(f"/api/v1/documents/{document['id']}/approve", json={"version": 1})
    assert approved.status_code == 200
    assert told("document_approved") == [("spec1", "document_approved", None)]
    assert told("document_submitted") == [("head", "document_submitted", None)] * 2
    # Nobody is told of their own act: the head of no decision, spec1 of no submission.
    assert all(not (who == "head" and kind != "document_submitted") for who, kind, _ in told())


def test_the_head_preparing_a_document_is_not_told_of_their_own_submission(world: World) -> None:
    case = world.open_case("spec1", "u1")
    document = world.upload(case["id"], b"Conclusion", username="head")
    _submit(world, "head", document["id"])
    assert told("document_submitted") == []  # the head is the only one who approves


def test_a_case_moved_away_from_its_author_does_not_tell_them_and_the_submitter_is_told(world: World) -> None:
    # spec2 writes and submits an act in a case of u2; the family moves to u1, spec1 takes the case over.
    case = world.open_case("spec2", "u2")
    document = world.upload(case["id"], b"Act of the moved family", username="spec2")
    _submit(world, "spec2", document["id"])
    body = {"district": "u1", "responsible": "spec1", "reason": "семья переехала"}
    assert patch(world, "head", case["id"], body, revision_of(world, case["id"])).status_code == 200
    assert told("case_assigned") == [("spec1", "case_assigned", None)]  # the new responsible specialist

    returned = world["head"].post(f"/api/v1/documents/{document['id']}/return", json={"comment": "Обновить акт"})
    assert returned.status_code == 200
    assert told("document_returned") == []  # its author spec2 no longer sees the case
    _submit(world, "spec1", document["id"])
    approved = world["head"].post(f"/api/v1/documents/{document['id']}/approve", json={"version": 1})
    assert approved.status_code == 200
    assert told("document_approved") == [("spec1", "document_approved", None)]  # the submitter, not spec2
    assert [row for row in told() if row[0] == "spec2"] == []


def test_a_signature_tells_the_author_when_someone_else_signed(world: World) -> None:
    case = world.open_case("spec1", "u1")
    document = world.upload(case["id"], b"Agreement")
    url = f"/api/v1/documents/{document['id']}/versions/1/signatures"
    assert world["spec1"].post(url, json={"role": "составил", "pin": PIN}).status_code == 201
    assert told("version_signed") == []  # the author signed it themselves
    other = world.upload(case["id"], b"Second agreement")
    url = f"/api/v1/documents/{other['id']}/versions/1/signatures"
    assert world["head"].post(url, json={"role": "составил", "pin": PIN}).status_code == 201
    assert told("version_signed") == [("spec1", "version_signed", None)]
    notice = db.session.scalars(select(Notification).where(Notification.kind == "version_signed")).one()
    assert (notice.document_id, notice.case_id, notice.actor_id) == (other["id"], case["id"], _user("head").id)


# --- cases ---------------------------------------------------------------------------------------------------------


def test_a_case_opened_assigned_or_granted_to_someone_tells_them(world: World) -> None:
    own = world.open_case("spec1", "u1")  # spec1 opened it and is its responsible: nobody to tell
    assert told() == []
    opened = world.open_case("head", "u1", responsible="spec1")
    assert told("case_assigned") == [("spec1", "case_assigned", None)]

    create_user("spec3", role="specialist", password="correct-horse-43", full_name="Тест spec3", district_codes=["u1"])
    db.session.commit()
    profile = world["head"].put(f"/api/v1/cases/{own['id']}/profile", json={"responsible": "spec3", "categories": []})
    assert profile.status_code == 200, profile.get_json()
    granted = world["head"].post(
        f"/api/v1/cases/{opened['id']}/grants", json={"username": "spec2", "reason": "семейный психолог"}
    )
    assert granted.status_code == 201, granted.get_json()
    assert told("case_assigned") == [
        ("spec1", "case_assigned", None),
        ("spec3", "case_assigned", None),
        ("spec2", "case_assigned", None),
    ]
    cases = db.session.scalars(select(Notification.case_id).order_by(Notification.id)).all()
    assert cases == [opened["id"], own["id"], opened["id"]]


# --- hearings and storage ------------------------------------------------------------------------------------------


def test_an_agenda_sent_tells_the_commissions_internal_members(world: World) -> None:
    case = world.open_case("spec1", "u1")
    world.upload(case["id"], b"Act for the council")
    external = {"name": "Внешний член", "position": "инспектор", "organization": "ОМВД"}
    commission = _commission(world, {"username": "head", "role": "chair"}, {"username": "spec2"}, external)
    hearing = _hearing(world, commission["id"])
    assert _item(world, hearing["id"], case["id"]).status_code == 201
    assert world["head"].post(f"/api/v1/hearings/{hearing['id']}/send-agenda", json={}).status_code == 200
    assert told("agenda_sent") == [("spec2", "agenda_sent", None)]  # the head sent it; the external has no account
    notice = db.session.scalars(select(Notification).where(Notification.kind == "agenda_sent")).one()
    starts_at = dt.datetime.fromisoformat(hearing["starts_at"])
    assert notice.hearing_id == hearing["id"] and notice.case_id is None
    assert notice.params == {"number": hearing["number"] or "б/н", "date": local_time(starts_at).strftime("%d.%m.%Y")}


def test_a_fixity_failure_tells_the_administrators_how_many(app: Flask, world: World, run: Any) -> None:  # noqa: F811
    case = world.open_case("spec1", "u1")
    first = world.upload(case["id"], b"first act")
    world.upload(case["id"], b"second act")
    assert run("fixity").exit_code == 0
    assert told("integrity_failed") == []
    overwrite_blob(store_of(app), version_key(app, first["id"]), b"first act, edited behind our back")
    run("fixity")
    assert told("integrity_failed") == [("admin", "integrity_failed", None)]
    notice = db.session.scalars(select(Notification).where(Notification.kind == "integrity_failed")).one()
    assert (notice.params, notice.case_id, notice.actor_id) == ({"count": 1}, None, None)


# --- deputies ------------------------------------------------------------------------------------------------------


def _deputy(principal: str, deputy: str, starts_on: dt.date, ends_on: dt.date) -> None:
    head = _user("head")
    db.session.add(
        Deputy(
            principal_id=_user(principal).id,
            deputy_id=_user(deputy).id,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by_id=head.id,
        )
    )
    db.session.commit()


def test_a_deputy_in_force_is_told_for_their_principal(world: World) -> None:
    today = dt.date.today()
    create_user("spec1b", role="specialist", password="correct-horse-44", full_name="Тест 1b", district_codes=["u1"])
    db.session.commit()
    _deputy("spec1", "spec1b", today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    _deputy("head", "archivist", today - dt.timedelta(days=10), today - dt.timedelta(days=1))  # ended yesterday
    case = world.open_case("spec1", "u1")
    document = world.upload(case["id"], b"Passport")
    _submit(world, "spec1", document["id"])
    assert told("document_submitted") == [("head", "document_submitted", None)]  # the archivist's time is over
    world["head"].post(f"/api/v1/documents/{document['id']}/return", json={"comment": "Дополнить паспорт"})
    assert told("document_returned") == [
        ("spec1", "document_returned", None),
        ("spec1b", "document_returned", "spec1"),
    ]


# --- the daily deadline check --------------------------------------------------------------------------------------

# «Сбор и анализ информации» is due 3 working days after the problem is detected: Monday 6 April 2026 -> Thursday 9.
DETECTED, DUE = "2026-04-06", "09.04.2026"


def _case_with_problem(world: World, on: str = DETECTED) -> dict[str, Any]:
    case = world.open_case("spec1", "u1", opened_on="2026-03-02")
    answer = world["spec1"].post(
        f"/api/v1/cases/{case['id']}/journal", json={"kind": "problem_detected", "occurred_on": on}
    )
    assert answer.status_code == 201, answer.get_json()
    return case


def _scan(day: str) -> int:
    made = scan_deadlines(dt.date.fromisoformat(day))
    db.session.commit()
    return made


def test_a_deadline_is_announced_due_then_overdue_then_to_the_head(world: World) -> None:
    case = _case_with_problem(world)
    assert _scan("2026-04-06") == 0  # due Thursday: more than 2 working days ahead
    assert _scan("2026-04-07") == 1  # Tuesday: Thursday is within 2 working days
    assert told() == [("spec1", "deadline_due", None)]
    notice = db.session.scalars(select(Notification)).one()
    label = DEADLINE_KINDS["information"]
    assert (notice.case_id, notice.params) == (case["id"], {"deadline": label, "due": DUE})
    assert notice.dedup_key == f"deadline:{case['id']}:information:2026-04-09:due"
    assert _scan("2026-04-08") == 0 and _scan("2026-04-09") == 0  # told once

    assert _scan("2026-04-10") == 1  # Friday: missed
    assert told()[1:] == [("spec1", "deadline_overdue", None)]
    # Overdue by 3 working days on Tuesday 14 April: not more than 3 yet; on Wednesday the head is told too.
    assert _scan("2026-04-14") == 0
    assert _scan("2026-04-15") == 1
    assert told()[2:] == [("head", "deadline_overdue", None)]
    assert _scan("2026-04-16") == 0

    # Once met, nothing more is said of it.
    note = {"kind": "information_collected", "occurred_on": "2026-04-16"}
    assert world["spec1"].post(f"/api/v1/cases/{case['id']}/journal", json=note).status_code == 201
    assert _scan("2026-04-20") == 0


def test_the_deadline_check_respects_the_notice_periods_and_skips_closed_cases(world: World, app: Flask) -> None:
    settings = app.config["CASEFILES"]
    app.config["CASEFILES"] = dataclasses.replace(settings, notify_due_days=0, escalate_after_days=0)
    try:
        _case_with_problem(world)
        assert _scan("2026-04-08") == 0  # due tomorrow, announced on the day only
        assert _scan("2026-04-09") == 1
        assert _scan("2026-04-10") == 2  # overdue, and at once to the head
    finally:
        app.config["CASEFILES"] = settings
    assert [kind for _, kind, _ in told()] == ["deadline_due", "deadline_overdue", "deadline_overdue"]


def test_a_deadline_of_a_case_with_no_responsible_reaches_only_the_head(world: World) -> None:
    case = _case_with_problem(world)
    moved = patch(world, "head", case["id"], {"district": "u2", "reason": "переезд"}, revision_of(world, case["id"]))
    assert moved.status_code == 200 and moved.get_json()["responsible"] is None
    assert _scan("2026-04-07") == 0  # spec1 no longer works the case; it has no responsible
    assert _scan("2026-04-15") == 1  # only the head hears of it, once it is long overdue
    assert told() == [("head", "deadline_overdue", None)]


def test_the_daily_chore_checks_once_per_institution_day(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    day = dt.date(2026, 4, 7)
    monkeypatch.setattr(deadlines, "local_today", lambda: day)
    _case_with_problem(world)
    assert scan_deadlines_daily() == 1
    db.session.commit()
    _case_with_problem(world, on="2026-04-07")  # another case's problem, due Friday 10 April
    assert scan_deadlines_daily() == 0  # already checked today
    day = dt.date(2026, 4, 8)
    assert scan_deadlines_daily() == 1
    db.session.commit()
    assert told() == [("spec1", "deadline_due", None)] * 2


def test_the_deadline_check_is_one_pass_over_hundreds_of_cases(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _case_with_problem(world)
    template = db.session.get_one(Case, first["id"])
    # Hundreds of open cases, each with the same problem recorded (rows copied: the API would take minutes).
    entry = db.session.scalars(select(SupportEvent).where(SupportEvent.case_id == template.id)).one()
    for sequence in range(2, 401):
        copy = Case(
            entry_id=template.entry_id,
            year=template.year,
            sequence=sequence + 100,
            number=f"{template.number}-{sequence}",
            title=template.title,
            district_id=template.district_id,
            subject={},
            status="open",
            opened_on=template.opened_on,
            created_by_id=template.created_by_id,
            responsible_id=template.responsible_id,
        )
        db.session.add(copy)
        db.session.flush()
        db.session.add(
            SupportEvent(
                case_id=copy.id,
                kind=entry.kind,
                detail=entry.detail,
                occurred_on=entry.occurred_on,
                note="",
                recorded_by_id=entry.recorded_by_id,
            )
        )
    db.session.commit()
    started = time.perf_counter()
    assert _scan("2026-04-07") == 400
    first_run = time.perf_counter() - started
    started = time.perf_counter()
    assert _scan("2026-04-08") == 0
    again = time.perf_counter() - started
    with capsys.disabled():
        print(f"\ndeadline check, 400 open cases: {first_run:.2f} s announcing each, {again:.2f} s with all told")
