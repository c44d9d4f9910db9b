"""Editing the yearly nomenclature: the API and the archivist's page."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import World
from tests.webapp.test_pages import _csrf, login
from webapp.extensions import db
from webapp.nomenclature.models import NomenclatureEntry


def _entry_id(index: str = "04-05", year: int = 2026) -> int:
    query = db.select(NomenclatureEntry.id).where(NomenclatureEntry.index == index, NomenclatureEntry.year == year)
    return int(db.session.scalars(query).one())


def test_archivist_edits_an_entry(world: World) -> None:
    url = f"/api/v1/nomenclature/{_entry_id()}"
    response = world["archivist"].client.patch(
        url,
        json={"title": "Личные дела семей с детьми", "retention_years": 10, "article": "ст. 444"},
        headers={"Authorization": f"Bearer {world['archivist'].token}"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["title"], body["retention_years"], body["permanent"], body["epk"]) == (
        "Личные дела семей с детьми",
        10,
        False,
        True,
    )
    permanent = _patch(world, "archivist", url, {"permanent": True})
    assert (permanent.get_json()["retention_years"], permanent.get_json()["permanent"]) == (None, True)


def _patch(world: World, user: str, url: str, body: Any) -> Any:
    return world[user].client.patch(url, json=body, headers={"Authorization": f"Bearer {world[user].token}"})


@pytest.mark.parametrize(
    "body",
    [
        {"index": "04-06"},
        {"year": 2027},
        {"retention_years": 0},
        {"retention_years": 5, "permanent": True},
        {"title": ""},
        {"colour": "red"},
    ],
)
def test_bad_edits_change_nothing(world: World, body: dict[str, Any]) -> None:
    response = _patch(world, "archivist", f"/api/v1/nomenclature/{_entry_id()}", body)
    assert response.status_code == 400, response.get_json()
    entry = db.session.get(NomenclatureEntry, _entry_id())
    assert entry is not None and (entry.title, entry.retention_years) == ("Личные дела семей", 75)


@pytest.mark.parametrize("user", ["spec1", "head"])
def test_only_the_archivist_edits(world: World, user: str) -> None:
    response = _patch(world, user, f"/api/v1/nomenclature/{_entry_id()}", {"title": "Другое"})
    assert response.status_code == 403 and response.get_json()["error"]["message"]
    assert _patch(world, "archivist", "/api/v1/nomenclature/99999", {"title": "x"}).status_code == 404


def test_retention_is_fixed_once_a_case_is_closed(world: World) -> None:
    case = world.open_case(opened_on="2026-02-01")
    world["archivist"].post(f"/api/v1/cases/{case['id']}/close", json={"closed_on": "2026-03-01"})
    url = f"/api/v1/nomenclature/{_entry_id()}"
    refused = _patch(world, "archivist", url, {"retention_years": 5})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "entry_has_closed_cases"
    assert _patch(world, "archivist", url, {"epk": False}).status_code == 409
    assert _patch(world, "archivist", url, {"title": "Личные дела", "note": "уточнено"}).status_code == 200


def test_archivist_keeps_the_nomenclature_in_the_browser(client: FlaskClient, world: World) -> None:
    world.open_case()
    login(client, "archivist")
    page = client.get("/nomenclature?year=2026").get_data(as_text=True)
    token = _csrf(page)
    assert "Изменить" in page and "Создать номенклатуру на 2027 год" in page

    edit_url = f"/nomenclature/{_entry_id()}/edit"
    bad = client.post(edit_url, data={"csrf_token": token, "title": "", "retention_years": "75"})
    assert bad.status_code == 200 and "flash error" in bad.get_data(as_text=True)
    saved = client.post(
        edit_url,
        data={"csrf_token": token, "title": "Личные дела семей с детьми", "retention_years": "75", "epk": "on"},
        follow_redirects=True,
    )
    assert "Статья 04-05 сохранена" in saved.get_data(as_text=True)
    assert db.session.get(NomenclatureEntry, _entry_id()).title == "Личные дела семей с детьми"  # type: ignore[union-attr]

    added = client.post(
        "/nomenclature/new",
        data={"csrf_token": token, "year": "2026", "index": "04-18", "title": "Журнал", "retention_years": "3"},
        follow_redirects=True,
    )
    assert "Статья 04-18 добавлена" in added.get_data(as_text=True)
    deleted = client.post(
        f"/nomenclature/{_entry_id('04-18')}/delete", data={"csrf_token": token, "year": "2026"}, follow_redirects=True
    )
    assert "Статья удалена" in deleted.get_data(as_text=True)
    in_use = client.post(
        f"/nomenclature/{_entry_id()}/delete", data={"csrf_token": token, "year": "2026"}, follow_redirects=True
    )
    assert "уже заведены дела" in in_use.get_data(as_text=True)

    copied = client.post("/nomenclature/copy", data={"csrf_token": token, "from_year": "2026"}, follow_redirects=True)
    assert "Номенклатура на 2027 год создана копированием: статей 1" in copied.get_data(as_text=True)
    assert _entry_id("04-05", 2027)


def test_specialists_get_no_controls_and_cannot_post(client: FlaskClient, world: World) -> None:
    login(client, "spec1")
    page = client.get("/nomenclature?year=2026").get_data(as_text=True)
    assert "Изменить" not in page and "Добавить статью" not in page
    token = _csrf(page)
    assert client.get(f"/nomenclature/{_entry_id()}/edit").status_code == 403
    client.post("/nomenclature/copy", data={"csrf_token": token, "from_year": "2026"})
    client.post(f"/nomenclature/{_entry_id()}/delete", data={"csrf_token": token, "year": "2026"})
    client.post("/nomenclature/new", data={"csrf_token": token, "year": "2026", "index": "04-19", "title": "x"})
    assert db.session.scalar(db.select(db.func.count(NomenclatureEntry.id))) == 1
