"""What of a case each viewer is shown (webapp/cases/serializers.py): the archivist sees every case's metadata and
nothing of its content, in the API and on the case page alike; the head sees all of it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask.testing import FlaskClient
from fpdf import FPDF

from tests.conftest import PIN, World
from tests.webapp.test_forms import fill
from tests.webapp.test_pages import _csrf, login

NAME = "Пахомов Игорь Семёнович"
ADDRESS = "ул. Заречная, д. 7, кв. 12"
NOTE = "освобождён из мест лишения свободы, паспорт отсутствует"
UPLOAD_COMMENT = "скан передала соседка Клавдия Петровна"
PAPER_SIGNER = "Пахомова Анна Игоревна"
PAPER_ROLE = "дочь получателя услуг"
SUBMIT_COMMENT = "проверьте, пожалуйста, адрес регистрации"
RETURN_COMMENT = "уточнить сведения о судимости"
GRANT_REASON = "психолог Смирнова ведёт консультации"
CONTENT = [NAME, ADDRESS, NOTE, UPLOAD_COMMENT, PAPER_SIGNER, PAPER_ROLE, SUBMIT_COMMENT, RETURN_COMMENT, GRANT_REASON]

CASE_KEYS = {
    "id", "number", "nomenclature_index", "nomenclature_title", "year", "title", "district", "responsible", "status",
    "opened_on", "closed_on", "retention_until", "permanent", "legal_hold", "legal_hold_since", "epk",
    "expert_review_on", "inventory_id", "transferred_on", "destruction_act_id", "destroyed_on", "content_access",
    "revision", "former_numbers",
}  # fmt: skip
DOCUMENT_KEYS = {"id", "case_id", "title", "type", "date", "status", "revision", "checkout", "versions"}
VERSION_KEYS = {
    "number", "sha256", "size", "media_type", "created_at", "author", "author_name", "template", "status",
    "signatures", "signed_on_paper",
}  # fmt: skip
SIGNATURE_KEYS = {
    "id", "origin", "document_id", "version", "signer", "signer_username", "acting_for", "role", "signed_at",
    "timestamped_at", "algorithm", "certificate_sha256", "certificate_serial",
}  # fmt: skip
STEP_KEYS = {
    "version",
    "action",
    "from_status",
    "to_status",
    "actor",
    "actor_name",
    "acting_for",
    "acting_for_name",
    "at",
}
GRANT_KEYS = {"id", "case_id", "username", "full_name", "role", "granted_by", "granted_at", "expires_at", "hearing_id"}
# The page of a case's documents its answer holds (GET /api/v1/cases/{id}: documents_page, documents_per_page).
DOCUMENTS_PAGE = {"documents_page": 1, "documents_per_page": 50, "documents_total": None}


def _scene(world: World) -> dict[str, Any]:
    """A citizen's case with all kinds of content: whom it is about, a comment, a scan signed on paper, a form
    signed electronically and returned with a comment, and a grant with its reason."""
    subject = {"kind": "citizen", "name": NAME, "address": ADDRESS, "note": NOTE, "categories": ["hardship"]}
    case = world.open_case(title="Личное дело получателя услуг", subject=subject)
    signers = json.dumps([{"name": PAPER_SIGNER, "role": PAPER_ROLE}])
    scan = world.upload(
        case["id"], _pdf(), filename="scan.pdf", type="scan", comment=UPLOAD_COMMENT, paper_signers=signers
    )
    form = fill(world, case["id"]).get_json()
    signed = world["spec1"].post(
        f"/api/v1/documents/{form['id']}/versions/1/signatures", json={"role": "составил", "pin": PIN}
    )
    assert signed.status_code == 201, signed.get_json()
    submitted = world["spec1"].post(f"/api/v1/documents/{form['id']}/submit", json={"comment": SUBMIT_COMMENT})
    assert submitted.status_code == 200, submitted.get_json()
    world["head"].post(f"/api/v1/documents/{form['id']}/return", json={"comment": RETURN_COMMENT})
    granted = world["head"].post(
        f"/api/v1/cases/{case['id']}/grants", json={"username": "spec2", "reason": GRANT_REASON}
    )
    assert granted.status_code == 201, granted.get_json()
    return {"case": case, "scan": scan, "form": form}


def _urls(scene: dict[str, Any]) -> list[str]:
    case_id, scan_id, form_id = scene["case"]["id"], scene["scan"]["id"], scene["form"]["id"]
    return [
        f"/api/v1/cases/{case_id}",
        "/api/v1/cases",
        f"/api/v1/documents/{scan_id}",
        f"/api/v1/documents/{form_id}",
        f"/api/v1/documents/{form_id}/workflow",
        f"/api/v1/cases/{case_id}/grants",
        "/api/v1/approvals",
    ]


def _hidden_from(text: str) -> list[str]:
    return [secret for secret in CONTENT if secret in text]


def test_the_archivist_gets_the_metadata_of_a_case_and_nothing_of_its_content(world: World) -> None:
    scene = _scene(world)
    archivist = world["archivist"]
    answer = archivist.get(f"/api/v1/cases/{scene['case']['id']}")
    assert answer.status_code == 200
    assert _hidden_from(answer.get_data(as_text=True)) == []
    case = answer.get_json()
    assert set(case) == CASE_KEYS | {"documents"} | set(DOCUMENTS_PAGE)
    assert {key: case[key] for key in DOCUMENTS_PAGE} == {**DOCUMENTS_PAGE, "documents_total": 2}
    today = dt.date.today().isoformat()
    assert {key: value for key, value in case.items() if key != "documents" and key not in DOCUMENTS_PAGE} == {
        "id": scene["case"]["id"],
        "number": "04-05/2026/001",
        "nomenclature_index": "04-05",
        "nomenclature_title": "Личные дела семей",
        "year": 2026,
        "title": "Личное дело получателя услуг",
        "district": "u1",
        "responsible": "spec1",
        "status": "open",
        "opened_on": today,
        "closed_on": None,
        "retention_until": None,
        "permanent": False,
        "legal_hold": False,
        "legal_hold_since": None,
        "epk": True,
        "expert_review_on": None,
        "inventory_id": None,
        "transferred_on": None,
        "destruction_act_id": None,
        "destroyed_on": None,
        "content_access": False,
        "revision": int(answer.headers["ETag"].strip('"')),
        "former_numbers": [],
    }
    documents = {document["id"]: document for document in case["documents"]}
    scan, form = documents[scene["scan"]["id"]], documents[scene["form"]["id"]]
    for document in (scan, form):
        assert set(document) == DOCUMENT_KEYS
        assert all(set(version) == VERSION_KEYS for version in document["versions"])
    assert (scan["title"], scan["type"], scan["status"]) == (scene["scan"]["title"], "scan", "draft")
    [scan_version] = scan["versions"]
    assert (scan_version["signed_on_paper"], scan_version["signatures"]) == (True, [])
    assert (scan_version["media_type"], scan_version["size"]) == ("application/pdf", len(_pdf()))
    [form_version] = form["versions"]
    assert form_version["template"] == {"id": "inspection_act", "version": 1}
    [signature] = form_version["signatures"]
    assert set(signature) == SIGNATURE_KEYS
    assert (signature["signer_username"], signature["role"]) == ("spec1", "составил")

    steps = archivist.get(f"/api/v1/documents/{scene['form']['id']}/workflow").get_json()["items"]
    assert [(set(step), step["action"]) for step in steps] == [(STEP_KEYS, "submit"), (STEP_KEYS, "return")]
    [grant] = archivist.get(f"/api/v1/cases/{scene['case']['id']}/grants").get_json()["items"]
    assert set(grant) == GRANT_KEYS and grant["username"] == "spec2"
    for url in _urls(scene):
        answer = archivist.get(url)
        assert answer.status_code == 200, url
        assert _hidden_from(answer.get_data(as_text=True)) == [], url


def test_archive_answers_carry_metadata_only(world: World) -> None:
    scene = _scene(world)
    archivist, case_id = world["archivist"], scene["case"]["id"]
    answers = [
        archivist.post(f"/api/v1/cases/{case_id}/hold", json={"reason": "запрос суда"}),
        archivist.post(f"/api/v1/cases/{case_id}/hold/release", json={"reason": "запрос снят"}),
        archivist.post(f"/api/v1/cases/{case_id}/close", json={"closed_on": dt.date.today().isoformat()}),
        archivist.post("/api/v1/archive/inventories", json={"year": dt.date.today().year, "retention_class": "long"}),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 201]
    for answer in answers:
        assert _hidden_from(answer.get_data(as_text=True)) == []
    [listed] = answers[-1].get_json()["cases"]
    assert set(listed) == CASE_KEYS and listed["status"] == "transferred"


def test_the_head_gets_all_of_it(world: World) -> None:
    scene = _scene(world)
    head = world["head"]
    case = head.get(f"/api/v1/cases/{scene['case']['id']}").get_json()
    assert set(case) == CASE_KEYS | {"documents", "subject"} | set(DOCUMENTS_PAGE)
    assert case["content_access"] is True
    assert case["subject"] == {
        "kind": "citizen",
        "name": NAME,
        "address": ADDRESS,
        "note": NOTE,
        "categories": ["hardship"],
    }
    [scan] = [document for document in case["documents"] if document["id"] == scene["scan"]["id"]]
    [scan_version] = scan["versions"]
    assert set(scan_version) == VERSION_KEYS | {"comment", "paper_signatures"}
    assert scan_version["comment"] == UPLOAD_COMMENT
    assert scan_version["paper_signatures"] == [{"name": PAPER_SIGNER, "role": PAPER_ROLE}]
    steps = head.get(f"/api/v1/documents/{scene['form']['id']}/workflow").get_json()["items"]
    assert [step["comment"] for step in steps] == [SUBMIT_COMMENT, RETURN_COMMENT]
    assert all(set(step) == STEP_KEYS | {"comment"} for step in steps)
    [grant] = head.get(f"/api/v1/cases/{scene['case']['id']}/grants").get_json()["items"]
    assert grant["reason"] == GRANT_REASON
    everything = "".join(head.get(url).get_data(as_text=True) for url in _urls(scene))
    assert _hidden_from(everything) == CONTENT


def test_the_case_page_shows_what_the_api_shows(world: World, client: FlaskClient) -> None:
    scene = _scene(world)
    url = f"/cases/{scene['case']['id']}"
    login(client, "archivist")
    page = client.get(url).get_data(as_text=True)
    assert scene["scan"]["title"] in page and "Подписано на бумаге (скан)" in page
    assert _hidden_from(page) == []
    client.post("/logout", data={"csrf_token": _csrf(page)})
    login(client, "head")
    page = client.get(url).get_data(as_text=True)
    # The note shows only in the «Изменить» form (the head may correct it), never elsewhere on the page.
    assert _hidden_from(page) == CONTENT
    assert page.count(NOTE) == 1 and f">{NOTE}</textarea>" in page


def _pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Signed on paper")
    return bytes(pdf.output())


def test_a_grant_shows_the_content_and_its_end_hides_it_again(world: World) -> None:
    scene = _scene(world)
    url = f"/api/v1/cases/{scene['case']['id']}"
    for username in ("archivist", "admin"):
        granted = world["head"].post(url + "/grants", json={"username": username, "reason": "проверка файла"})
        case = world[username].get(url).get_json()
        assert (case["content_access"], case["subject"]["note"]) == (True, NOTE), username
        world["head"].delete(f"{url}/grants/{granted.get_json()['id']}")
    case = world["archivist"].get(url).get_json()
    assert case["content_access"] is False and "subject" not in case
    assert world["admin"].get(url).status_code == 404
