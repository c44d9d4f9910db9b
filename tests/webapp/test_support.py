"""The support journal, case profiles, deadlines across cases, and the statistical report on a fixture whose
figures were worked out by hand (see test_report_figures)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PIN, World
from tests.webapp.test_forms import fill
from tests.webapp.test_pages import _csrf, forget_request_state, login
from webapp.audit.models import AuditEvent
from webapp.documents.models import Document
from webapp.extensions import db
from webapp.support.report import SOCIAL_CONTRACT_ACT, parse_period

TODAY = dt.date.today().isoformat()


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    forget_request_state()
    login(client, username)
    forget_request_state()
    return client


def page(client: FlaskClient, path: str) -> str:
    forget_request_state()
    text = client.get(path).get_data(as_text=True)
    forget_request_state()
    return text


def note(world: World, case_id: int, kind: str, on: str, detail: str = "", who: str = "spec1") -> Any:
    body = {"kind": kind, "occurred_on": on, **({"detail": detail} if detail else {})}
    answer = world[who].post(f"/api/v1/cases/{case_id}/journal", json=body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def citizen(world: World, district: str, opened: str, *categories: str) -> int:
    who = "spec1" if district == "u1" else "spec2"
    subject = {"kind": "citizen", "name": "Гражданин", "categories": list(categories)}
    return int(world.open_case(who, district, subject=subject, opened_on=opened)["id"])


def family(world: World, district: str, opened: str, *categories: str) -> int:
    who = "spec1" if district == "u1" else "spec2"
    subject = {"kind": "family", "name": "Семья", "categories": list(categories)}
    return int(world.open_case(who, district, subject=subject, opened_on=opened)["id"])


def test_journal_entries_are_checked_recorded_and_cancelled_not_deleted(world: World) -> None:
    case = citizen(world, "u1", "2026-03-02", "elderly_alone")
    other = world.open_case("spec1", "u1")
    foreign = world.upload(other["id"])["id"]
    bad = {
        "unknown kind": ({"kind": "party", "occurred_on": "2026-04-01"}, "kind"),
        "detail missing": ({"kind": "prevention", "occurred_on": "2026-04-01"}, "detail"),
        "detail not wanted": ({"kind": "contact", "detail": "raid", "occurred_on": "2026-04-01"}, "detail"),
        "future": ({"kind": "contact", "occurred_on": "2999-01-01"}, "future_date"),
        "before the case": ({"kind": "contact", "occurred_on": "2026-03-01"}, "before_case"),
        "another case's document": (
            {"kind": "contact", "occurred_on": "2026-04-01", "document_id": foreign},
            "unknown_document",
        ),
    }
    for name, (body, marker) in bad.items():
        answer = world["spec1"].post(f"/api/v1/cases/{case}/journal", json=body)
        assert answer.status_code == 400, name
        assert marker in str(answer.get_json()), name
    entry = note(world, case, "contact", "2026-04-01")
    assert entry["label"] == "Контакт с гражданином (звонок, приём)"
    assert world["spec2"].post(f"/api/v1/journal/{entry['id']}/cancel", json={"reason": "x"}).status_code == 404
    assert world["archivist"].get(f"/api/v1/cases/{case}/journal").status_code == 403
    cancelled = world["head"].post(f"/api/v1/journal/{entry['id']}/cancel", json={"reason": "не тот гражданин"})
    assert cancelled.get_json()["cancelled"] is True
    again = world["spec1"].post(f"/api/v1/journal/{entry['id']}/cancel", json={"reason": "ещё раз"})
    assert again.status_code == 409
    journal = world["spec1"].get(f"/api/v1/cases/{case}/journal").get_json()
    assert [item["cancel_reason"] for item in journal["items"]] == ["не тот гражданин"]
    reads = db.select(AuditEvent).where(AuditEvent.action == "support.read", AuditEvent.object_id == case)
    assert len(db.session.scalars(reads).all()) == 1  # the journal's notes are content: each read is on record
    april = [
        item
        for item in world["spec1"].get(f"/api/v1/deadlines?case={case}&kind=monthly_contact").get_json()["items"]
        if item["due_on"] == "2026-04-30"
    ]
    assert april[0]["status"] == "overdue" and april[0]["met_by"] is None  # a cancelled contact meets nothing


def test_profile_categories_follow_the_subject_and_the_head_assigns_the_specialist(world: World) -> None:
    case = citizen(world, "u1", "2026-03-02")
    refused = world["spec1"].post(
        "/api/v1/cases",
        json={
            "nomenclature_index": "04-05",
            "year": 2026,
            "title": "Личное дело",
            "district": "u1",
            "subject": {"kind": "citizen", "categories": ["sop"]},  # a family's category
        },
    )
    assert refused.status_code == 400 and "sop" in refused.get_json()["error"]["message"]
    body = {"responsible": "spec1", "categories": ["disabled_1", "elderly_in_family", "disabled_1"]}
    answer = world["spec1"].put(f"/api/v1/cases/{case}/profile", json=body)
    assert answer.get_json()["subject"]["categories"] == ["elderly_in_family", "disabled_1"]
    # Found to be «55+» now: monthly contacts are owed from this month, not from the opening in March.
    contacts = world["spec1"].get(f"/api/v1/deadlines?case={case}&kind=monthly_contact").get_json()["items"]
    assert [item["starts_on"] for item in contacts] == [dt.date.today().replace(day=1).isoformat()]
    assert answer.get_json()["responsible"] == "spec1"
    taking = world["spec1"].put(f"/api/v1/cases/{case}/profile", json={"responsible": None, "categories": []})
    assert taking.status_code == 403  # the head assigns
    assert world["head"].put(f"/api/v1/cases/{case}/profile", json={"responsible": "spec2"}).status_code == 400
    assert (
        world["head"].put(f"/api/v1/cases/{case}/profile", json={"responsible": None}).get_json()["responsible"] is None
    )


def test_deadlines_api_filters_and_stays_within_what_the_caller_reads(world: World) -> None:
    mine = citizen(world, "u1", "2026-03-02")
    theirs = citizen(world, "u2", "2026-03-02")
    note(world, mine, "problem_detected", "2026-03-05")  # due 11 March (9 March is off)
    note(world, mine, "information_collected", "2026-03-11")
    note(world, theirs, "appeal", "2026-05-08", who="spec2")  # due 18 May, never met
    items = world["spec1"].get("/api/v1/deadlines").get_json()["items"]
    assert [(item["case_id"], item["kind"], item["due_on"], item["status"]) for item in items] == [
        (mine, "information", "2026-03-11", "met")
    ]
    assert items[0]["met_by"]["type"] == "journal_entry" and items[0]["responsible"] == "spec1"
    head = world["head"].get("/api/v1/deadlines?status=overdue").get_json()
    assert [(item["case_id"], item["kind"], item["due_on"]) for item in head["items"]] == [
        (theirs, "ippsu_proposals", "2026-05-18")
    ]
    assert world["head"].get("/api/v1/deadlines?specialist=spec1").get_json()["total"] == 1
    assert world["head"].get("/api/v1/deadlines?district=u2&kind=information").get_json()["total"] == 0
    assert world["head"].get("/api/v1/deadlines?due_from=2026-05-01&due_to=2026-05-31").get_json()["total"] == 1
    assert world["archivist"].get("/api/v1/deadlines").get_json()["total"] == 0
    for query in ("status=late", "kind=lunch", "due_to=yesterday", "case=0"):
        answer = world["head"].get(f"/api/v1/deadlines?{query}")
        assert answer.status_code == 400, query


def test_dashboards_and_the_department_view_show_deadlines(app: Flask, world: World) -> None:
    mine = citizen(world, "u1", "2026-03-02")
    theirs = citizen(world, "u2", "2026-03-02")
    note(world, mine, "appeal", "2026-05-08")
    note(world, theirs, "appeal", "2026-05-08", who="spec2")
    note(world, theirs, "problem_detected", "2026-05-08", who="spec2")
    board = page(signed_in(app, "spec1"), "/")
    assert "Просрочено: 1" in board and "Предложения в проект ИППСУ" in board
    head = signed_in(app, "head")
    assert "Просрочено по отделению: <strong>3</strong>" in page(head, "/")
    view = page(head, "/deadlines")
    assert "<td>Тест spec2</td><td><strong>2</strong></td>" in view
    assert "<td>Участок № 1</td><td><strong>1</strong></td>" in view
    case_page = page(head, f"/cases/{theirs}")
    assert "Сбор и анализ информации о проблеме" in case_page and "Журнал сопровождения" in case_page


def test_journal_and_profile_forms_on_the_case_page(app: Flask, world: World) -> None:
    case = citizen(world, "u1", "2026-03-02")
    spec1 = signed_in(app, "spec1")
    token = _csrf(page(spec1, f"/cases/{case}"))
    answer = spec1.post(
        f"/cases/{case}/journal", data={"csrf_token": token, "what": "prevention:raid", "occurred_on": "2026-04-02"}
    )
    assert answer.status_code == 302
    answer = spec1.post(f"/cases/{case}/journal", data={"csrf_token": token, "what": "prevention", "occurred_on": ""})
    assert answer.status_code == 302  # refused with a message, nothing written
    spec1.post(f"/cases/{case}/profile", data={"csrf_token": token, "responsible": "spec1", "categories": "migrant"})
    journal = world["spec1"].get(f"/api/v1/cases/{case}/journal").get_json()["items"]
    assert [(item["kind"], item["detail"]) for item in journal] == [("prevention", "raid")]
    assert world["spec1"].get(f"/api/v1/cases/{case}").get_json()["subject"]["categories"] == ["migrant"]


def hand_worked_quarter(world: World) -> dict[str, int]:
    """Six cases with everything the third quarter of 2026 (1 July – 30 September) counts, and things it must
    not count: an event before the quarter or after it, a cancelled visit, an act of October."""
    a = citizen(world, "u1", "2026-03-02", "elderly_alone", "disabled_2")
    for kind, on, detail in (
        ("home_visit", "2026-07-10", ""),
        ("home_visit", "2026-08-12", ""),
        ("recognized_in_need", "2026-07-15", "support"),
        ("yard_management", "2026-08-01", "cultural"),
        ("yard_management", "2026-09-01", "cultural"),
        ("yard_management", "2026-09-05", "sport"),
        ("support_measure", "2026-07-20", "medical"),
    ):
        note(world, a, kind, on, detail)
    b = citizen(world, "u2", "2026-08-03", "elderly_lonely")
    for kind, on, detail in (
        ("appeal", "2026-08-03", ""),
        ("recognized_in_need", "2026-08-10", "services"),
        ("service_ended", "2026-10-05", "services"),  # after the quarter: still on service on 30 September
        ("prevention", "2026-08-05", "letter"),
    ):
        note(world, b, kind, on, detail, who="spec2")
    c = citizen(world, "u1", "2026-01-15", "minor_at_risk", "disabled_1")
    for kind, on, detail in (
        ("recognized_in_need", "2026-02-01", "support"),
        ("home_visit", "2026-06-30", ""),  # the day before the quarter
        ("support_measure", "2026-07-02", "psychological"),
        ("adaptation_report_sent", "2026-09-30", ""),
    ):
        note(world, c, kind, on, detail)
    d = family(world, "u1", "2026-02-02", "sop")
    assert fill(world, d, act_date="2026-07-07", purpose=SOCIAL_CONTRACT_ACT).status_code == 201
    for kind, on, detail in (
        ("home_visit", "2026-07-07", ""),
        ("prevention", "2026-07-08", "raid"),
        ("prevention", "2026-07-09", "other"),
        ("support_measure", "2026-08-20", "legal"),
        ("support_measure", "2026-08-21", "social"),
        ("recognized_in_need", "2026-03-01", "services"),
        ("service_ended", "2026-09-20", "services"),
    ):
        note(world, d, kind, on, detail)
    cancelled = note(world, d, "home_visit", "2026-07-21")
    world["spec1"].post(f"/api/v1/journal/{cancelled['id']}/cancel", json={"reason": "внесено ошибочно"})
    e = family(world, "u2", "2026-05-05", "with_children", "with_disabled")
    world.upload(e, username="spec2", type="inspection_act", title="Акт (скан)", date="2026-09-10")
    note(world, e, "recognized_in_need", "2026-05-10", "support", who="spec2")
    note(world, e, "service_ended", "2026-09-15", "support", who="spec2")
    f = family(world, "u1", "2026-10-01")
    note(world, f, "appeal", "2026-10-02")
    assert fill(world, f, act_date="2026-10-05").status_code == 201
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f}


# Worked out by hand from hand_worked_quarter (the reasoning per row is in docs/support.md's rules):
EXPECTED = {
    "1": 2, "1.1": 2, "1.2": 0, "1.3": 0, "1.4": 0,  # spec1, spec2
    "2": 2, "2.1": 2, "2.1.1": 1, "2.1.2": 1, "2.1.3": 0,  # A (home visits), B (opened in August); C had none
    "2.2": 1, "2.3": 0, "2.4": 0, "2.5": 0, "2.6": 0,  # A's disability; C is not counted this quarter
    "3": 2, "3.1": 2, "3.2": 1, "3.3": 0, "3.4": 1, "3.5": 0,  # D (act, visit) and E (act); F is October's
    "4": 3,  # A twice, D once; D's cancelled visit and C's of 30 June do not count
    "5": 1, "6": 1,  # D's act under a social contract; E's scanned act
    "7": 2, "7.1": 1,  # A (support), B (services); D's recognition was in March
    "8": 2, "8.1": 1,  # D (services), E (support); B left in October
    "9": 3, "9.1": 2,  # A, B, C on 30 September; in support: A, C
    "10": 1,  # C
    "11": 3, "11.1": 1, "11.2": 1,  # D's raid and other measure, B's letter
    "12": 4, "12.1": 1, "12.2": 1, "12.3": 0, "12.4": 1, "12.5": 1,  # A, C, D, D
    "13": 1, "13.1": 1, "13.2": 0, "13.3": 1, "13.4": 0, "13.5": 0, "13.6": 0, "13.7": 0, "13.8": 0, "13.other": 0,
}  # fmt: skip


def test_report_figures(world: World) -> None:
    cases = hand_worked_quarter(world)
    report = world["head"].get("/api/v1/reports/statistical?period=2026-Q3").get_json()
    assert {item["code"]: item["value"] for item in report["indicators"]} == EXPECTED
    behind = {item["code"]: {c["case_id"]: c["count"] for c in item["cases"]} for item in report["indicators"]}
    assert behind["4"] == {cases["A"]: 2, cases["D"]: 1}
    assert behind["9"] == {cases["A"]: 1, cases["B"]: 1, cases["C"]: 1}
    assert behind["2.2"] == {cases["A"]: 1}
    assert report["notes"] == ["Строка 2.2 по группам инвалидности: I группа — 0, II группа — 1, III группа — 0."]
    october = world["head"].get("/api/v1/reports/statistical?period=2026-10").get_json()
    figures = {item["code"]: item["value"] for item in october["indicators"]}
    assert (figures["3"], figures["6"], figures["8"], figures["9"]) == (1, 1, 1, 2)  # F; F's act; B leaves; A, C
    assert world["spec1"].get("/api/v1/reports/statistical?period=2026-Q3").status_code == 403
    assert world["head"].get("/api/v1/reports/statistical?period=2026-Q5").status_code == 400


def test_a_figure_opens_the_cases_behind_it(app: Flask, world: World) -> None:
    cases = hand_worked_quarter(world)
    head = signed_in(app, "head")
    report = page(head, "/reports/statistical?period=2026-Q3")
    assert 'href="/reports/statistical/4?period=2026-Q3">3</a>' in report
    listed = page(head, "/reports/statistical/4?period=2026-Q3")
    numbers = {case: world["head"].get(f"/api/v1/cases/{case}").get_json()["number"] for case in cases.values()}
    assert numbers[cases["A"]] in listed and numbers[cases["D"]] in listed and numbers[cases["B"]] not in listed
    assert head.get("/reports/statistical/99?period=2026-Q3").status_code == 404


def test_saving_the_report_with_corrections_makes_a_form_document(app: Flask, world: World) -> None:
    cases = hand_worked_quarter(world)
    home = world.open_case("head", "u1", title="Статистические отчёты", subject={"kind": "department"})["id"]
    body: dict[str, Any] = {"period": "2026-Q3", "case_id": home, "institution": "БУ «Центр»"}
    unexplained = world["head"].post("/api/v1/reports/statistical", json={**body, "corrections": {"4": {"value": 5}}})
    assert unexplained.status_code == 400 and unexplained.get_json()["error"]["code"] == "correction_note"
    assert db.session.scalar(db.select(db.func.count(Document.id)).where(Document.case_id == home)) == 0
    corrections = {"4": {"value": 5, "note": "по журналу посещений"}, "1.2": {"value": 1}, "7": {"value": 2}}
    saved = world["head"].post("/api/v1/reports/statistical", json={**body, "corrections": corrections})
    assert saved.status_code == 201, saved.get_json()
    document = world["head"].get(f"/api/v1/documents/{saved.get_json()['document_id']}").get_json()
    assert document["title"] == "Статистический отчёт за III квартал 2026 г."
    assert document["type"] == "statistical_report"
    fields = world["head"].get(f"/api/v1/documents/{document['id']}/versions/1/fields").get_json()["fields"]
    assert (fields["period"], fields["period_year"]) == ("III квартал", 2026)
    assert (fields["indicator_4"], fields["indicator_1_2"], fields["indicator_1"], fields["indicator_7"]) == (
        5,
        1,
        3,
        2,
    )
    assert fields["indicator_13_3"] == EXPECTED["13.3"]
    assert fields["notes"].splitlines() == [
        "Строка 2.2 по группам инвалидности: I группа — 0, II группа — 1, III группа — 0.",
        "Строка 1.2: в системе не ведётся, указано 1.",
        "Строка 4: рассчитано 3, указано 5 — по журналу посещений.",
    ]
    docx = world["head"].get(f"/api/v1/documents/{document['id']}/versions/1/content")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    signed = world["head"].post(
        f"/api/v1/documents/{document['id']}/versions/1/signatures", json={"role": "составил", "pin": PIN}
    )
    assert signed.status_code == 201
    assert cases  # the quarter's cases stay as they were
    report_page = page(signed_in(app, "head"), "/reports/statistical?period=2026-Q3")
    assert "Уже сохранено" in report_page and f"#document-{document['id']}" in report_page
    assert world["spec1"].post("/api/v1/reports/statistical", json=body).status_code == 403


@pytest.mark.parametrize(
    ("raw", "start", "end", "label"),
    [
        ("2026-10", dt.date(2026, 10, 1), dt.date(2026, 10, 31), "октябрь"),
        ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28), "февраль"),
        ("2026-q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "IV квартал"),
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "I–IV кварталы"),
    ],
)
def test_periods(raw: str, start: dt.date, end: dt.date, label: str) -> None:
    period = parse_period(raw)
    assert (period.start, period.end, period.label) == (start, end, label)


def test_a_new_version_of_a_passport_renews_it(world: World) -> None:
    case = family(world, "u1", "2026-02-02", "with_children")
    passport = world.upload(case, type="family_passport", title="Социальный паспорт семьи", date="2026-02-02")
    query = f"/api/v1/deadlines?case={case}&kind=family_passport"
    [first] = world["spec1"].get(query).get_json()["items"]
    assert (first["due_on"], first["status"], first["met_by"]) == ("2026-08-02", "overdue", None)
    answer = world["spec1"].upload(f"/api/v1/documents/{passport['id']}/versions", b"Updated", base_version="1")
    assert answer.status_code == 201, answer.get_json()
    renewed, following = world["spec1"].get(query).get_json()["items"]
    assert (renewed["status"], renewed["met_on"], renewed["met_by"]["id"]) == ("overdue", TODAY, passport["id"])
    assert following["starts_on"] == TODAY and following["status"] == "open"
