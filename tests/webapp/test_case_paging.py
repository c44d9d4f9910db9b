"""The case page and GET /api/v1/cases/{id} show one page of a case's documents, loaded in a few queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.conftest import PIN, World
from tests.webapp.test_pages import login
from webapp.extensions import db


def _fill(world: World, count: int) -> tuple[int, list[int]]:
    """A case of `count` documents, each with a second version signed, submitted, the first checked out."""
    case = world.open_case()
    spec = world["spec1"]
    ids = []
    for n in range(count):
        document = world.upload(case["id"], f"Акт {n}".encode(), title=f"Акт {n}", date=f"2026-03-{n + 1:02d}")
        spec.upload(f"/api/v1/documents/{document['id']}/versions", f"Акт {n}, уточнён".encode(), base_version="1")
        signed = spec.post(
            f"/api/v1/documents/{document['id']}/versions/2/signatures", json={"role": "составил", "pin": PIN}
        )
        assert signed.status_code == 201, signed.get_json()
        assert spec.post(f"/api/v1/documents/{document['id']}/submit", json={}).status_code == 200
        ids.append(document["id"])
    assert spec.post(f"/api/v1/documents/{ids[0]}/checkout").status_code == 201
    return case["id"], ids


@contextmanager
def _counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_the_api_answers_one_page_of_documents_with_their_total(world: World) -> None:
    case_id, ids = _fill(world, 3)
    spec = world["spec1"]
    whole = spec.get(f"/api/v1/cases/{case_id}").get_json()
    assert [d["id"] for d in whole["documents"]] == ids
    assert (whole["documents_total"], whole["documents_page"], whole["documents_per_page"]) == (3, 1, 50)
    second = spec.get(f"/api/v1/cases/{case_id}?documents_page=2&documents_per_page=2").get_json()
    assert [d["id"] for d in second["documents"]] == ids[2:]
    assert (second["documents_total"], second["documents_page"], second["documents_per_page"]) == (3, 2, 2)
    assert second["documents"][0] == whole["documents"][2]  # the same record, paged or not
    assert whole["documents"][0]["checkout"]["holder"] == "spec1"
    assert [v["number"] for v in whole["documents"][0]["versions"]] == [1, 2]
    assert [s["role"] for s in whole["documents"][0]["versions"][1]["signatures"]] == ["составил"]
    past = spec.get(f"/api/v1/cases/{case_id}?documents_page=9").get_json()
    assert (past["documents"], past["documents_total"]) == ([], 3)


def test_bad_paging_is_400_in_russian(world: World) -> None:
    case_id = world.open_case()["id"]
    for query in ("documents_page=0", "documents_page=x", "documents_per_page=201", "documents_per_page=0"):
        response = world["spec1"].get(f"/api/v1/cases/{case_id}?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"]["code"] == "invalid_parameter"
        assert (
            "допустимо" in response.get_json()["error"]["message"]
            or "ожидалось" in response.get_json()["error"]["message"]
        )


def test_the_case_page_shows_one_page_with_links_to_the_others(app: Flask, world: World, client: FlaskClient) -> None:
    case_id, ids = _fill(world, 3)
    login(client, "spec1")
    first = client.get(f"/cases/{case_id}?documents_per_page=2").get_data(as_text=True)
    assert [f'id="document-{i}"' in first for i in ids] == [True, True, False]
    assert "Документы (3)" in first and "Документы 1–2 из 3 · страница 1 из 2" in first
    assert f"/cases/{case_id}?documents_page=2&amp;documents_per_page=2#documents" in first
    assert "← Предыдущие" not in first
    second = client.get(f"/cases/{case_id}?documents_page=2&documents_per_page=2").get_data(as_text=True)
    assert [f'id="document-{i}"' in second for i in ids] == [False, False, True]
    assert "Документы 3–3 из 3 · страница 2 из 2" in second and "← Предыдущие" in second
    assert "Следующие →" not in second
    whole = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert all(f'id="document-{i}"' in whole for i in ids) and "Страницы документов" not in whole
    assert client.get(f"/cases/{case_id}?documents_page=x").status_code == 400


def test_a_page_of_documents_costs_the_same_queries_whatever_its_length(
    app: Flask, world: World, client: FlaskClient
) -> None:
    """Versions, signatures, checkouts and workflow steps come in a query each, not one a document."""
    case_id, _ = _fill(world, 4)
    login(client, "spec1")
    spec = world["spec1"]
    counts = []
    for per_page in (1, 4):
        spec.get(f"/api/v1/cases/{case_id}?documents_per_page={per_page}")
        client.get(f"/cases/{case_id}?documents_per_page={per_page}")  # warm: the first request loads the user
        with _counted() as api_statements:
            assert spec.get(f"/api/v1/cases/{case_id}?documents_per_page={per_page}").status_code == 200
        with _counted() as page_statements:
            assert client.get(f"/cases/{case_id}?documents_per_page={per_page}").status_code == 200
        counts.append((len(api_statements), len(page_statements)))
    assert counts[0] == counts[1], counts


def test_a_case_of_the_viewers_own_district_reads_no_grants(world: World) -> None:
    """The role and districts settle what a specialist is shown of their district's case: no query of grants
    (nor of a deputy's waiting acts), which test_disclosure shows still count where they are needed."""
    case = world.open_case("spec1", "u1")
    world.upload(case["id"], "Акт".encode(), title="Акт")
    spec = world["spec1"]
    assert spec.get(f"/api/v1/cases/{case['id']}").status_code == 200  # warm: the first request loads the user
    with _counted() as statements:
        answer = spec.get(f"/api/v1/cases/{case['id']}")
    assert answer.status_code == 200 and answer.get_json()["documents"][0]["title"] == "Акт"
    assert [statement for statement in statements if "case_grants" in statement] == []
