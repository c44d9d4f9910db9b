"""The viewer in a real browser: a specialist opens a scanned PDF and a filled-in form in «Просмотр», scrolls with
the keys, zooms and turns a page, compares two versions of the form side by side, and never downloads a file;
another district's specialist gets 404 for the same page images."""

from __future__ import annotations

import re
from pathlib import Path

from fpdf import FPDF
from playwright.sync_api import Browser, Download, Page, expect

from tests.browser.conftest import LiveServer, log_in

ACT = {
    "inspectors": "Соколова М.В., специалист по социальной работе",
    "representative": "Просмотрова Анна Сергеевна",
    "address": "пос. Таёжный, ул. Лесная, д. 9, кв. 2",
    "reason": "Плановое обследование семьи",
    "conclusion": "Печь требует ремонта; семье нужна помощь с дровами",
}
LOADED = "() => [...document.querySelectorAll('.viewer-page img')].every(i => i.complete && i.naturalWidth > 0)"


def _scan(path: Path, pages: int) -> None:
    pdf = FPDF()
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("helvetica", size=28)
        pdf.cell(text=f"Scanned page {number}")
    pdf.output(str(path))


def _all_pages_shown(page: Page, count: int) -> None:
    """Scroll through every page with the keys, each image loaded (they load lazily)."""
    page.locator("[data-viewer][data-ready]").wait_for()  # previews.js has taken the keys
    position = page.locator("[data-position]")
    expect(page.locator(".viewer-page img")).to_have_count(count)
    for number in range(2, count + 1):
        page.keyboard.press("PageDown")
        expect(position).to_have_text(f"Страница {number} из {count}")
    page.keyboard.press("Home")
    expect(position).to_have_text(f"Страница 1 из {count}")
    page.keyboard.press("End")
    expect(position).to_have_text(f"Страница {count} из {count}")
    page.wait_for_function(LOADED)


def test_a_scan_and_a_form_in_the_viewer(page: Page, browser: Browser, live_server: LiveServer, tmp_path: Path) -> None:
    shots = live_server.screenshots
    downloads: list[Download] = []
    page.on("download", lambda download: downloads.append(download))
    log_in(page, live_server, "spec")
    page.click("text=+ Новое дело")
    page.select_option("select[name=nomenclature_index]", "04-05")
    page.fill("input[name=title]", "Личное дело получателя социальных услуг: семья Просмотровых")
    page.fill("input[name=subject_name]", "Просмотрова Анна Сергеевна")
    page.click("text=Открыть дело")
    expect(page.locator("h1")).to_contain_text("Дело №")
    case_url = page.url

    scan = tmp_path / "scan.pdf"
    _scan(scan, 3)
    page.click("#upload summary")
    page.set_input_files("#upload input[type=file]", str(scan))
    page.fill("#upload input[name=title]", "Заявление (скан)")
    page.click("#upload button[type=submit]")
    scan_card = page.locator("section.document").filter(has=page.locator("h3", has_text="Заявление (скан)"))
    expect(scan_card).to_be_visible()
    page.goto(case_url)
    thumb = scan_card.locator(".page-thumb img")
    expect(thumb).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())

    # The scan in the viewer: every page, the keys, zoom and rotation.
    scan_card.locator("td a", has_text="Просмотр").click()
    expect(page.locator("h1")).to_contain_text("Просмотр: Заявление (скан)")
    expect(page.locator(".viewer-strip img")).to_have_count(3)
    _all_pages_shown(page, 3)
    image = page.locator("#page-3 img")
    before = image.bounding_box()
    page.click("[data-zoom=in]")
    after = image.bounding_box()
    assert before and after and after["width"] > before["width"] * 1.1
    page.click("[data-zoom=fit]")
    page.click("[data-rotate]")
    expect(image).to_have_attribute("data-angle", "90")
    page.screenshot(path=str(shots / "viewer-scan.png"), full_page=False)
    scan_images = page.eval_on_selector_all(".viewer-page img", "images => images.map(img => img.src)")
    session_page = r"/documents/\d+/versions/1/pages/\d\.webp\?view=\d+$"  # each within the opening's session
    assert all(re.search(session_page, url) for url in scan_images), scan_images
    assert page.locator("a[href*='/download'], a[href*='/content']").count() == 0  # the file is never offered
    page.goto(f"{page.url.split('?')[0]}?page=2")
    expect(page.locator("[data-position]")).to_have_text("Страница 2 из 3")

    # A form document, twice: its pages come from its PDF copy, made when it is first opened.
    page.goto(case_url)
    page.click("text=+ Заполнить документ по форме")
    page.click("text=Акт обследования материально-бытовых условий")
    page.fill("[name='f.act_date']", "2026-03-02")
    for name, value in ACT.items():
        page.fill(f"[name='f.{name}']", value)
    page.click("text=Сохранить документ")
    act_card = page.locator("section.document").filter(has=page.locator("h3", has_text="Акт обследования"))
    act_card.locator("a", has_text="Изменить (новая версия)").click()
    page.fill("[name='f.conclusion']", "Печь отремонтирована; помощь с дровами оказана")
    page.click("text=Сохранить новую версию")
    expect(page.locator(".flash").first).to_contain_text("Сохранена версия 2")  # shown with what changed
    page.goto(case_url)
    viewers = act_card.locator("table.versions a[href$='/view']")
    expect(viewers).to_have_count(2)
    viewers.first.click()  # the latest version first
    expect(page.locator("h1")).to_contain_text("Просмотр: Акт обследования")
    expect(page.locator(".viewer-page img").first).to_be_visible(timeout=60_000)
    count = page.locator(".viewer-page img").count()
    _all_pages_shown(page, count)

    page.click("text=Сравнить")
    expect(page.locator("h1")).to_contain_text("Сравнение версий")
    expect(page.locator(".compare-head h2")).to_have_count(2)
    expect(page.locator("#v1-page-1 img")).to_be_visible(timeout=60_000)
    expect(page.locator("#v2-page-1 img")).to_be_visible()
    page.keyboard.press("End")
    page.wait_for_function(LOADED)
    page.screenshot(path=str(shots / "viewer-compare.png"), full_page=False)
    assert downloads == []  # seen, never saved

    # Another district's specialist: the same page images do not exist for them.
    other = browser.new_context(locale="ru-RU")
    try:
        intruder = other.new_page()
        log_in(intruder, live_server, "spec2")
        thumbnails = [re.sub(r"\.webp\?view=\d+$", "/thumbnail.webp", url) for url in scan_images]
        for url in scan_images + thumbnails + [url.replace(".webp", ".jpg") for url in scan_images]:
            assert intruder.request.get(url).status == 404, url
    finally:
        other.close()
