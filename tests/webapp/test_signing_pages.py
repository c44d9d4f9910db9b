"""The approval workflow and signatures in the pages: submit, the head's queue, approve and sign, history."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient

from tests.conftest import PIN, World
from tests.webapp.test_forms import fill
from tests.webapp.test_pages import _csrf, login


def _act(world: World) -> tuple[int, int]:
    case = world.open_case()
    response = fill(world, case["id"])
    assert response.status_code == 201, response.get_json()
    return case["id"], response.get_json()["id"]


def _switch(client: FlaskClient, username: str) -> None:
    """One browser, another person: log out, log in (CSRF tokens are per session)."""
    client.post("/logout", data={"csrf_token": _csrf(_page(client, "/"))})
    login(client, username)


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_submit_approve_and_sign_in_the_pages(client: FlaskClient, world: World) -> None:
    case_id, document_id = _act(world)
    specialist = head = client
    login(specialist, "spec1")
    page = _page(specialist, f"/cases/{case_id}")
    assert "Черновик" in page and "Направить на утверждение" in page
    assert "Подписать версию 1 электронной подписью" in page  # «составил» is the specialist's to sign
    response = specialist.post(
        f"/documents/{document_id}/workflow",
        data={"csrf_token": _csrf(page), "action": "submit", "comment": "Прошу утвердить"},
    )
    assert response.status_code == 302 and f"/cases/{case_id}" in response.headers["Location"]
    page = _page(specialist, f"/cases/{case_id}")
    assert "На утверждении" in page and "Направлено на утверждение" in page
    assert "Утвердить версию" not in page  # the specialist does not decide

    _switch(client, "head")
    queue = _page(head, "/approvals")
    assert "Документы на утверждении (1)" in queue and "04-05/2026/001" in queue
    assert 'name="pin"' in queue and "ПИН подписи" in queue  # the approval that signs asks for the PIN
    decision = {"csrf_token": _csrf(queue), "action": "approve", "version": "1", "sign": "1", "next": "approvals"}
    response = head.post(f"/documents/{document_id}/workflow", data=decision | {"pin": PIN})
    assert response.status_code == 302 and response.headers["Location"].endswith("/approvals")
    queue = _page(head, "/approvals")
    assert "Документ утверждён и подписан" in queue and "Документов на утверждении нет" in queue

    page = _page(head, f"/cases/{case_id}")
    assert "Утверждён" in page
    signed = r"✔ утверждаю: Тест head, [\d.]+ [\d:]+ \(штамп времени [\d.]+ [\d:]+\) — подпись верна"
    assert re.search(signed, " ".join(page.split()))
    history = page[page.index("Ход согласования") :]
    assert "Направлен на утверждение" in history and "Прошу утвердить" in history and "Утверждён" in history
    # The signature file downloads from the page.
    link = re.search(r'href="(/signatures/\d+\.p7s)"', page)
    assert link is not None
    cms = head.get(link.group(1))
    assert cms.status_code == 200 and cms.mimetype == "application/pkcs7-signature"


def test_return_needs_a_comment_and_errors_are_flashed(client: FlaskClient, world: World) -> None:
    case_id, document_id = _act(world)
    world["spec1"].post(f"/api/v1/documents/{document_id}/submit")
    head = client
    login(head, "head")
    page = _page(head, f"/cases/{case_id}")
    response = head.post(
        f"/documents/{document_id}/workflow",
        data={"csrf_token": _csrf(page), "action": "return", "comment": ""},
        follow_redirects=True,
    )
    assert "Укажите, что нужно доработать" in response.get_data(as_text=True)
    response = head.post(
        f"/documents/{document_id}/workflow",
        data={"csrf_token": _csrf(page), "action": "return", "comment": "Нет подписи представителя"},
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "Возвращено на доработку" in text and "Черновик" in text
    bogus = head.post(
        f"/documents/{document_id}/workflow",
        data={"csrf_token": _csrf(page), "action": "explode"},
        follow_redirects=True,
    )
    assert bogus.status_code == 200 and "Неизвестное действие" in bogus.get_data(as_text=True)


def test_upload_a_paper_signed_scan_from_the_page(client: FlaskClient, world: World) -> None:
    case_id, document_id = _act(world)
    specialist = client
    login(specialist, "spec1")
    page = _page(specialist, f"/cases/{case_id}")
    assert "Загрузить скан экземпляра, подписанного на бумаге" in page
    form = {
        "csrf_token": _csrf(page),
        "base_version": "1",
        "signer_name": ["Петрова Анна Ивановна", ""],
        "signer_role": ["представитель семьи", ""],
    }
    no_file = specialist.post(f"/documents/{document_id}/paper", data=form, follow_redirects=True)
    assert "Выберите файл скана" in no_file.get_data(as_text=True)
    response = specialist.post(
        f"/documents/{document_id}/paper",
        data={**form, "file": (io.BytesIO(b"%PDF-1.4\n% scan\n"), "scan.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "сохранён как версия 2" in text
    assert "Подписано на бумаге (скан):" in text and "Петрова Анна Ивановна — представитель семьи" in text


def test_specialist_sees_no_approval_queue_link(client: FlaskClient, world: World) -> None:
    login(client, "spec1")
    assert "На утверждении</a>" not in _page(client, "/")
    _switch(client, "head")
    assert "На утверждении</a>" in _page(client, "/")
