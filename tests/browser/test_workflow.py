"""A specialist's and a head's day, in a real browser: log in, open a case, fill in and save an inspection act,
upload a scan, submit and approve, search (the words never in a URL) and open the hit, export the case for a
commission and download it.
Screenshots of the main pages are kept (CASEFILES_SCREENSHOTS, or the test's temporary folder)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import unquote

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import PIN, LiveServer, log_in, log_out, write_pdf

ACT = {
    "inspectors": "Соколова М.В., специалист по социальной работе",
    "representative": "Проверкина Анна Сергеевна",
    "address": "пос. Таёжный, ул. Лесная, д. 9, кв. 2",
    "reason": "Плановое обследование семьи",
    "conclusion": "Печь требует ремонта; семье нужна помощь с дровами",
}


def test_a_case_from_opening_to_the_commission(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    shots = live_server.screenshots
    log_in(page, live_server, "spec")
    expect(page.locator("h1")).to_contain_text("Дела")

    page.click("text=+ Новое дело")
    page.select_option("select[name=nomenclature_index]", "04-05")
    page.fill("input[name=title]", "Личное дело получателя социальных услуг: семья Проверкиных")
    page.fill("input[name=subject_name]", "Проверкина Анна Сергеевна")
    page.screenshot(path=str(shots / "01-new-case.png"), full_page=True)
    page.click("text=Открыть дело")
    expect(page.locator("h1")).to_contain_text("Дело №")
    case_url = page.url
    case_number = page.locator("h1").inner_text().removeprefix("Дело № ").strip()

    page.click("text=+ Заполнить документ по форме")
    page.click("text=Акт обследования материально-бытовых условий")
    page.focus("[name='f.inspectors']")
    page.focus("[name='f.address']")  # a required field left empty is marked at once
    expect(page.locator(".inline-check", has_text="Заполните это поле").first).to_be_visible()
    page.fill("[name='f.act_date']", "2026-03-02")
    for name, value in ACT.items():
        page.fill(f"[name='f.{name}']", value)
    page.screenshot(path=str(shots / "02-inspection-act-form.png"), full_page=True)
    page.click("text=Сохранить документ")
    expect(page).to_have_url(re.compile(re.escape(case_url) + r"(#.*)?$"))
    expect(page.locator("section.document h3").first).to_contain_text("Акт обследования")

    scan = tmp_path / "application.pdf"
    write_pdf(scan, "Scanned application")
    page.click("#upload summary")
    page.set_input_files("#upload input[type=file]", str(scan))
    page.fill("#upload input[name=title]", "Заявление о предоставлении социальных услуг")
    page.click("#upload button[type=submit]")
    expect(page.locator("section.document h3", has_text="Заявление о предоставлении")).to_be_visible()

    # The act's card by its heading: every card's «Изменить сведения» lists the document types, the act's among them.
    act_card = page.locator("section.document", has=page.locator("h3", has_text="Акт обследования"))
    act_card.locator("button", has_text="Направить на утверждение").click()
    expect(page.locator(".flash").first).to_be_visible()
    page.screenshot(path=str(shots / "03-case-page.png"), full_page=True)
    log_out(page)

    log_in(page, live_server, "head")
    page.click("text=На утверждении")
    page.screenshot(path=str(shots / "04-approvals.png"), full_page=True)
    page.locator("form:has(input[name=action][value=approve]) input[name=pin]").first.fill(PIN)
    page.locator("button", has_text="Утвердить версию 1").first.click()
    expect(page.locator(".flash").first).to_contain_text("утвержд")

    page.click("nav >> text=Поиск")
    page.fill("input[name=q]", "ремонта печь")
    page.keyboard.press("Enter")
    hit = page.locator(".search-hit h3 a").first
    expect(hit).to_contain_text("Акт обследования")
    expect(page).to_have_url(re.compile(r"/search\?query=[\w-]+$"))  # the words stay out of the address
    expect(page.locator("input[name=q]")).to_have_value("ремонта печь")
    page.screenshot(path=str(shots / "05-search.png"), full_page=True)
    page.locator(".facet a", has_text="Акт обследования").click()
    expect(page).to_have_url(re.compile(r"/search\?query=[\w-]+&type=inspection_act$"))
    hit = page.locator(".search-hit h3 a").first
    expect(hit).to_contain_text("Акт обследования")
    visited = page.evaluate("[location.href, document.referrer, ...[...document.links].map(link => link.href)]")
    assert not [url for url in visited if "печь" in unquote(url) or "ремонт" in unquote(url)], visited
    hit.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+#document-\d+"))
    expect(page.locator("section.document", has=page.locator("h3", has_text="Акт обследования"))).to_contain_text(
        "Утверждён"
    )

    page.click("text=Сформировать дело для комиссии")
    download_link = page.locator("a.button", has_text="Скачать")
    expect(download_link).to_be_visible(timeout=60_000)
    page.screenshot(path=str(shots / "06-export.png"), full_page=True)
    with page.expect_download() as download:
        download_link.click()
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    first = reader.pages[0].extract_text()
    assert f"ДЕЛО № {case_number}" in first
    assert any("Акт обследования" in page_.extract_text() for page_ in reader.pages[1:3])

    page.click("text=Журнал")
    expect(page.locator("h1")).to_contain_text("Журнал аудита")
    page.screenshot(path=str(shots / "07-audit.png"), full_page=True)


def test_destructive_acts_ask_first(page: Page, live_server: LiveServer) -> None:
    """A declined confirmation sends nothing: the case stays open."""
    log_in(page, live_server, "head")
    page.click("text=+ Новое дело")
    page.select_option("select[name=nomenclature_index]", "04-05")
    page.fill("input[name=title]", "Дело для проверки подтверждения")
    page.click("text=Открыть дело")
    asked: list[str] = []

    def decline(dialog: object) -> None:
        asked.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.once("dialog", decline)
    page.fill("input[name=closed_on]", "2026-06-30")
    page.click("button:has-text('Закрыть дело')")
    assert asked and "Закрыть дело" in asked[0]
    expect(page.locator(".status").first).to_contain_text("Открыто")


def test_every_roles_main_pages_render_without_errors(page: Page, live_server: LiveServer) -> None:
    """Each page loads under the strict CSP with no script error (the page fixture fails on any), and is kept as a
    screenshot to look at."""
    pages = {
        "spec": ["/", "/search", "/exports", "/account/tokens", "/cases/new", "/deadlines"],
        "head": ["/", "/deadlines", "/reports/statistical"],
        "archivist": ["/", "/nomenclature", "/archive", "/archive/destruction"],
        "admin": ["/", "/admin/users", "/admin/templates", "/admin/fixity", "/audit"],
    }
    for username, paths in pages.items():
        log_in(page, live_server, username)
        for path in paths:
            answer = page.goto(live_server.url + path)
            assert answer is not None and answer.status == 200, (username, path)
            name = f"{username}{path.replace('/', '-').rstrip('-') or '-home'}.png"
            page.screenshot(path=str(live_server.screenshots / name), full_page=True)
        log_out(page)


def test_a_tablet_screen_needs_no_sideways_scrolling(page: Page, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 820, "height": 1180})
    log_in(page, live_server, "spec")
    for path in ("/", "/cases/new", "/search", "/deadlines"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 820, (path, width)
        page.screenshot(
            path=str(live_server.screenshots / f"tablet{path.replace('/', '-').rstrip('-') or '-home'}.png")
        )
