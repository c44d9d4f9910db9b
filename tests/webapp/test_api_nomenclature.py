"""Nomenclature endpoints and the CSV import."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask

from tests.conftest import World
from webapp.exceptions import ValidationError
from webapp.extensions import db
from webapp.nomenclature.models import NomenclatureEntry
from webapp.nomenclature.services import import_csv
from webapp.policy import SYSTEM

ENTRY = {"index": "04-07", "title": "Акты обследования", "year": 2026, "retention_years": 5, "epk": False}


def test_list_is_paginated_and_filtered_by_year(world: World) -> None:
    response = world["spec1"].get("/api/v1/nomenclature?year=2026")
    body = response.get_json()
    assert response.status_code == 200
    assert body["total"] == 1
    assert body["items"][0] == {
        "id": body["items"][0]["id"],
        "index": "04-05",
        "title": "Личные дела семей",
        "year": 2026,
        "retention_years": 75,
        "permanent": False,
        "epk": True,
        "article": "",
        "note": "",
    }
    assert world["spec1"].get("/api/v1/nomenclature?year=2025").get_json() == {"items": [], "total": 0}


def test_archivist_creates_entry(world: World) -> None:
    response = world["archivist"].post("/api/v1/nomenclature", json={**ENTRY, "article": "ст. 19а"})
    assert response.status_code == 201
    assert response.get_json()["index"] == "04-07"
    assert response.get_json()["article"] == "ст. 19а"


def test_permanent_entry(world: World) -> None:
    body = {**ENTRY, "retention_years": None, "permanent": True}
    response = world["archivist"].post("/api/v1/nomenclature", json=body)
    assert response.status_code == 201
    assert response.get_json()["retention_years"] is None
    assert response.get_json()["permanent"] is True


def test_specialist_may_not_edit_nomenclature(world: World) -> None:
    response = world["spec1"].post("/api/v1/nomenclature", json=ENTRY)
    assert response.status_code == 403


def test_duplicate_index_is_409(world: World) -> None:
    response = world["archivist"].post("/api/v1/nomenclature", json={**ENTRY, "index": "04-05"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "duplicate_index"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"index": "../x"}, "index"),
        ({"index": "04/05"}, "index"),
        ({"title": ""}, "title"),
        ({"year": "next"}, "year"),
        ({"retention_years": None}, "body"),
        ({"permanent": True}, "body"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_entry_is_400_with_the_field(world: World, change: dict[str, object], field: str) -> None:
    response = world["archivist"].post("/api/v1/nomenclature", json={**ENTRY, **change})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["details"][0]["field"] == field
    assert db.session.scalar(db.select(db.func.count(NomenclatureEntry.id))) == 1


def _csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def test_csv_import_reads_retention_forms(app: Flask) -> None:
    rows = (
        "index,title,retention,article,note\n"
        "01-01,Положение об отделении,постоянно,ст. 55,\n"
        "04-05,Личные дела,75 ЭПК,ст. 448,Ведутся по участкам\n"
        "04-06,Журнал учёта,5 лет,ст. 258г,\n"
    )
    entries = import_csv(SYSTEM, _csv(rows), 2026)
    assert [(e.index, e.retention_years, e.is_permanent, e.is_epk) for e in entries] == [
        ("01-01", None, True, False),
        ("04-05", 75, False, True),
        ("04-06", 5, False, False),
    ]
    assert entries[1].note == "Ведутся по участкам"


def test_csv_import_accepts_semicolons_and_bom(app: Flask) -> None:
    rows = "\ufeffindex;title;retention;article;note\n04-05;Личные дела;75 ЭПК;ст. 448;\n"
    assert [e.index for e in import_csv(SYSTEM, _csv(rows), 2026)] == ["04-05"]


def test_csv_import_is_all_or_nothing_with_line_numbers(app: Flask) -> None:
    rows = (
        "index,title,retention,article,note\n"
        "01-01,Положение,постоянно,,\n"
        "01-02,,5,,\n"
        "bad index,Планы,5,,\n"
        "01-04,Отчёты,когда-нибудь,,\n"
        "01-01,Повтор,5,,\n"
    )
    with pytest.raises(ValidationError) as caught:
        import_csv(SYSTEM, _csv(rows), 2026)
    lines = [(detail["line"], detail["field"]) for detail in caught.value.details]
    assert lines == [(3, "title"), (4, "index"), (5, "retention"), (6, "index")]
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(NomenclatureEntry.id))) == 0


def test_csv_import_refuses_wrong_header_and_encoding(app: Flask) -> None:
    with pytest.raises(ValidationError, match="заголовком"):
        import_csv(SYSTEM, _csv("a,b,c\n1,2,3\n"), 2026)
    with pytest.raises(ValidationError, match="UTF-8 или Windows-1251"):
        import_csv(SYSTEM, io.BytesIO(b"index,title,retention,article,note\n" + b"\x98\xff\n"), 2026)


def test_csv_import_accepts_windows_1251(app: Flask) -> None:
    rows = "index;title;retention;article;note\n04-05;Личные дела семей;75 ЭПК;ст. 448;примечание\n"
    [entry] = import_csv(SYSTEM, io.BytesIO(rows.encode("cp1251")), 2026)
    assert (entry.title, entry.note, entry.is_epk) == ("Личные дела семей", "примечание", True)


def test_copy_a_year_then_edit(world: World) -> None:
    archivist = world["archivist"]
    assert (
        world["spec1"].post("/api/v1/nomenclature/copy", json={"from_year": 2026, "to_year": 2027}).status_code == 403
    )
    copied = archivist.post("/api/v1/nomenclature/copy", json={"from_year": 2026, "to_year": 2027})
    assert copied.status_code == 201
    [entry] = copied.get_json()["items"]
    assert (entry["index"], entry["year"], entry["retention_years"], entry["epk"]) == ("04-05", 2027, 75, True)
    again = archivist.post("/api/v1/nomenclature/copy", json={"from_year": 2026, "to_year": 2027})
    assert again.status_code == 409
    empty = archivist.post("/api/v1/nomenclature/copy", json={"from_year": 2019, "to_year": 2028})
    assert empty.status_code == 400


def test_entries_used_by_cases_cannot_be_deleted(world: World) -> None:
    used = world["archivist"].get("/api/v1/nomenclature?year=2026").get_json()["items"][0]
    world.open_case()
    refused = world["archivist"].client.delete(
        f"/api/v1/nomenclature/{used['id']}", headers={"Authorization": f"Bearer {world['archivist'].token}"}
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "entry_in_use"
    spare = world["archivist"].post("/api/v1/nomenclature", json=ENTRY).get_json()
    headers = {"Authorization": f"Bearer {world['spec1'].token}"}
    assert world["spec1"].client.delete(f"/api/v1/nomenclature/{spare['id']}", headers=headers).status_code == 403
    headers = {"Authorization": f"Bearer {world['archivist'].token}"}
    assert world["archivist"].client.delete(f"/api/v1/nomenclature/{spare['id']}", headers=headers).status_code == 204
    assert world["archivist"].client.delete(f"/api/v1/nomenclature/{spare['id']}", headers=headers).status_code == 404


def test_sections_and_the_tree_page(app: Flask, world: World, client: Any) -> None:
    from tests.webapp.test_pages import _csrf, login
    from webapp.nomenclature.services import nomenclature_tree

    rows = (
        "index,title,retention,article,note\n"
        "05,Отделение психологической помощи,,,\n"
        "05-01,Журнал консультаций,5,ст. 258,\n"
    )
    import_csv(SYSTEM, _csv(rows), 2026)
    world.open_case()
    db.session.commit()
    tree = {section.code: section for section in nomenclature_tree(2026)}
    assert tree["05"].title == "Отделение психологической помощи"
    assert [(entry.index, count) for entry, count in tree["04"].entries] == [("04-05", 1)]
    login(client, "archivist")
    page = client.get("/nomenclature?year=2026").get_data(as_text=True)
    assert "Отделение психологической помощи" in page
    assert "Журнал консультаций" in page
    bad = "index,title,retention,article,note\n06-01,Журнал,никогда,,\n".encode("cp1251")
    response = client.post(
        "/nomenclature/import",
        data={"csrf_token": _csrf(page), "year": "2026", "file": (io.BytesIO(bad), "n.csv")},
        follow_redirects=True,
    )
    assert "Строка 2: retention" in response.get_data(as_text=True)


def test_duplicate_sections_are_refused(app: Flask) -> None:
    rows = "index,title,retention,article,note\n04,Отделение,,,\n04,Ещё раз,,,\n04-01,Дела,5,,\n"
    with pytest.raises(ValidationError) as caught:
        import_csv(SYSTEM, _csv(rows), 2026)
    assert [(d["line"], d["field"]) for d in caught.value.details] == [(3, "index")]


@pytest.mark.parametrize(
    ("count", "text"), [(1, "1 год"), (3, "3 года"), (5, "5 лет"), (11, "11 лет"), (21, "21 год"), (75, "75 лет")]
)
def test_retention_years_in_russian(count: int, text: str) -> None:
    from webapp.nomenclature.models import years_ru

    assert years_ru(count) == text
