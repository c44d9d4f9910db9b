"""The search page: results with highlights, facets that narrow, paging, permissions, errors on the page."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient

from tests.conftest import World
from tests.webapp.test_pages import login
from webapp.exceptions import ValidationError


def _page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _links(page: str, pattern: str) -> list[str]:
    """The hrefs on the page whose (unescaped) URL matches `pattern`."""
    return [url for url in map(html.unescape, re.findall(r'href="([^"]+)"', page)) if re.search(pattern, url)]


def _found(page: str) -> int:
    match = re.search(r"Найдено: (\d+)", page)
    assert match, "no total on the page"
    return int(match.group(1))


def _two_documents(world: World) -> tuple[dict[str, object], dict[str, object], dict[str, object]]:
    case = world.open_case()
    act = world.upload(
        case["id"],
        "Акт обследования: семья проживает в двухкомнатной квартире.".encode(),
        title="Акт обследования условий",
        type="inspection_act",
        date="2026-02-03",
    )
    agreement = world.upload(
        case["id"],
        "Соглашение: семья обязуется посещать занятия.".encode(),
        title="Соглашение о сотрудничестве с семьёй",
        type="cooperation_agreement",
        date="2026-03-04",
    )
    return case, act, agreement


def test_search_needs_login_and_is_in_the_nav(client: FlaskClient, world: World) -> None:
    response = client.get("/search?q=семья")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    login(client, "spec1")
    assert 'href="/search"' in _page(client, "/")


def test_page_finds_documents_with_highlights_and_facets(client: FlaskClient, world: World) -> None:
    case, act, agreement = _two_documents(world)
    login(client, "spec1")
    page = _page(client, "/search?q=семья")
    assert _found(page) == 2
    assert "Акт обследования условий" in page
    assert "Соглашение о сотрудничестве с семьёй" in page
    assert f'href="/cases/{case["id"]}#document-{act["id"]}"' in page
    assert f'href="/cases/{case["id"]}#document-{agreement["id"]}"' in page
    assert "<mark>" in page
    assert "03.02.2026" in page  # ru_date
    assert "04-05/2026/001" in page
    assert 'value="семья"' in page  # the query box keeps the query
    # Facets: Russian labels with counts
    assert re.search(r"Акт обследования материально-бытовых условий</a>\s*<span class=\"count\">1</span>", page)
    assert re.search(r"Соглашение о сотрудничестве</a>\s*<span class=\"count\">1</span>", page)
    assert re.search(r"2026</a>\s*<span class=\"count\">2</span>", page)
    assert re.search(r"Участок № 1</a>\s*<span class=\"count\">2</span>", page)


def test_facet_link_narrows_and_can_be_cleared(client: FlaskClient, world: World) -> None:
    _two_documents(world)
    login(client, "spec1")
    page = _page(client, "/search?q=семья&sort=date")
    [narrow] = _links(page, r"type=inspection_act")
    assert "q=" in narrow
    assert "sort=date" in narrow
    narrowed = _page(client, narrow)
    assert _found(narrowed) == 1
    assert "Акт обследования условий" in narrowed
    assert "Соглашение о сотрудничестве с семьёй" not in narrowed
    assert 'aria-current="true"' in narrowed  # the active facet value is marked
    assert "Вид документа: Акт обследования материально-бытовых условий" in narrowed
    clear = _links(narrowed, r"^/search\?(?!.*type=)")
    assert clear, "no link removing the type filter"
    assert all("q=" in url and "sort=date" in url for url in clear if "page=" not in url)
    assert _found(_page(client, clear[0])) == 2


def test_filters_from_the_form(client: FlaskClient, world: World) -> None:
    _two_documents(world)
    login(client, "spec1")
    assert _found(_page(client, "/search?q=семья&date_from=2026-03-01")) == 1
    assert _found(_page(client, "/search?q=семья&year=2025")) == 0
    listing = _page(client, "/search?type=cooperation_agreement")  # no words: filters alone list documents
    assert _found(listing) == 1
    assert "Соглашение о сотрудничестве с семьёй" in listing


def test_paging_keeps_the_query_and_filters(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    for number in range(21):
        world.upload(case["id"], f"Справка номер {number} о составе семьи".encode(), title=f"Справка {number}")
    world.upload(case["id"], "Справка о составе семьи".encode(), title="Другая справка", type="other")
    login(client, "spec1")
    first = _page(client, "/search?q=справка&type=scan&sort=date")
    assert _found(first) == 21
    assert first.count('class="search-hit"') == 20
    [next_url] = _links(first, r"page=2")
    assert "Дальше" in first
    for kept in ("q=", "type=scan", "sort=date"):
        assert kept in next_url
    second = _page(client, next_url)
    assert second.count('class="search-hit"') == 1
    assert "Другая справка" not in first + second
    [back] = _links(second, r"page=1")
    assert "Назад" in second
    assert "type=scan" in back
    assert "sort=date" in back


def test_other_district_sees_nothing(client: FlaskClient, world: World) -> None:
    _two_documents(world)
    login(client, "spec2")
    page = _page(client, "/search?q=семья")
    assert _found(page) == 0
    assert "Акт обследования условий" not in page
    assert _found(_page(client, "/search?q=семья&district=u1")) == 0
    assert _found(_page(client, "/search?district=u1")) == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=abc", "Год: ожидалось целое число"),
        ("q=семья&date_from=xx", "Дата с: ожидалась дата ГГГГ-ММ-ДД"),
        ("q=семья&page=0", "Страница: допустимо от 1"),
        ("q=семья&case=x", "Дело: ожидалось целое число"),
    ],
)
def test_bad_input_is_a_message_with_400(client: FlaskClient, world: World, query: str, message: str) -> None:
    login(client, "spec1")
    page = _page(client, f"/search?{query}", status=400)
    assert 'class="flash error"' in page
    assert message in page
    assert 'name="q"' in page  # the form is still there to correct the query


def test_query_the_index_cannot_parse_is_a_message(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webapp.search import services

    def refuse(*args: object) -> None:
        raise ValidationError("Не удалось разобрать запрос: test", code="invalid_query")

    monkeypatch.setattr(services, "search", refuse)
    login(client, "spec1")
    page = _page(client, "/search?q=(((", status=400)
    assert "Не удалось разобрать запрос" in page
    assert 'value="((("' in page


def test_hostile_queries_never_fail(client: FlaskClient, world: World) -> None:
    world.upload(world.open_case()["id"], b"text")
    login(client, "spec1")
    for query in ['"unbalanced', "AND OR NOT", "title:x", "x" * 10_000, "(((", "*", "<b>"]:
        response = client.get("/search", query_string={"q": query})
        assert response.status_code in (200, 400), query
    assert client.get("/search?q=text&page=100000").status_code == 400
    assert "К первой странице" in _page(client, "/search?q=text&page=3")


def test_empty_query_shows_the_hint(client: FlaskClient, world: World) -> None:
    login(client, "spec1")
    for url in ("/search", "/search?q=++", "/search?sort=date"):
        page = _page(client, url)
        assert "Как искать" in page
        assert "в кавычках" in page
        assert "Минус" in page
        assert "Звёздочка" in page
        assert "Найдено" not in page
        assert "flash error" not in page


def test_document_text_and_title_are_escaped(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    world.upload(case["id"], b"<script>alert(1)</script> opasnyj tekst", title="<script>alert(2)</script> opasnyj")
    login(client, "spec1")
    page = _page(client, "/search?q=opasnyj")
    assert _found(page) == 1
    assert "<mark>" in page
    assert "<script>alert" not in page
    assert "alert(1)&lt;/script&gt;" in page  # the body fragment, escaped by the index
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page  # the title, escaped by Jinja
