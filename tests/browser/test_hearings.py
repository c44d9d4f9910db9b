"""A commission hearing from end to end, in a real browser: the head keeps a commission (a specialist of another
district and a member without an account among its members), builds an agenda of three cases, sends it and
builds the members' package; the internal member opens it, the external member opens it through a personal link
in a browser of their own; the hearing is held, the decisions entered (one approves the individual programme),
the protocol rendered, submitted, approved and signed; then each case holds its signed extract, and the
programme's deadlines appear."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PIN, LiveServer, log_in, log_out, write_pdf

FAMILIES = ("Берёзкины", "Клёновы", "Рябинины")
EXTERNAL = "Инспекторова Ольга Николаевна"


def _open_case(page: Page, server: LiveServer, index: str, title: str, subject: str = "") -> str:
    page.goto(server.url + "/cases/new")
    page.select_option("select[name=nomenclature_index]", index)
    page.fill("input[name=title]", title)
    if page.locator("select[name=district]").count():
        page.select_option("select[name=district]", "u1")
    if subject:
        page.fill("input[name=subject_name]", subject)
    page.click("text=Открыть дело")
    expect(page.locator("h1")).to_contain_text("Дело №")
    return page.locator("h1").inner_text().removeprefix("Дело № ").strip()


def _upload(page: Page, path: Path, title: str) -> None:
    page.click("#upload summary")
    page.set_input_files("#upload input[type=file]", str(path))
    page.fill("#upload input[name=title]", title)
    page.click("#upload button[type=submit]")
    expect(page.locator("section.document h3", has_text=title)).to_be_visible()


def _families(page: Page, server: LiveServer, tmp_path: Path) -> list[str]:
    """The specialist's three families, each case with a document to present."""
    log_in(page, server, "spec")
    numbers = []
    for family in FAMILIES:
        numbers.append(_open_case(page, server, "04-05", f"Личное дело: семья {family}", f"{family[:-1]}а Анна"))
        report = tmp_path / f"report-{len(numbers)}.pdf"
        write_pdf(report, f"Report on family {len(numbers)}")
        _upload(page, report, f"Отчёт специалиста: {family}")
    log_out(page)
    return numbers


def _commission(page: Page, server: LiveServer) -> None:
    """The head's council: protocols filed in a 04-11 case; the other district's specialist and an outsider sit."""
    protocols = _open_case(page, server, "04-11", "Протоколы заседаний совета профилактики")
    page.goto(server.url + "/commissions")
    page.fill("#new-commission input[name=name]", "Совет профилактики")
    page.fill("#new-commission input[name=protocols_case]", protocols)
    page.click("text=Создать комиссию")
    expect(page.locator(".flash.success")).to_contain_text("Комиссия создана")
    card = page.locator("section[id^=commission-]", has_text="Совет профилактики")
    for member, role in (("head", "chair"), ("spec2", "member")):
        card.locator("summary", has_text="Добавить участника").click()
        card.locator("select[name=username]").select_option(member)
        card.locator("select[name=role]").select_option(role)
        card.locator("button", has_text="Добавить в состав").click()
        expect(page.locator(".flash.success")).to_contain_text("Участник добавлен")
        card = page.locator("section[id^=commission-]", has_text="Совет профилактики")
    card.locator("summary", has_text="Добавить участника").click()
    card.locator("input[name=kind][value=external]").check()
    card.locator("input[name=name]").fill(EXTERNAL)
    card.locator("input[name=organization]").fill("ОМВД")
    card.locator("button", has_text="Добавить в состав").click()
    expect(page.locator("section[id^=commission-]", has_text="Совет профилактики")).to_contain_text(EXTERNAL)


def _agenda(page: Page, server: LiveServer, numbers: list[str]) -> str:
    """Tomorrow's hearing with the three cases on its agenda."""
    page.click("nav >> text=Заседания")
    page.click("summary:has-text('Новое заседание')")
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    page.fill("input[name=starts_at]", f"{tomorrow:%Y-%m-%d}T10:00")
    page.fill("input[name=place]", "Актовый зал")
    page.click("text=Запланировать заседание")
    expect(page.locator("h1")).to_contain_text("Заседание № 1")
    hearing_url = page.url
    for position, number in enumerate(numbers):
        page.fill("#agenda-builder input[name=q]", number if position else FAMILIES[0][:-1])  # by surname, by number
        page.click("text=Найти дело")
        page.locator(".case-matches a", has_text=number).click()
        builder = page.locator("#agenda-builder")
        expect(builder.locator("input[name=document_id]:checked")).to_have_count(1)  # new since never heard
        expect(builder).to_contain_text("новое")
        if position:
            builder.locator("select[name=question_id]").select_option(index=2)
        builder.locator("button", has_text="Включить в повестку").click()
        expect(page.locator(".flash.success")).to_contain_text("Вопрос включён в повестку")
    expect(page.locator("#agenda h2")).to_contain_text("Повестка (3)")
    return hearing_url


def test_a_hearing_from_agenda_to_the_extracts_filed_back(
    page: Page, browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    shots = live_server.screenshots
    page.on("dialog", lambda dialog: dialog.accept())  # every confirmation: yes
    numbers = _families(page, live_server, tmp_path)
    log_in(page, live_server, "head")
    _commission(page, live_server)
    hearing_url = _agenda(page, live_server, numbers)
    page.click("button:has-text('Разослать повестку')")
    expect(page.locator(".flash.success")).to_contain_text("Повестка разослана")
    page.click("button:has-text('Сформировать пакет')")
    expect(page.locator("#package a", has_text="Открыть пакет")).to_be_visible(timeout=60_000)  # the job's done
    _is_pdf(page, page.locator("#package a", has_text="Открыть пакет").get_attribute("href") or "", live_server)
    link = _external_link(page, hearing_url)
    page.screenshot(path=str(shots / "hearing-01-agenda-sent.png"), full_page=True)
    log_out(page)

    # The member from another district reads the package and the agenda's cases while the access window is open.
    log_in(page, live_server, "spec2")
    page.goto(hearing_url)
    _is_pdf(page, page.locator("#package a", has_text="Открыть пакет").get_attribute("href") or "", live_server)
    page.locator("#agenda a", has_text=numbers[2]).click()
    expect(page.locator("section.document h3", has_text="Отчёт специалиста")).to_be_visible()
    log_out(page)

    # The external member, in a browser of their own, without an account.
    outsider = browser.new_context(locale="ru-RU")
    try:
        stranger = outsider.new_page()
        stranger.goto(link)
        expect(stranger.locator("h1")).to_contain_text("Совет профилактики: заседание № 1")
        expect(stranger.locator("body")).to_contain_text(EXTERNAL)
        # a page image is rendered on request: slow on a loaded machine
        expect(stranger.locator(".viewer-page img").first).to_be_visible(timeout=60_000)
    finally:
        outsider.close()

    log_in(page, live_server, "head")
    page.goto(hearing_url)
    expect(page.locator("#members")).to_contain_text("открыта 1 раз")
    page.click("button:has-text('Заседание проведено')")
    expect(page.locator(".flash.success")).to_contain_text("Заседание отмечено проведённым")
    for position in range(len(numbers)):
        item = page.locator("article.agenda-item").nth(position)
        item.locator("select[name=kind]").select_option("programme_approved" if position == 0 else "other")
        item.locator("textarea[name=heard]").fill("Соколову М.В. о работе с семьёй")
        item.locator("textarea[name=decision]").fill("Утвердить ИППСУ" if position == 0 else "Принять к сведению")
        item.locator("button", has_text="Сохранить решение").click()
        expect(page.locator(".flash.success")).to_contain_text("Решение внесено")
    page.screenshot(path=str(shots / "hearing-02-decisions.png"), full_page=True)

    # The protocol: rendered from the decisions, submitted, approved and signed by the chair.
    page.click("button:has-text('Сформировать протокол')")
    expect(page.locator(".flash.success")).to_contain_text("Протокол составлен")
    page.locator("#protocol a").first.click()
    protocol = page.locator("section.document", has=page.locator("h3", has_text="Протокол заседания"))
    protocol.locator("button", has_text="Направить на утверждение").click()
    page.click("nav >> text=На утверждении")
    page.locator("form:has(input[name=action][value=approve]) input[name=pin]").first.fill(PIN)
    page.locator("button", has_text="Утвердить версию 1").first.click()
    expect(page.locator(".flash").first).to_contain_text("утвержд")
    page.goto(hearing_url)
    expect(page.locator("h1 + section")).to_contain_text("Протокол утверждён")
    page.locator("#protocol a").first.click()
    expect(protocol.locator(".signature.valid")).to_contain_text("утверждаю: Орлова Татьяна Сергеевна")
    page.goto(hearing_url)
    page.screenshot(path=str(shots / "hearing-03-protocol-approved.png"), full_page=True)

    # Each case holds its extract, signed; the approved programme's deadlines follow in the first.
    for position, number in enumerate(numbers):
        page.goto(hearing_url)
        page.locator("#agenda a", has_text=number).click()
        extract = page.locator("section.document", has=page.locator("h3", has_text="Выписка из протокола заседания"))
        expect(extract).to_have_count(1)
        expect(extract.locator(".signature.valid")).to_contain_text("подпись верна")
        expect(page.locator("#hearings")).to_contain_text("выписка из протокола")
        deadlines = page.locator("#deadlines", has_text="Начало реализации ИППСУ")
        expect(deadlines).to_have_count(1 if position == 0 else 0)
    page.screenshot(path=str(shots / "hearing-04-case-with-extract.png"), full_page=True)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    page.goto(f"{live_server.url}/hearings?month={tomorrow:%Y-%m}")
    expect(page.locator("#calendar td", has_text="10:00 Совет профилактики")).to_contain_text(str(tomorrow.day))
    page.screenshot(path=str(shots / "hearing-05-list.png"), full_page=True)


def _is_pdf(page: Page, href: str, server: LiveServer) -> None:
    """The package as the browser gets it (with this session's cookie): an inline PDF."""
    answer = page.request.get(server.url + href)
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF")


def _external_link(page: Page, hearing_url: str) -> str:
    """The external member's link, made on the hearing page, where it is shown once."""
    row = page.locator("#members tr", has_text=EXTERNAL)
    row.locator("button", has_text="Выдать ссылку").click()
    shown = page.locator(".made-link input").input_value()
    assert "/l/" in shown
    page.goto(hearing_url)
    expect(page.locator(".made-link")).to_have_count(0)  # shown once
    expect(page.locator("#members")).to_contain_text("не открывалась")
    return shown
