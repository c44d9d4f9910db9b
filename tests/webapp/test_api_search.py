"""Search through the API: indexed after commit, within the caller's permissions."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.conftest import World
from webapp.extensions import db
from webapp.search.models import IndexOutbox


def test_uploaded_document_is_found_by_an_inflected_word(world: World) -> None:
    case = world.open_case()
    text = "Акт обследования: семья проживает в двухкомнатной квартире, условия удовлетворительные."
    document = world.upload(case["id"], text.encode(), title="Акт обследования", type="inspection_act")
    body = world["spec1"].get("/api/v1/search?q=семьи").get_json()
    assert body["total"] == 1
    [hit] = body["items"]
    assert hit["document_id"] == document["id"]
    assert hit["case_number"] == "04-05/2026/001"
    assert hit["type"] == "inspection_act"
    assert any("<mark>" in fragment for fragment in hit["highlights"])
    assert body["facets"]["type"] == {"inspection_act": 1}
    assert db.session.scalar(db.select(db.func.count(IndexOutbox.id)).where(IndexOutbox.applied_at.is_(None))) == 0


def test_new_version_replaces_indexed_text(world: World) -> None:
    case = world.open_case()
    document = world.upload(case["id"], "Первичная диагностика".encode())
    world["spec1"].upload(
        f"/api/v1/documents/{document['id']}/versions", "Заключительная оценка".encode(), base_version="1"
    )
    assert world["spec1"].get("/api/v1/search?q=первичная").get_json()["total"] == 0
    hits = world["spec1"].get("/api/v1/search?q=заключительная").get_json()["items"]
    assert [(hit["document_id"], hit["version"]) for hit in hits] == [(document["id"], 2)]


def test_a_page_of_hits_is_20_unless_per_page_says_more(world: World) -> None:
    case = world.open_case()
    for n in range(22):
        world.upload(case["id"], f"Семья {n}".encode(), title=f"Акт {n}")
    client = world["spec1"]
    assert [len(client.get(f"/api/v1/search?q=семья{args}").get_json()["items"]) for args in ("", "&page=2")] == [20, 2]
    assert len(client.get("/api/v1/search?q=семья&per_page=100").get_json()["items"]) == 22
    assert client.get("/api/v1/search?q=семья&per_page=201").status_code == 400


def test_search_respects_districts(world: World) -> None:
    world.upload(world.open_case("spec1", "u1")["id"], "многодетная семья".encode())
    world.upload(world.open_case("spec2", "u2")["id"], "многодетная семья".encode(), username="spec2")
    assert world["spec1"].get("/api/v1/search?q=многодетная").get_json()["total"] == 1
    assert world["head"].get("/api/v1/search?q=многодетная").get_json()["total"] == 2
    facets = world["spec1"].get("/api/v1/search?q=многодетная").get_json()["facets"]
    assert facets["district"] == {"u1": 1}


def test_hostile_queries_never_fail(world: World) -> None:
    world.upload(world.open_case()["id"], b"text")
    for query in ['"unbalanced', "AND OR NOT", "title:x", "x" * 10_000, "\x00\x07", "(((", "*"]:
        response = world["spec1"].get("/api/v1/search", query_string={"q": query})
        assert response.status_code in (200, 400), query
        assert "error" in response.get_json() or "items" in response.get_json()


def test_search_with_the_words_in_a_json_body(world: World) -> None:
    case = world.open_case()
    world.upload(case["id"], "многодетная семья".encode(), type="scan")
    world.upload(case["id"], "многодетная семья, акт".encode(), type="inspection_act")
    spec1 = world["spec1"]
    by_body = spec1.post("/api/v1/search", json={"q": "многодетная", "type": "scan", "case": case["id"], "page": 1})
    assert by_body.status_code == 200, by_body.get_json()
    by_query = spec1.get(f"/api/v1/search?q=многодетная&type=scan&case={case['id']}&page=1")
    assert by_body.get_json() == by_query.get_json()
    assert by_body.get_json()["total"] == 1
    assert spec1.post("/api/v1/search", json={"q": "многодетная", "sort": None}).get_json()["total"] == 2
    for body, code in [
        ({"q": "семья", "words": "Иванов"}, "invalid_body"),
        ({"q": ["семья"]}, "invalid_parameter"),
        ({"q": "семья", "year": True}, "invalid_parameter"),
        ({"year": "abc"}, "invalid_parameter"),
        ({"q": "я" * 1001}, "invalid_parameter"),
    ]:
        refused = spec1.post("/api/v1/search", json=body)
        assert (refused.status_code, refused.get_json()["error"]["code"]) == (400, code), body
        assert "Иванов" not in refused.get_data(as_text=True)
    assert spec1.post("/api/v1/search", json=["семья"]).status_code == 400


def test_bad_filters_are_400(world: World) -> None:
    for query in ("year=abc", "date_from=yesterday", "case=x"):
        assert world["spec1"].get(f"/api/v1/search?{query}").status_code == 400, query


def test_reindex_rebuilds_from_database(app: Flask, world: World) -> None:
    from webapp.search.services import reindex_all

    world.upload(world.open_case()["id"], "патронаж семьи".encode())
    app.extensions["casefiles.search_index"].rebuild([])
    assert world["head"].get("/api/v1/search?q=патронаж").get_json()["total"] == 0
    assert reindex_all() == 1
    assert world["head"].get("/api/v1/search?q=патронаж").get_json()["total"] == 1


def test_similar_documents_and_the_typo_flag(client: Any, world: World) -> None:
    from tests.webapp.test_pages import login

    first = world.upload(world.open_case()["id"], "Акт обследования семьи Никитиных, ул. Мира, д. 7".encode())
    second = world.upload(world.open_case()["id"], "Социальный паспорт семьи Никитиных с улицы Мира, дом 7".encode())
    world.upload(world.open_case(district="u2", username="spec2")["id"], "Никитиных Мира семьи".encode(), "spec2")
    world.upload(world.open_case()["id"], "Отчёт о работе за квартал".encode())
    similar = world["spec1"].get(f"/api/v1/documents/{first['id']}/similar").get_json()
    assert [item["document_id"] for item in similar["items"]] == [second["id"]]  # u2's document is not visible
    assert world["head"].get(f"/api/v1/documents/{first['id']}/similar").get_json()["total"] == 2
    assert world["spec2"].get(f"/api/v1/documents/{first['id']}/similar").status_code == 404
    typo = world["spec1"].get("/api/v1/search?q=Никитиных обследованя").get_json()
    assert (typo["total"], typo["fuzzy"]) == (1, True)
    login(client, "spec1")
    page = client.get(f"/documents/{first['id']}/similar").get_data(as_text=True)
    assert "Похожие на" in page and f"document-{second['id']}" in page
    found = client.get("/search?q=Никитиных+обследованя", follow_redirects=True).get_data(as_text=True)
    assert "возможна опечатка" in found
