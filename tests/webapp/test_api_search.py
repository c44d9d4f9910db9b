"""Search through the API: indexed after commit, within the caller's permissions."""

from __future__ import annotations

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
