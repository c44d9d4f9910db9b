"""The search page: results with highlights, facets that narrow, paging, permissions, errors on the page; the
words are posted and kept on the server, and no URL the page makes or redirects to carries them."""

from __future__ import annotations

import html
import os
import re
import time
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import World
from tests.webapp.test_pages import _csrf, forget_request_state, login
from webapp.exceptions import ValidationError
from webapp.search.queries import FOLDER


def _page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _submit(client: FlaskClient, **form: str) -> Any:
    """The search form posted as a browser posts it (with the page's CSRF token)."""
    token = _csrf(_page(client, "/search"))
    return client.post("/search", data={"csrf_token": token, **form})


def _search(client: FlaskClient, status: int = 200, **form: str) -> str:
    """The results of the search form: a redirect to a URL without the words, then that page."""
    answer = _submit(client, **form)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return _page(client, answer.headers["Location"], status)


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
    page = _search(client, q="семья")
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
    page = _search(client, q="семья", sort="date")
    [narrow] = _links(page, r"type=inspection_act")
    assert "query=" in narrow
    assert "sort=date" in narrow
    narrowed = _page(client, narrow)
    assert _found(narrowed) == 1
    assert "Акт обследования условий" in narrowed
    assert "Соглашение о сотрудничестве с семьёй" not in narrowed
    assert 'aria-current="true"' in narrowed  # the active facet value is marked
    assert "Вид документа: Акт обследования материально-бытовых условий" in narrowed
    clear = _links(narrowed, r"^/search\?(?!.*type=)")
    assert clear, "no link removing the type filter"
    assert all("query=" in url and "sort=date" in url for url in clear if "page=" not in url)
    assert _found(_page(client, clear[0])) == 2


def test_filters_from_the_form(client: FlaskClient, world: World) -> None:
    _two_documents(world)
    login(client, "spec1")
    assert _found(_search(client, q="семья", date_from="2026-03-01")) == 1
    assert _found(_search(client, q="семья", year="2025")) == 0
    listing = _search(client, type="cooperation_agreement")  # no words: filters alone list documents
    assert _found(listing) == 1
    assert "Соглашение о сотрудничестве с семьёй" in listing


def test_paging_keeps_the_query_and_filters(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    for number in range(21):
        world.upload(case["id"], f"Справка номер {number} о составе семьи".encode(), title=f"Справка {number}")
    world.upload(case["id"], "Справка о составе семьи".encode(), title="Другая справка", type="other")
    login(client, "spec1")
    first = _search(client, q="справка", type="scan", sort="date")
    assert _found(first) == 21
    assert first.count('class="search-hit"') == 20
    [next_url] = _links(first, r"page=2")
    assert "Дальше" in first
    for kept in ("query=", "type=scan", "sort=date"):
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
    page = _search(client, q="семья")
    assert _found(page) == 0
    assert "Акт обследования условий" not in page
    assert _found(_search(client, q="семья", district="u1")) == 0
    assert _found(_page(client, "/search?district=u1")) == 0


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"year": "abc"}, "Год: ожидалось целое число"),
        ({"q": "семья", "date_from": "xx"}, "Дата с: ожидалась дата ГГГГ-ММ-ДД"),
        ({"q": "семья", "case": "x"}, "Дело: ожидалось целое число"),
        ({"q": "семья", "type": "Иванов"}, "Вид документа: такого вида документа нет"),
        ({"q": "семья", "district": "Иванов"}, "Участок: такого участка нет"),
        ({"q": "семья", "nomenclature": "Иванов"}, "Статья номенклатуры: ожидался индекс статьи"),
        ({"q": "я" * 1001}, "Что искать: не длиннее 1000 знаков"),
    ],
)
def test_bad_input_is_a_message_with_400(client: FlaskClient, world: World, form: dict[str, str], message: str) -> None:
    login(client, "spec1")
    answer = _submit(client, **form)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert 'class="flash error"' in page
    assert message in page
    assert 'name="q"' in page  # the form is still there to correct the query, with the words typed
    assert "q" not in form or f'value="{form["q"]}"' in page


def test_bad_filters_in_a_url_are_a_message_with_400(client: FlaskClient, world: World) -> None:
    login(client, "spec1")
    assert "Год: ожидалось целое число" in _page(client, "/search?year=abc", status=400)
    assert "Страница: допустимо от 1" in _page(client, "/search?type=scan&page=0", status=400)
    assert "Участок: такого участка нет" in _page(client, "/search?district=x", status=400)


def test_query_the_index_cannot_parse_is_a_message(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webapp.search import services

    def refuse(*args: object) -> None:
        raise ValidationError("Не удалось разобрать запрос: test", code="invalid_query")

    monkeypatch.setattr(services, "search", refuse)
    login(client, "spec1")
    page = _search(client, status=400, q="(((")
    assert "Не удалось разобрать запрос" in page
    assert 'value="((("' in page


def test_hostile_queries_never_fail(client: FlaskClient, world: World) -> None:
    world.upload(world.open_case()["id"], b"text")
    login(client, "spec1")
    for query in ['"unbalanced', "AND OR NOT", "title:x", "x" * 10_000, "(((", "*", "<b>"]:
        response = _submit(client, q=query)
        assert response.status_code in (303, 400), query
        if response.status_code == 303:
            assert client.get(response.headers["Location"]).status_code in (200, 400), query
    results = _submit(client, q="text").headers["Location"]
    assert client.get(results + "&page=100000").status_code == 400
    assert "К первой странице" in _page(client, results + "&page=3")


def test_empty_query_shows_the_hint(client: FlaskClient, world: World) -> None:
    login(client, "spec1")
    assert _submit(client, q="  ").headers["Location"] == "/search"
    for url in ("/search", "/search?sort=date"):
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
    page = _search(client, q="opasnyj")
    assert _found(page) == 1
    assert "<mark>" in page
    assert "<script>alert" not in page
    assert "alert(1)&lt;/script&gt;" in page  # the body fragment, escaped by the index
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page  # the title, escaped by Jinja


WORDS = ("Пахомов", "Заречная")


def _carries_words(url: str) -> bool:
    forms = [spelling for word in WORDS for spelling in (word, word.lower(), quote(word), quote_plus(word))]
    return any(spelling.lower() in url.lower() for spelling in forms)


def _urls_of(page: str) -> list[str]:
    """Every link and form target on the page."""
    return list(map(html.unescape, re.findall(r'(?:href|action|src)="([^"]*)"', page)))


def test_no_url_the_search_page_makes_carries_the_words(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    for number in range(21):
        world.upload(case["id"], f"Справка {number}: Пахомов, ул. Заречная".encode(), title=f"Справка {number}")
    world.upload(case["id"], "Акт: Пахомов, ул. Заречная".encode(), title="Акт", type="inspection_act")
    login(client, "spec1")
    answer = _submit(client, q=" ".join(WORDS), sort="date")
    assert answer.status_code == 303
    results = answer.headers["Location"]
    assert re.fullmatch(r"/search\?query=[\w-]{22}&sort=date", results), results
    page = _page(client, results)
    assert _found(page) == 22 and f'value="{" ".join(WORDS)}"' in page  # the box shows the words, the URL does not
    links = [url for url in _urls_of(page) if urlsplit(url).path == "/search" and urlsplit(url).query]
    assert len(links) >= 4  # facets, the next page
    seen = set()
    for url in links:  # every page they lead to, and the links on it
        answer = client.get(url)
        assert answer.status_code == 200, url
        seen.update(_urls_of(answer.get_data(as_text=True)))
    assert {url for url in seen | set(_urls_of(page)) if _carries_words(url)} == set()
    assert any(re.fullmatch(r"/documents/\d+/similar", url) for url in seen)

    legacy = client.get("/search", query_string={"q": " ".join(WORDS), "type": "scan"})  # an old bookmark
    assert legacy.status_code == 303 and not _carries_words(legacy.headers["Location"])
    assert _found(_page(client, legacy.headers["Location"])) == 21
    for url in ("/", f"/cases/{case['id']}"):  # the rest of the application links to the empty search only
        assert [link for link in _urls_of(_page(client, url)) if link.startswith("/search")] in ([], ["/search"])


def test_kept_words_are_their_users_and_expire(app: Flask, client: FlaskClient, world: World) -> None:
    world.upload(world.open_case()["id"], "Пахомов".encode())
    login(client, "spec1")
    results = _submit(client, q="Пахомов").headers["Location"]
    assert _found(_page(client, results)) == 1
    folder = app.config["CASEFILES"].data_dir / FOLDER
    [kept] = list(folder.iterdir())
    assert kept.read_text(encoding="utf-8") == "Пахомов" and not _carries_words(kept.name)
    assert oct(kept.stat().st_mode & 0o777) == "0o600"

    forget_request_state()
    other = app.test_client()
    login(other, "head")
    assert "Поиск устарел" in _page(other, results, status=410)  # someone else's id finds nothing
    assert "Поиск устарел" in _page(other, "/search?query=..%2F..%2Fsecret_key", status=410)
    forget_request_state()

    long_ago = time.time() - 31 * 60  # CASEFILES_SESSION_MINUTES (30) without use
    os.utime(kept, (long_ago, long_ago))
    assert "Поиск устарел" in _page(client, results, status=410)
    assert not kept.exists()
    fresh = _submit(client, q="Пахомов").headers["Location"]
    [stale] = [path for path in folder.iterdir() if path.name.split("-", 1)[1] == fresh.split("=")[1]]
    os.utime(stale, (long_ago, long_ago))
    _submit(client, q="другие слова")  # keeping new words clears those unused too long
    assert not stale.exists() and len(list(folder.iterdir())) == 1
